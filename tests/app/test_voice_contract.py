"""Route contract: TwiML structure and allowed verbs, per policy and key."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.storage.schema import call_events, calls
from tests.app.twiml_reading import CONNECT_VERBS, WAIT_VERBS, all_verbs, parse, spoken, top_verbs
from tests.support.sids import sid

POLICIES = ("silence", "checkin", "callback", "music_ads")
FROM = "+14155550100"


def config_for(policy: str) -> str:
    return ('[line]\nsupport_number = "+14155550000"\n'
            f'[queues.support]\npolicy = "{policy}"\n'
            "[queues.support.callback]\noffer_without_estimate_after_s = 60\n")


CA1 = sid("CA1")


def wait_form(call_id=CA1, queue_time=0, position=1, size=1):
    return {"CallSid": call_id, "QueueTime": str(queue_time), "QueuePosition": str(position),
            "CurrentQueueSize": str(size), "From": FROM}


@pytest.fixture(params=POLICIES)
def policy_client(request, make_app):
    from app.signed_client import SignedClient
    from tests.conftest import AUTH_TOKEN

    app = make_app(config_for(request.param))
    return request.param, SignedClient(app.test_client(), AUTH_TOKEN), app


def test_incoming_enqueues_at_once_with_wait_and_action(policy_client):
    """Nothing is said before the Enqueue: an agent waiting on the queue takes the caller at
    once, and the welcome is the first wait document's (its waitUrl says it is owed)."""
    policy, twilio, _ = policy_client
    response = twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": FROM})
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert top_verbs(response.data) == ["Enqueue"] and not spoken(response.data)
    enqueue = parse(response.data).find("Enqueue")
    assert enqueue.text == "support"
    assert enqueue.get("waitUrl") == f"/voice/wait?policy={policy}&queue=support&welcome=1"
    assert enqueue.get("action") == f"/voice/queue-result?policy={policy}&queue=support"
    assert enqueue.get("waitUrlMethod") == "POST"


def test_wait_documents_use_only_allowed_verbs_and_end_to_repoll(policy_client):
    policy, twilio, _ = policy_client
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": FROM})
    for queue_time in (0, 60, 120, 180, 240):
        response = twilio.post(f"/voice/wait?policy={policy}&queue=support",
                               wait_form(queue_time=queue_time))
        verbs = all_verbs(response.data)
        assert verbs <= WAIT_VERBS, verbs
        assert "Leave" not in verbs and "Hangup" not in verbs
        assert top_verbs(response.data)[-1] in ("Pause", "Play")  # then Twilio asks again


def test_checkin_gathers_one_key_posting_to_choice(make_app):
    from app.signed_client import SignedClient
    from tests.conftest import AUTH_TOKEN

    twilio = SignedClient(make_app(config_for("checkin")).test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": FROM})
    twilio.post("/voice/wait?policy=checkin&queue=support", wait_form(queue_time=1))
    response = twilio.post("/voice/wait?policy=checkin&queue=support", wait_form(queue_time=60))
    gather = parse(response.data).find("Gather")
    assert gather.get("numDigits") == "1" and gather.get("input") == "dtmf"
    assert gather.get("action") == "/voice/choice?policy=checkin&queue=support"
    assert gather.get("actionOnEmptyResult") is None  # silence means keep waiting
    assert "You are next in line" in spoken(response.data)


def test_keep_waiting_key_is_acknowledged_and_logged(app, twilio):
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": FROM})
    twilio.post("/voice/wait?policy=checkin&queue=support", wait_form(queue_time=60))
    response = twilio.post("/voice/choice?policy=checkin&queue=support",
                           {**wait_form(queue_time=65), "Digits": "1"})
    assert top_verbs(response.data) == ["Say"]
    assert "keep your place" in spoken(response.data)
    events = logged_events(app, sid("CA1"))
    assert "KEYPRESS" in events and "ABANDON" not in events


def test_callback_key_commits_request_then_leaves_and_is_never_an_abandon(make_app):
    from app.signed_client import SignedClient
    from tests.conftest import AUTH_TOKEN

    app = make_app(config_for("callback"))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": FROM})
    twilio.post("/voice/wait?policy=callback&queue=support", wait_form(queue_time=61))
    response = request_callback(twilio)
    assert top_verbs(response.data) == ["Say", "Leave"]
    assert "call you back" in spoken(response.data)
    twilio.post("/voice/queue-result?policy=callback&queue=support",
                {"CallSid": sid("CA1"), "QueueResult": "leave", "QueueTime": "71"})
    twilio.post("/voice/status", {"CallSid": sid("CA1"), "CallStatus": "completed"})
    events = logged_events(app, sid("CA1"))
    assert {"CALLBACK_REQUESTED", "EXITWITHKEY"} <= set(events)
    assert "ABANDON" not in events
    row = call_row(app, sid("CA1"))
    assert row["outcome"] == "left" and row["callback_requested"]


def test_callback_without_a_callable_number_keeps_the_caller_in_line(make_app):
    from app.signed_client import SignedClient
    from tests.conftest import AUTH_TOKEN

    app = make_app(config_for("callback"))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "anonymous"})
    twilio.post("/voice/wait?policy=callback&queue=support", wait_form(queue_time=61))
    response = twilio.post("/voice/choice?policy=callback&queue=support",
                           {**wait_form(queue_time=70), "Digits": "2", "From": "anonymous"})
    assert "Leave" not in all_verbs(response.data)
    assert "keep your place" in spoken(response.data)
    assert "CALLBACK_REQUESTED" not in logged_events(app, sid("CA1"))


def test_agent_dials_the_queue_and_connect_logs_the_answer(app, twilio):
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": FROM})
    agent = twilio.post("/voice/agent", {"CallSid": sid("CAagent"), "From": "client:ann"})
    queue = parse(agent.data).find("Dial/Queue")
    assert queue.text == "support" and queue.get("url") == "/voice/connect?queue=support"
    connect = twilio.post("/voice/connect?queue=support",
                          {"CallSid": sid("CA1"), "QueueTime": "42",
                           "DequeingCallSid": sid("CAagent")})
    assert all_verbs(connect.data) <= CONNECT_VERBS
    assert "Connecting you" in spoken(connect.data)
    row = call_row(app, sid("CA1"))
    assert row["outcome"] == "answered" and row["wait_s"] == 42


def test_queue_result_bridged_and_hangup_answers_end_the_call(twilio):
    for result in ("bridged", "hangup", "leave"):
        response = twilio.post("/voice/queue-result", {"CallSid": sid(f"CA-{result}"),
                                                       "QueueResult": result, "QueueTime": "3"})
        assert top_verbs(response.data) == ["Hangup"]


def test_queue_result_error_puts_the_caller_back_in_line_once(twilio):
    first = twilio.post("/voice/queue-result?policy=checkin&queue=support",
                        {"CallSid": sid("CA1"), "QueueResult": "error", "QueueTime": "30"})
    assert top_verbs(first.data) == ["Say", "Enqueue"]
    action = parse(first.data).find("Enqueue").get("action")
    assert action == "/voice/queue-result?episode=1&policy=checkin&queue=support"
    second = twilio.post(action, {"CallSid": sid("CA1"), "QueueResult": "error", "QueueTime": "5"})
    assert top_verbs(second.data) == ["Say", "Hangup"]  # once only; then told why, not cut off


def test_status_callback_answers_204(twilio):
    response = twilio.post("/voice/status", {"CallSid": sid("CA1"), "CallStatus": "ringing"})
    assert response.status_code == 204


def test_malformed_webhooks_are_rejected_with_400(twilio):
    assert twilio.post("/voice/wait", {"QueueTime": "3"}).status_code == 400
    bad = {"CallSid": sid("CA1"), "QueueTime": "soon"}
    assert twilio.post("/voice/wait", bad).status_code == 400
    assert twilio.post("/voice/queue-result", {"CallSid": sid("CA1")}).status_code == 400


@pytest.mark.parametrize("queue_time", ["1_000", "\u0661\u0662", "nan", "1e3", "+5", "5.",
                                        "\uff15"])
def test_a_number_twilio_would_never_write_is_a_400_that_names_it(twilio, queue_time):
    """Twilio writes numbers as ASCII digits with at most one point; float() also read
    "1_000", Arabic-Indic or full-width digits and exponents as numbers."""
    answer = twilio.post("/voice/wait", {"CallSid": sid("CA1"), "QueueTime": queue_time})
    assert answer.status_code == 400
    assert b"Twilio parameter QueueTime is not a number" in answer.data


@pytest.mark.parametrize("queue_time", ["0", "42", "42.5", " 7 "])
def test_numbers_as_twilio_writes_them_are_taken(twilio, queue_time):
    answer = twilio.post("/voice/wait", {"CallSid": sid("CA1"), "QueueTime": queue_time,
                                         "QueuePosition": "1"})
    assert answer.status_code == 200


def request_callback(twilio, call_id: str = sid("CA1"), queue_time: int = 70, confirm: str = "1",
                     leave: bool = True, caller: str = FROM):
    """Press the callback key, then confirm the caller ID read back: the full keypad flow;
    then, as Twilio does after the confirmation's <Leave/> (unless `leave` is False: the
    caller still hears it), the Enqueue action's `leave`, after which the callback may ring."""
    form = {**wait_form(call_id, queue_time=queue_time), "Digits": "2", "From": caller}
    offer = twilio.post("/voice/choice?policy=callback&queue=support", form)
    action = parse(offer.data).find("Gather").get("action")
    confirmed = twilio.post(action, {**form, "Digits": confirm})
    if leave and b"<Leave" in confirmed.data:
        twilio.post("/voice/queue-result?policy=callback&queue=support",
                    {"CallSid": call_id, "QueueResult": "leave",
                     "QueueTime": str(queue_time)}).close()  # the same moment: no clock here
    return confirmed


def logged_events(app, call_id: str) -> list[str]:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        rows = conn.execute(select(call_events.c.event).where(call_events.c.call_id == call_id)
                            .order_by(call_events.c.id))
        return [row[0] for row in rows]


def call_row(app, call_id: str):
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().one()


def test_an_agent_whose_queue_dial_failed_pauses_before_asking_again(twilio):
    """A missing Twilio queue fails the Dial at once: no tight webhook loop for the agent."""
    answer = twilio.post("/voice/agent?queue=support",
                         {"CallSid": sid("CAagent1"), "DialCallStatus": "failed"})
    assert top_verbs(answer.data) == ["Pause", "Dial"]
    dial = parse(answer.data).find("Dial")
    assert dial.get("action") == "/voice/agent?queue=support"  # still in the loop


@pytest.mark.parametrize("result", ["redirected", "redirected-from-bridged",
                                    "bridging-in-process"])
def test_a_caller_still_in_a_call_is_never_hung_up_on(twilio, result):
    answer = twilio.post("/voice/queue-result?queue=support",
                         {"CallSid": sid("CA1"), "QueueResult": result, "QueueTime": "30"})
    assert answer.status_code == 200 and top_verbs(answer.data) == []


def test_a_system_error_puts_the_caller_back_in_line_and_counts_as_an_error(app, twilio):
    first = twilio.post("/voice/queue-result?policy=checkin&queue=support",
                        {"CallSid": sid("CA1"), "QueueResult": "system-error", "QueueTime": "30"})
    assert top_verbs(first.data) == ["Say", "Enqueue"]
    assert call_row(app, sid("CA1"))["outcome"] == "error"  # until their second time in line ends


@pytest.mark.parametrize(("result", "episode", "words"), [
    ("error", "0", "you may be further back than before"), ("queue-full", "0", "line is full"),
    ("error", "1", "failed twice")])
def test_out_of_the_queue_the_caller_hears_why_in_the_queues_voice(make_app, result, episode,
                                                                   words):
    """A reviewer heard these in Twilio's default voice, and a second error as a bare hang-up."""
    from app.signed_client import SignedClient
    from tests.app.twiml_reading import parse
    from tests.conftest import AUTH_TOKEN

    app = make_app('[queues.support]\npolicy = "checkin"\nvoice = "Polly.Amy"\n')
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    out = twilio.post(f"/voice/queue-result?queue=support&policy=checkin&episode={episode}",
                      {"CallSid": CA1, "QueueResult": result, "QueueTime": "30"})
    said = parse(out.data).find("Say")
    assert said is not None and words in said.text and said.get("voice") == "Polly.Amy"


def test_a_hang_up_of_a_call_the_log_never_saw_enter_is_counted_under_its_urls_policy(
        twilio, app):
    """Its /voice/incoming and polls never reached the log (a host's journal lost, or the
    call enqueued before this deployment): the Enqueue action's URL still names the policy,
    so the call is a record of that policy, not a row with none (which every report on the
    database had failed on, and which is now left out as in progress)."""
    caller = sid("CAnever")
    answer = twilio.post("/voice/queue-result?policy=checkin&queue=support",
                         {"CallSid": caller, "QueueResult": "hangup", "QueueTime": "40"})
    assert answer.status_code == 200
    row = call_row(app, caller)
    assert (row["policy"], row["queue"], row["outcome"], row["wait_s"]) == (
        "checkin", "support", "abandoned", 40.0)
    with app.extensions["holdwell"].store.engine.connect() as conn:
        labels = conn.execute(select(call_events.c.event, call_events.c.policy).where(
            call_events.c.call_id == caller)).all()
    assert labels and {policy for _, policy in labels} == {"checkin"}
