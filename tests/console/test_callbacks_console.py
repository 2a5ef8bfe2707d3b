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
    request_callback(twilio, call_id, caller=number)


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


def row_of(page: str, call_id: str) -> str:
    start = page.index(f'<tr data-call="{call_id}">')
    return page[start:page.index("</tr>", start)]


def test_a_refused_cancel_is_said_at_its_row_with_what_was_typed(console_app, twilio_console,
                                                                 as_role):
    """A refusal had come back as a flash at the page's top after a redirect, the typed reason
    gone: with many rows, which one it meant was for the operator to find (audit X2)."""
    import html

    promise(twilio_console, sid("CA1"))
    promise(twilio_console, sid("CA2"), number="+14155550101")
    operator = as_role("operator")
    unticked = operator.post(f"/console/callbacks/{CA1}/cancel",
                             {"reason": "solved by email"})
    assert unticked.status_code == 400
    page = html.unescape(unticked.get_data(as_text=True))
    row, other = row_of(page, CA1), row_of(page, sid("CA2"))
    assert "Not cancelled: tick the box to confirm" in row and "Not cancelled" not in other
    assert 'value="solved by email"' in row  # kept as typed
    assert 'name="confirm" value="yes" required aria-invalid="true"' in row
    assert 'name="reason"' in row and row.count('aria-invalid="true"') == 1
    assert page.startswith("<!doctype html>") and "<title>Error: Callbacks" in page
    short = html.unescape(operator.post(f"/console/callbacks/{sid('CA2')}/cancel",
                                        {"reason": " x ", "confirm": "yes"})
                          .get_data(as_text=True))
    row = row_of(short, sid("CA2"))
    assert "reason: say why" in row and 'value=" x "' in row
    assert row.index('aria-invalid="true"') > row.index('name="reason"')
    assert row.index('aria-invalid="true"') < row.index('name="confirm"')
    assert "Not cancelled" not in row_of(short, CA1)


def test_a_cancel_refused_for_a_row_no_longer_pending_is_said_at_the_top(
        console_app, twilio_console, as_role):
    promise(twilio_console, sid("CA1"))
    operator = as_role("operator")
    assert operator.post(f"/console/callbacks/{CA1}/cancel",
                         {"reason": "solved by email", "confirm": "yes"}).status_code == 303
    again = operator.post(f"/console/callbacks/{CA1}/cancel",
                          {"reason": "solved twice", "confirm": "yes"})
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    top = page[page.index("<main"):page.index("<section")]
    assert f"Not cancelled: callback {CA1} is cancelled; only a pending one" in top
    assert 'role="alert"' in top


def test_a_cancel_reason_needs_three_characters_that_show(console_app, twilio_console,
                                                          tokens, as_role):
    """Four zero-width spaces had cancelled a callback: the row read “” and the audit log
    "reason: " with nothing after it (console audit 34, D10)."""
    promise(twilio_console, sid("CA1"))
    for unseen in ("\u200b" * 4, "\u200bok\u200b\u2060", "\u202e\u2066\ufeff  ",
                   "\x01\x02\x03", "\u3164\u3164\u3164", "\u2800 \u2800 \u2800", "o\u034f\u034fk"):
        refused = as_role("operator").post(f"/console/callbacks/{CA1}/cancel",
                                           {"reason": unseen, "confirm": "yes"})
        assert refused.status_code == 400
        assert "at least 3 characters that show" in refused.get_data(as_text=True)
        api = console_app.test_client().post(f"/api/v1/callbacks/{CA1}/cancel",
                                             headers=bearer(tokens["operator"]),
                                             json={"reason": unseen})
        assert api.status_code == 422 and "reason" in api.get_json()["fields"]
    engine = console_app.extensions["holdwell"].store.engine
    assert not [e for e in audit.page(engine).entries if e.action == "callback.cancel"]
    done = as_role("operator").post(f"/console/callbacks/{CA1}/cancel",
                                    {"reason": "\u200bok!", "confirm": "yes"})
    assert done.status_code == 303


def test_a_callback_in_hand_says_what_its_status_means_and_why_no_cancel(
        console_app, twilio_console, as_role, clock):
    """A callback being dialled read "claimed" with a bare "–" where the cancel form is: an
    operator who wanted it stopped had no word of what "claimed" meant nor why it could not
    be cancelled (the API answers 409 "claimed")."""
    promise(twilio_console, CA1)
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        assert callback_queue.claim_next(conn, "support", sid("CAagent"), clock.now(),
                                         only_if_older_than_queue=False) is not None
    page = as_role("operator").get("/console/callbacks").get_data(as_text=True)
    row = row_of(page, CA1)
    assert 'claimed<span class="hint" data-in-hand>: being dialled</span>' in row
    assert "being dialled: only a pending callback can be cancelled" in row
    assert "claimed (being dialled)" in page
