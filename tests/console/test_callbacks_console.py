"""Callback promises in the console: the list with attempts, and a cancel that the agent
route respects at once (audited, with its reason)."""

from __future__ import annotations

from app.storage import audit, callback_queue
from tests.app.test_voice_contract import request_callback, wait_form
from tests.console.conftest import bearer
from tests.support.sids import sid

WAIT = "/voice/wait?policy=callback&queue=support"

CA1 = sid("CA1")
CA404 = sid("CA404")


def promise(twilio, call_id: str, number: str = "+14155550100") -> None:
    twilio.post("/voice/incoming?queue=support", {"CallSid": call_id, "From": number})
    twilio.post(WAIT, {**wait_form(call_id, queue_time=0), "From": number})
    request_callback(twilio, call_id)


def test_pending_callbacks_are_listed_with_numbers_masked_for_analysts(
        console_app, twilio_console, tokens):
    promise(twilio_console, sid("CA1"))
    client = console_app.test_client()
    operator = client.get("/api/v1/callbacks", headers=bearer(tokens["operator"])).get_json()
    analyst = client.get("/api/v1/callbacks", headers=bearer(tokens["analyst"])).get_json()
    assert [(c["call_id"], c["status"]) for c in operator["callbacks"]] == [(sid("CA1"), "pending")]
    assert operator["callbacks"][0]["number"] == "+14155550100"
    assert analyst["callbacks"][0]["number"].endswith("00")
    assert "4155550" not in analyst["callbacks"][0]["number"]


def test_cancel_needs_a_reason_is_audited_and_the_agent_no_longer_gets_it(
        console_app, twilio_console, tokens, as_role, clock):
    promise(twilio_console, sid("CA1"))
    operator = as_role("operator")
    page = operator.get("/console/callbacks").get_data(as_text=True)
    assert f'action="/console/callbacks/{CA1}/cancel"' in page
    no_reason = operator.post(f"/console/callbacks/{CA1}/cancel", {"reason": "",
                                                                  "confirm": "yes"},
                              follow_redirects=True)
    assert "reason:" in no_reason.get_data(as_text=True)
    client = console_app.test_client()
    short = client.post(f"/api/v1/callbacks/{CA1}/cancel", headers=bearer(tokens["operator"]),
                        json={"reason": "x"})
    assert short.status_code == 422 and "reason" in short.get_json()["fields"]
    unticked = operator.post(f"/console/callbacks/{CA1}/cancel",
                             {"reason": "solved by email"}, follow_redirects=True)
    assert "Not cancelled: tick the box to confirm" in unticked.get_data(as_text=True)
    done = operator.post(f"/console/callbacks/{CA1}/cancel", {"reason": "solved by email",
                                                              "confirm": "yes"},
                         follow_redirects=True)
    assert "cancelled" in done.get_data(as_text=True)
    engine = console_app.extensions["holdwell"].store.engine
    with engine.begin() as conn:
        assert callback_queue.claim_next(conn, "support", sid("CAagent"), clock.now(),
                                         only_if_older_than_queue=False) is None
    entry = next(e for e in audit.page(engine).entries if e.action == "callback.cancel")
    assert (entry.actor, entry.target, entry.detail) == ("operator", sid("CA1"),
                                                         {"reason": "solved by email"})
    again = client.post(f"/api/v1/callbacks/{CA1}/cancel", headers=bearer(tokens["operator"]),
                        json={"reason": "twice"})
    assert again.status_code == 409 and "cancelled" in again.get_json()["error"]
    unknown = client.post(f"/api/v1/callbacks/{CA404}/cancel", headers=bearer(tokens["operator"]),
                          json={"reason": "nobody"})
    assert unknown.status_code == 404


def test_a_callback_being_dialled_cannot_be_cancelled(console_app, twilio_console, tokens,
                                                      clock):
    promise(twilio_console, sid("CA1"))
    engine = console_app.extensions["holdwell"].store.engine
    with engine.begin() as conn:
        assert callback_queue.claim_next(conn, "support", sid("CAagent"), clock.now(),
                                         only_if_older_than_queue=False) is not None
    refused = console_app.test_client().post(
        f"/api/v1/callbacks/{CA1}/cancel", headers=bearer(tokens["operator"]),
        json={"reason": "too late"})
    assert refused.status_code == 409 and "claimed" in refused.get_json()["error"]


def test_the_agent_route_skips_a_cancelled_callback(console_app, twilio_console, tokens):
    promise(twilio_console, sid("CA1"))
    console_app.test_client().post(f"/api/v1/callbacks/{CA1}/cancel",
                                   headers=bearer(tokens["operator"]),
                                   json={"reason": "customer called again"})
    agent = twilio_console.post("/voice/agent?queue=support", {"CallSid": sid("CAagent")})
    text = agent.get_data(as_text=True)
    assert "<Queue" in text and "+14155550100" not in text


def test_a_message_left_from_the_queue_shows_to_those_who_see_numbers_only(
        console_app, twilio_console, tokens, as_role):
    from tests.support.callback_rows import attach_message

    promise(twilio_console, CA1)
    recording = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"
    attach_message(console_app.extensions["holdwell"].store.engine, CA1, recording,
                   "my <b>router</b> is down")
    client = console_app.test_client()
    operator = client.get("/api/v1/callbacks", headers=bearer(tokens["operator"])).get_json()
    analyst = client.get("/api/v1/callbacks", headers=bearer(tokens["analyst"])).get_json()
    [mine], [theirs] = operator["callbacks"], analyst["callbacks"]
    [message], [hidden_message] = mine["messages"], theirs["messages"]
    assert mine["left_message"] and message["url"] == recording
    assert message["transcript"] == "my <b>router</b> is down" and message["seconds"] == 9
    assert theirs["left_message"] and hidden_message["url"] is None
    assert hidden_message["transcript"] is None
    assert (mine["message_url"], mine["transcript"]) == (recording, message["transcript"])
    assert (theirs["message_url"], theirs["transcript"]) == (None, None)  # v1's fields kept
    page = as_role("operator").get("/console/callbacks").get_data(as_text=True)
    assert f'href="{recording}"' in page and "my &lt;b&gt;router&lt;/b&gt; is down" in page
    hidden = as_role("analyst").get("/console/callbacks").get_data(as_text=True)
    assert "left a message" in hidden and recording not in hidden and "router" not in hidden


def test_the_console_refuses_a_nul_in_a_cancel_reason_as_the_api_does(
        console_app, twilio_console, as_role):
    """A NUL went into the audit log from the form while the API refused it (probe F7)."""
    promise(twilio_console, sid("CA1"))
    refused = as_role("operator").post(f"/console/callbacks/{CA1}/cancel",
                                       {"reason": "why\x00 not", "confirm": "yes"},
                                       follow_redirects=True)
    assert f"Not cancelled ({CA1}): reason: must not contain a NUL character" in \
        refused.get_data(as_text=True)  # the row named (accessibility audit X2)
    engine = console_app.extensions["holdwell"].store.engine
    assert not [e for e in audit.page(engine).entries if e.action == "callback.cancel"]


def test_a_settled_cancel_says_who_when_and_why(console_app, twilio_console, tokens,
                                                as_role):
    """Settled rows had said only "cancelled", and the audit log is an admin's page, so an
    operator could not tell a colleague had just cancelled it (browser walk-through U3)."""
    promise(twilio_console, sid("CA1"))
    client = console_app.test_client()
    assert client.post(f"/api/v1/callbacks/{CA1}/cancel", headers=bearer(tokens["operator"]),
                       json={"reason": "rang back on the mobile"}).status_code == 200
    seen = client.get("/api/v1/callbacks", headers=bearer(tokens["operator"])).get_json()
    cancelled = seen["callbacks"][0]["cancelled"]
    assert (cancelled["by"], cancelled["reason"]) == ("operator", "rang back on the mobile")
    masked = client.get("/api/v1/callbacks", headers=bearer(tokens["analyst"])).get_json()
    assert masked["callbacks"][0]["cancelled"]["reason"] is None  # words about a caller
    page = as_role("operator").get("/console/callbacks").get_data(as_text=True)
    assert "by operator, " in page and "“rang back on the mobile”" in page
