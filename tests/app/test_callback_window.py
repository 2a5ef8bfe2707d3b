"""The callback window live: said, texted (opt-in), retried soon enough to keep it, and sized
with the queue's measured answer rate (issue 16 item 7). Twilio's REST API is mocked at the
client."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from twilio.base.exceptions import TwilioRestException

from app.signed_client import SignedClient
from app.storage.db import as_utc
from tests.app.test_callbacks import CONFIG, callback_rows, dial_result, enter
from tests.app.test_voice_contract import request_callback
from tests.app.twiml_reading import spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

ESTIMATING = CONFIG + "[estimate]\nmin_departures = 1\n"
TEXTING = ESTIMATING.replace("retry_after_s = 300", "retry_after_s = 300\nsms_confirm = true")


def line_with_departures(make_app, clock, config: str):
    app = make_app(config, account_sid="AC123")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n in range(3):  # departures, so the offer can promise a time
        twilio.post("/voice/connect?queue=support", {"CallSid": sid(f"CAold{n}"), "QueueTime": "9"})
        clock.advance(20)
    return app, twilio


def window_said(response) -> int:
    return int(re.search(r"within (\d+) minutes?", spoken(response.data)).group(1))


def test_the_confirmation_is_texted_with_the_window_said_once_the_answer_is_sent(
        make_app, clock, mocker):
    app, twilio = line_with_departures(make_app, clock, TEXTING)
    create = mocker.patch.object(app.extensions["holdwell"].rest_client.messages, "create")
    enter(twilio, sid("CA1"), clock)
    confirmed = request_callback(twilio, sid("CA1"), queue_time=60)
    assert top_verbs(confirmed.data) == ["Say", "Leave"]
    minutes = window_said(confirmed)
    [row] = callback_rows(app)
    assert as_utc(row["promised_by"]) == as_utc(row["requested_at"]) + timedelta(minutes=minutes)
    create.assert_not_called()  # not while the caller waits for the answer
    confirmed.close()  # the server has sent it (PEP 3333: it calls close())
    create.assert_called_once()
    sms = create.call_args.kwargs
    assert (sms["to"], sms["from_"]) == ("+14155550100", "+14155550000")
    assert f"within {minutes} minute" in sms["body"]


def test_no_text_unless_asked_for(make_app, clock, mocker):
    app, twilio = line_with_departures(make_app, clock, ESTIMATING)
    create = mocker.patch.object(app.extensions["holdwell"].rest_client.messages, "create")
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60).close()
    assert callback_rows(app)[0]["status"] == "pending"
    create.assert_not_called()


def test_a_failing_text_never_costs_the_caller_their_callback(make_app, clock, mocker):
    app, twilio = line_with_departures(make_app, clock, TEXTING)
    create = mocker.patch.object(app.extensions["holdwell"].rest_client.messages, "create",
                                 side_effect=TwilioRestException(500, "/Messages", "down"))
    enter(twilio, sid("CA1"), clock)
    confirmed = request_callback(twilio, sid("CA1"), queue_time=60)
    assert top_verbs(confirmed.data) == ["Say", "Leave"] and "within" in spoken(confirmed.data)
    confirmed.close()
    assert callback_rows(app)[0]["status"] == "pending"
    create.assert_called_once()


def test_with_sms_confirm_the_customer_is_also_told_when_we_could_not_reach_them(
        make_app, clock, mocker):
    app, bodies = texted_after_two_misses(make_app, clock, mocker, TEXTING)
    assert callback_rows(app)[0]["status"] == "failed"
    assert len(bodies) == 2 and "could not reach you" in bodies[1]


def texted_after_two_misses(make_app, clock, mocker, config: str):  # noqa: ANN001, ANN201
    """(app, texts sent): a callback booked on `config`'s line, then its two attempts
    (max_attempts = 2) unanswered."""
    app, twilio = line_with_departures(make_app, clock, config)
    create = mocker.patch.object(app.extensions["holdwell"].rest_client.messages, "create")
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60).close()
    for n in range(2):
        clock.advance(301)
        twilio.post("/voice/agent", {"CallSid": sid(f"CAagent{n}")})
        dial_result(twilio, sid("CA1"), "no-answer", sid(f"CAleg{n}")).close()
    return app, [call.kwargs["body"] for call in create.call_args_list]


@pytest.mark.parametrize(("settings", "expected_s"), [
    ("retry_after_s = 300", 60),  # 5 minutes would pass the promised window: the soonest
    ("retry_after_s = 60\nmin_retry_after_s = 30\nat_risk_margin_s = 0", 60),  # room: regular
    ("retry_after_s = 300\nmin_retry_after_s = 300", 300),  # no sooner retry: the old spacing
])
def test_a_missed_attempt_is_retried_soon_enough_to_keep_the_window(
        make_app, clock, settings, expected_s):
    config = ESTIMATING.replace("retry_after_s = 300", settings, 1)
    app, twilio = line_with_departures(make_app, clock, config)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    twilio.post("/voice/agent", {"CallSid": sid("CAagent1")})
    dial_result(twilio, sid("CA1"), "no-answer", sid("CAleg1"))
    [row] = callback_rows(app)
    assert row["status"] == "pending"
    left = (as_utc(row["promised_by"]) - clock.now()).total_seconds()
    assert left > 0
    assert as_utc(row["next_attempt_at"]) == clock.now() + timedelta(seconds=expected_s)


def test_the_answer_rate_is_read_from_the_log_once_a_minute_and_widens_the_window(
        make_app, clock):
    app, twilio = line_with_departures(make_app, clock, ESTIMATING.replace(
        "max_attempts = 2", "max_attempts = 9"))
    store = app.extensions["holdwell"].store
    enter(twilio, sid("CA1"), clock)
    first = window_said(request_callback(twilio, sid("CA1"), queue_time=60))

    def flow():
        with store.engine.connect() as conn:
            return store.flows.flow(conn, "support", clock.now(), 900)

    before = flow()
    for n in range(8):  # eight missed attempts: the measured answer rate falls
        twilio.post("/voice/agent", {"CallSid": sid(f"CAagent{n}")})
        dial_result(twilio, sid("CA1"), "no-answer", sid(f"CAleg{n}"))
        clock.advance(61)
    assert before.callback_attempts == 0
    after = flow()
    assert (after.callback_attempts, after.callbacks_answered) == (8, 0)
    twilio.post("/voice/agent", {"CallSid": sid("CAagent9")})
    dial_result(twilio, sid("CA1"), "busy", sid("CAleg9"))  # the last: it fails
    assert callback_rows(app)[0]["status"] == "failed"
    assert flow().callback_attempts == 8  # the reading is kept for a minute
    clock.advance(60)
    assert flow().callback_attempts == 9
    for n in range(3):  # fresh departures, so a new caller hears an estimate
        twilio.post("/voice/connect?queue=support", {"CallSid": sid(f"CAnew{n}"), "QueueTime": "9"})
    enter(twilio, sid("CA2"), clock)
    later = window_said(request_callback(twilio, sid("CA2"), queue_time=60))
    assert later > first


@pytest.mark.parametrize(("tag", "confirm", "failed"), [
    ("es-ES", "Le devolveremos la llamada en un máximo de", "no pudimos localizarle"),
    ("pt-BR", "Retornaremos a sua ligação em até", "não conseguimos falar com você"),
    ("it-IT", "La richiameremo entro", "non siamo riusciti a raggiungerla")])
def test_the_texts_are_in_the_queues_language(make_app, clock, mocker, tag, confirm, failed):
    """A Spanish queue's customer had been texted "We will call you back within 15 minutos"
    and "Sorry, we tried to call you back": the texts' defaults were English whatever the
    queue's language, with the window in it."""
    config = TEXTING.replace('policy = "callback"\n', f'policy = "callback"\nlanguage = "{tag}"\n')
    _, (sent, gone) = texted_after_two_misses(make_app, clock, mocker, config)
    assert sent.startswith(confirm) and "minut" in sent and "minutes" not in sent
    assert failed in gone and "could not reach you" not in gone


def test_a_text_the_operator_wrote_is_sent_as_written_whatever_the_language(
        make_app, clock, mocker):
    config = TEXTING.replace('policy = "callback"\n', 'policy = "callback"\nlanguage = "es-ES"\n'
                             ).replace("sms_confirm = true", 'sms_confirm = true\n'
                                       'sms_confirm_text = "Le llamamos en {wait}."')
    app, twilio = line_with_departures(make_app, clock, config)
    create = mocker.patch.object(app.extensions["holdwell"].rest_client.messages, "create")
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60).close()
    assert re.fullmatch(r"Le llamamos en \d+ minutos\.", create.call_args.kwargs["body"])
