"""A customer whose answer was journaled by a host cut off from PostgreSQL is never rung
again (issue 11, exactly-once callbacks, over real HTTP to two gunicorns).

Host A reaches PostgreSQL through a proxy the test cuts; host B directly. Agent A (on B)
claims the callback; the customer answers, and that webhook lands on A, which journals it;
agent A's call ends, and that lands on B. Before this check, B put the callback back in line
at once and the next agent rang the customer again. Now B holds the claim, `holdwell
callbacks`' round asks Twilio (mocked at the REST client) how the customer's leg went, finds
it answered, and keeps the promise; A's journal, replayed, adds nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

from sqlalchemy import create_engine, select
from twilio.rest import Client
from twilio.rest.api.v2010.account.call import CallInstance

from app.callback_watch import watch_once
from app.storage.schema import call_events, callbacks
from hold_policies.config import load_config
from tests.conftest import AUTH_TOKEN
from tests.integration.test_fault_matrix import BUDGET_MS, health, sid, wait_for_empty_journal
from tests.support.live_server import LiveServer
from tests.support.tcp_proxy import proxied_url, running_proxy

CONFIG_TOML = ('[line]\nsupport_number = "+14155550000"\n'
               '[queues.support]\npolicy = "callback"\n'
               '[queues.support.callback]\noffer_after_estimate_s = 60\n'
               'offer_without_estimate_after_s = 60\n')
CUSTOMER = "+14155550123"
WITH_CREDENTIALS = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
                    "HOLDWELL_DB_BUDGET_MS": str(BUDGET_MS)}


def host(database_url: str, workdir, config) -> LiveServer:
    workdir.mkdir(parents=True, exist_ok=True)
    return LiveServer(database_url, workdir=workdir, config=config,
                      extra_env=WITH_CREDENTIALS).start()


def book_callback(server: LiveServer, call: str) -> None:
    """A caller waits, asks for a callback on their own number and leaves the line."""
    server.post("/voice/incoming?queue=support", {"CallSid": call, "From": CUSTOMER})
    form = {"CallSid": call, "From": CUSTOMER, "QueuePosition": "1", "CurrentQueueSize": "1"}
    for queue_time in ("0", "61"):
        server.post("/voice/wait?policy=callback&queue=support", {**form, "QueueTime": queue_time})
    form["QueueTime"] = "70"
    offer = server.post("/voice/choice?policy=callback&queue=support", {**form, "Digits": "2"})
    action = urlsplit(ElementTree.fromstring(offer.body).find("Gather").get("action"))
    confirmed = server.post(f"{action.path}?{action.query}", {**form, "Digits": "1"})
    assert b"<Leave" in confirmed.body
    server.post("/voice/queue-result?policy=callback&queue=support",
                {**form, "QueueResult": "leave"})


def dialled(server: LiveServer, agent: str) -> dict[str, str] | None:
    """The callback an agent's /voice/agent answer rings (its URL's call and claim), if any."""
    answer = ElementTree.fromstring(server.post("/voice/agent?queue=support",
                                                {"CallSid": agent}).body)
    number = answer.find(".//Number")
    if number is None:
        return None
    return {k: v[0] for k, v in parse_qs(urlsplit(number.get("url")).query).items()}


def answered_leg(agent: str, at: datetime) -> CallInstance:
    return CallInstance(None, {
        "sid": sid(900), "status": "completed", "to": CUSTOMER, "parent_call_sid": agent,
        "date_created": format_datetime(at), "start_time": format_datetime(at),
        "end_time": format_datetime(at + timedelta(seconds=95)), "duration": "90",
        "answered_by": "human"},
        WITH_CREDENTIALS["TWILIO_ACCOUNT_SID"])


def test_an_answer_journaled_on_a_cut_off_host_is_never_rung_over(postgres_url, tmp_path,
                                                                   mocker):
    config = tmp_path / "holdwell.toml"
    config.write_text(CONFIG_TOML, encoding="utf-8")
    call, agent_a, agent_b = sid(1), sid(701), sid(702)
    engine = create_engine(postgres_url)
    with running_proxy() as proxy:
        cut_off = host(proxied_url(postgres_url, proxy), tmp_path / "a", config)
        fine = host(postgres_url, tmp_path / "b", config)
        try:
            book_callback(fine, call)
            fence = dialled(fine, agent_a)
            assert fence is not None and fence["call"] == call
            rang_at = datetime.now(UTC)
            proxy.set_mode("refuse")
            answer = cut_off.post(
                f"/voice/callback/answer?call={call}&claim={fence['claim']}&queue=support",
                {"CallSid": sid(900), "AnsweredBy": "human"})
            assert answer.is_twiml and answer.elapsed < 2.5
            assert health(cut_off)["journal_backlog"] >= 1  # the answer waits on host A
            assert fine.post("/voice/status", {"CallSid": agent_a,
                                               "CallStatus": "completed"}).status == 204
            assert dialled(fine, agent_b) is None  # not rung again while nobody knows

            client = Client(WITH_CREDENTIALS["TWILIO_ACCOUNT_SID"], AUTH_TOKEN)
            listed = mocker.patch.object(client.calls, "list",
                                         return_value=[answered_leg(agent_a, rang_at)])
            report = watch_once(engine, load_config(str(config)).callbacks,
                                datetime.now(UTC), client=client)
            assert listed.call_args.kwargs["parent_call_sid"] == agent_a
            assert listed.call_args.kwargs["to"] == CUSTOMER
            assert report.checked.connected == [call]
            assert dialled(fine, agent_b) is None

            proxy.set_mode("pass")
            wait_for_empty_journal(cut_off)  # host A's answer, applied late
        finally:
            cut_off.stop()
            fine.stop()
    with engine.connect() as conn:
        status = conn.execute(select(callbacks.c.status)).scalar_one()
        connects = conn.execute(select(call_events.c.event).where(
            call_events.c.call_id == call, call_events.c.event == "CALLBACK_CONNECT")).all()
    engine.dispose()
    assert status == "connected" and len(connects) == 1
