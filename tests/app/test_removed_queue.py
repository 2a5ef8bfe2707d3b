"""A queue removed while callers wait in it: agents of the remaining queues take them first.

No agent of its own dials its Twilio queue any more, so those callers had been told their
place until they hung up, and were logged as abandons the policy never caused.
"""

from __future__ import annotations

import tomllib

from sqlalchemy import select

from app.console.live_config import apply
from app.signed_client import SignedClient
from app.storage.schema import call_events
from hold_policies.config import parse_config
from tests.app.test_voice_contract import call_row, wait_form
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

BOTH = '[queues.support]\npolicy = "checkin"\n[queues.sales]\npolicy = "silence"\n'
SUPPORT_ONLY = '[queues.support]\npolicy = "checkin"\n'
SALES_WAIT = "/voice/wait?policy=silence&queue=sales"


def waiting_in_sales(make_app, config: str = BOTH, wait: str = SALES_WAIT,  # noqa: ANN001, ANN201
                     **first_poll: int):
    """An app running `config` with a caller waiting in sales (polled once at `wait`), and
    its signed client."""
    app = make_app(config)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming?queue=sales", {"CallSid": sid("CAsales"),
                                                "From": "+14155550100"})
    twilio.post(wait, wait_form(sid("CAsales"), **{"queue_time": 1, **first_poll}))
    return app, twilio


def remove_sales(app) -> None:  # noqa: ANN001
    apply(app.extensions["holdwell"], parse_config(tomllib.loads(SUPPORT_ONLY), "v2"))


def test_an_agent_takes_a_caller_left_in_a_removed_queue_first(make_app, clock):
    app, twilio = waiting_in_sales(make_app)
    agent = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("CAa1")}).data)
    assert agent.find("Dial/Queue").text == "support"  # sales is still served by its own
    clock.advance(60)
    remove_sales(app)
    twilio.post(SALES_WAIT, wait_form(sid("CAsales"), queue_time=61))
    agent = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("CAa2")}).data)
    queue = agent.find("Dial/Queue")
    assert queue.text == "sales"  # the stranded caller first
    assert "queue=sales" in queue.get("url") and "/voice/connect" in queue.get("url")
    assert "/voice/agent?queue=support" in agent.find("Dial").get("action")  # then back
    twilio.post(queue.get("url"), {"CallSid": sid("CAsales"), "QueueTime": "70",
                                   "DequeingCallSid": sid("CAa2")})
    row = call_row(app, sid("CAsales"))
    assert (row["queue"], row["outcome"]) == ("sales", "answered")
    agent = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("CAa3")}).data)
    assert agent.find("Dial/Queue").text == "support"  # nobody is left there


def test_a_row_whose_end_was_never_heard_sends_no_agent_for_ever(make_app, clock):
    """A caller not polled for five minutes is gone (their status callback lost): agents are
    not sent to an empty queue for ever."""
    app, twilio = waiting_in_sales(make_app)
    remove_sales(app)
    clock.advance(301)
    agent = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("CAa1")}).data)
    assert agent.find("Dial/Queue").text == "support"


def test_an_agent_who_found_nobody_there_takes_their_own_queue_next(make_app, clock):
    """Meanwhile every agent of every queue had been sent to the empty removed queue, loop
    after loop, and a caller waiting in their own queue was never offered."""
    app, twilio = waiting_in_sales(make_app)
    remove_sales(app)
    first = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("CAa1")}).data)
    assert first.find("Dial/Queue").text == "sales"
    clock.advance(30)  # nobody there: the caller hung up, and that was never heard
    after = twilio.post(first.find("Dial").get("action"), {
        "CallSid": sid("CAa1"), "DialCallStatus": "no-answer"})
    assert parse(after.data).find("Dial/Queue").text == "support"


SPANISH_SALES = ('[queues.support]\npolicy = "checkin"\n'
                 '[queues.sales]\npolicy = "checkin"\nlanguage = "es-ES"\n')
SALES_CHECKIN = "/voice/wait?policy=checkin&queue=sales"


def removed_by_a_live_change(app, before: str, after: str) -> None:  # noqa: ANN001
    """As a worker's live config applies a new version: the one it ran is `before`."""
    svc = app.extensions["holdwell"]
    apply(svc, parse_config(tomllib.loads(after), "v2"),
          before=parse_config(tomllib.loads(before), "v1"))


def logged(app, call_id: str) -> list[tuple[str, str, str]]:  # noqa: ANN001
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(call_events.c.event, call_events.c.queue, call_events.c.policy)
            .where(call_events.c.call_id == call_id).order_by(call_events.c.id))]


def test_a_caller_left_in_a_removed_queue_keeps_its_words_and_labels(make_app, clock):
    """The caller's check-ins had switched to the default queue's policy and language (a
    Spanish caller heard English), logged under a queue the call's row did not name."""
    app, twilio = waiting_in_sales(make_app, SPANISH_SALES, SALES_CHECKIN, queue_time=1)
    removed_by_a_live_change(app, SPANISH_SALES, SUPPORT_ONLY)
    said = []
    for minute in range(1, 4):
        clock.advance(60)
        answer = twilio.post(SALES_CHECKIN, wait_form(sid("CAsales"), queue_time=60 * minute,
                                                      position=2, size=3))
        assert answer.status_code == 200
        said += [say.get("language") for say in parse(answer.data).iter("Say")]
    assert said and set(said) == {"es-ES"}  # still in the caller's language
    events = logged(app, sid("CAsales"))
    assert any(event == "ANNOUNCE" for event, _, _ in events)
    assert {(queue, policy) for _, queue, policy in events} == {("sales", "checkin")}
    assert call_row(app, sid("CAsales"))["queue"] == "sales"


def test_a_removed_queue_takes_no_new_caller_and_no_agent_of_its_own(make_app):
    """New calls whose webhook still names it join the default queue, as the config change's
    warning says; an agent whose webhook names it takes the default queue's callers."""
    app = make_app(SPANISH_SALES)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    removed_by_a_live_change(app, SPANISH_SALES, SUPPORT_ONLY)
    incoming = parse(twilio.post("/voice/incoming?queue=sales", {
        "CallSid": sid("CAnew"), "From": "+14155550101"}).data)
    assert incoming.find("Enqueue").text == "support"
    assert "queue=support" in incoming.find("Enqueue").get("waitUrl")
    assert call_row(app, sid("CAnew"))["queue"] == "support"
    agent = parse(twilio.post("/voice/agent?queue=sales", {"CallSid": sid("CAa1")}).data)
    assert agent.find("Dial/Queue").text == "support"


def test_a_queue_brought_back_runs_its_new_settings(make_app):
    app = make_app(SPANISH_SALES)
    removed_by_a_live_change(app, SPANISH_SALES, SUPPORT_ONLY)
    assert "sales" in app.extensions["holdwell"].retired
    removed_by_a_live_change(app, SUPPORT_ONLY, BOTH)
    svc = app.extensions["holdwell"]
    assert "sales" not in svc.retired
    assert svc.policy("sales", "checkin").name == "silence"  # its new policy, not the old


def test_a_saved_version_without_the_queue_retires_it_in_every_worker(make_app, clock):
    """The live config (a save, or another worker's, read within seconds) retires what the
    version it ran had; a worker started after the change reads the version before."""
    from app.console.live_config import version_before
    from app.storage import config_versions

    app = make_app(SPANISH_SALES)
    svc = app.extensions["holdwell"]
    active = config_versions.get(svc.store.engine)
    saved = config_versions.add(svc.store.engine, parse_config(tomllib.loads(SUPPORT_ONLY)),
                                author="olu", note="sales merged", now=clock.now(),
                                after=active.number)
    app.extensions["holdwell_live_config"].refresh(svc, force=True)
    assert set(svc.config.queues) == {"support"}
    assert svc.retired["sales"].language == "es-ES"
    assert svc.policy("sales", "checkin").voice.language == "es-ES"
    assert "sales" in version_before(svc, saved.number).queues  # a worker starting now
    assert version_before(svc, 1) is None


SALES_CLOSES_AT_SIX = ('[queues.support]\npolicy = "checkin"\n'
                       '[queues.sales]\npolicy = "checkin"\n'
                       '[queues.sales.hours]\ntimezone = "Europe/London"\n'
                       'monday = "08:00-18:00"\n')


def test_a_removed_queue_keeps_its_opening_hours_for_the_callers_in_it(make_app, clock):
    """Its hours are among its last settings: a caller still in line after its closing time
    hears that the line has closed (the check-ins had carried on as if it never closed, and
    a callback could be offered and promised past closing, which no worker keeps)."""
    from datetime import UTC, datetime

    from tests.app.twiml_reading import spoken

    clock.set(datetime(2026, 12, 7, 17, 50, tzinfo=UTC))  # a Monday; London is on UTC
    app, twilio = waiting_in_sales(make_app, SALES_CLOSES_AT_SIX, SALES_CHECKIN, queue_time=1)
    removed_by_a_live_change(app, SALES_CLOSES_AT_SIX, SUPPORT_ONLY)
    clock.set(datetime(2026, 12, 7, 18, 5, tzinfo=UTC))
    said = spoken(twilio.post(SALES_CHECKIN, wait_form(sid("CAsales"), queue_time=900,
                                                       position=2, size=3)).data)
    assert "Our line is now closed to new calls" in said


def test_a_removed_queue_keeping_places_says_no_place_without_the_log(make_app, sqlite_url,
                                                                      clock):
    """Without the call log a queue whose callers may have callbacks or rejoined callers
    ahead, outside Twilio's count, says no place (tests/app/test_outage_place.py); once
    removed, it had said Twilio's: "number 2" with callbacks ahead."""
    from tests.app.twiml_reading import spoken
    from tests.support.locked_sqlite import locked_sqlite
    from tests.support.request_budget import request_budget

    line = '[line]\nsupport_number = "+14155550000"\n'
    keeping = (line + SUPPORT_ONLY + '[queues.sales]\npolicy = "checkin"\n'
               '[queues.sales.overflow]\nmax_wait_s = 3600\n')
    app, twilio = waiting_in_sales(make_app, keeping, SALES_CHECKIN, queue_time=0, position=3)
    removed_by_a_live_change(app, keeping, line + SUPPORT_ONLY)
    clock.advance(60)
    with locked_sqlite(sqlite_url, "EXCLUSIVE"), request_budget(app, 0.2):
        reply = twilio.post(SALES_CHECKIN, wait_form(sid("CAsales"), queue_time=60,
                                                     position=2, size=4))
    said = " ".join(spoken(reply.data).split())
    assert said, "the caller still hears the check-in"
    assert "number" not in said and "next" not in said


def test_a_worker_started_after_two_changes_still_serves_a_removed_queues_callers(make_app,
                                                                                 clock):
    """Sales removed (version 2), then support's policy edited (version 3): a worker started
    after that (a restart, a scale-out) read only version 2 as 'the version before', found
    no queue removed, and answered the caller still waiting in sales as the default queue,
    in English and logged under support, while the older workers answered in Spanish."""
    from app.storage import config_versions

    app, twilio = waiting_in_sales(make_app, SPANISH_SALES, SALES_CHECKIN, queue_time=1)
    svc = app.extensions["holdwell"]
    for number, body in ((2, SUPPORT_ONLY), (3, '[queues.support]\npolicy = "silence"\n')):
        clock.advance(30)
        config_versions.add(svc.store.engine, parse_config(tomllib.loads(body)),
                            author="olu", note=f"change {number}", now=clock.now(),
                            after=number - 1)
    clock.advance(30)
    later = make_app(SPANISH_SALES)  # a worker started now, on the same database
    assert set(later.extensions["holdwell"].config.queues) == {"support"}
    assert later.extensions["holdwell"].retired["sales"].language == "es-ES"
    answer = SignedClient(later.test_client(), AUTH_TOKEN).post(
        SALES_CHECKIN, wait_form(sid("CAsales"), queue_time=120, position=2, size=3))
    said = {say.get("language") for say in parse(answer.data).iter("Say")}
    assert said == {"es-ES"}
    assert {queue for _, queue, _ in logged(app, sid("CAsales"))} == {"sales"}


def test_a_failing_look_for_stranded_callers_never_keeps_a_starting_worker_from_its_version(
        make_app, clock, monkeypatch):
    from app.console import live_config
    from app.storage import config_versions

    app = make_app(SPANISH_SALES)
    svc = app.extensions["holdwell"]
    config_versions.add(svc.store.engine, parse_config(tomllib.loads(SUPPORT_ONLY)),
                        author="olu", note="sales merged", now=clock.now(), after=1)

    def broken(*_args):  # noqa: ANN002, ANN202
        raise RuntimeError("no such column: calls.last_polled_at")

    monkeypatch.setattr(live_config, "stranded_queues", broken)
    later = make_app(SPANISH_SALES)
    assert set(later.extensions["holdwell"].config.queues) == {"support"}
    assert later.extensions["holdwell_live_config"].number == 2
