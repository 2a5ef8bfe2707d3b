"""A failed callback's text is owed until sent, whoever failed it (app.storage.failure_texts):
a final attempt journaled during an outage and applied later is texted by `holdwell
callbacks`; a text is sent at most once, never when texts are off, never hours late, and
never to a customer who was never rung. Twilio's REST client is mocked at its boundary."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, select, update
from twilio.base.exceptions import TwilioRestException

from app.callback_watch import watch_round
from app.failure_text_sender import send_owed
from app.signed_client import SignedClient
from app.storage.failure_texts import NOT_SENT, OWED, SENT, TEXT_WITHIN_S
from app.storage.schema import callbacks
from hold_policies.config import CallbacksConfig
from tests.app.test_callback_lifecycle_fixes import CUSTOMER, LAST_TRY, placer_of, texts
from tests.app.test_callback_worker import make_worker
from tests.app.test_callbacks import CONFIG, enter
from tests.app.test_customer_first import FIRST, PUBLIC
from tests.app.test_exactly_once_callbacks import claimed_dial, report
from tests.app.test_voice_contract import request_callback
from tests.conftest import AUTH_TOKEN
from tests.support.callback_rows import NUMBER, seed_pending
from tests.support.locked_sqlite import locked_sqlite
from tests.support.request_budget import request_budget
from tests.support.sids import sid

TEXTS_ON = CallbacksConfig(sms_on_failure=True)
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def failure_text(engine, call_id: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(callbacks.c.failure_text).where(
            callbacks.c.call_id == call_id)).scalar()


def failed_owing(engine, call_ids, failed_at: datetime = NOW) -> None:
    seed_pending(engine, call_ids, failed_at - timedelta(minutes=30))
    with engine.begin() as conn:
        conn.execute(update(callbacks).values(status="failed", resolved_at=failed_at,
                                              failure_text=OWED))


def test_a_final_attempt_journaled_in_an_outage_is_texted_by_the_worker_once(
        make_app, clock, sqlite_url, tmp_path, mocker):
    app = make_app(CONFIG.replace("max_attempts = 2", LAST_TRY), account_sid="AC123")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    fence = claimed_dial(twilio, sid("CAagent"))
    sms = texts(app, mocker)
    with locked_sqlite(sqlite_url), request_budget(app, 0.3):  # too late for the last attempt
        report(twilio, fence, "no-answer", sid("CAleg")).close()
    sms.assert_not_called()  # journaled: nobody yet knows the callback failed
    worker, lines = make_worker(sqlite_url, tmp_path, CONFIG)  # the same host's journal
    worker.clock = clock  # the test's time: the failure is minutes old, not months
    worker_sms = mocker.patch.object(worker.client.messages, "create")
    assert worker.start(wait=False)
    assert worker.round()
    assert "journal: replayed" in " ".join(lines.out)
    worker_sms.assert_called_once()
    assert worker_sms.call_args.kwargs["to"] == CUSTOMER
    assert "failure texts sent: 1" in lines.out[-1]
    assert failure_text(app.extensions["holdwell"].store.engine, fence["call"]) == SENT
    assert worker.round()
    worker_sms.assert_called_once()  # never twice
    sms.assert_not_called()


def test_the_route_that_failed_it_texts_and_the_worker_then_has_nothing_owed(
        make_app, clock, sqlite_url, tmp_path, mocker):
    app = make_app(CONFIG.replace("max_attempts = 2", LAST_TRY), account_sid="AC123")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    fence = claimed_dial(twilio, sid("CAagent"))
    sms = texts(app, mocker)
    report(twilio, fence, "no-answer", sid("CAleg")).close()
    sms.assert_called_once()
    worker, lines = make_worker(sqlite_url, tmp_path, CONFIG)
    worker_sms = mocker.patch.object(worker.client.messages, "create")
    assert worker.start(wait=False) and worker.round()
    worker_sms.assert_not_called()
    assert "failure texts sent: 0" in lines.out[-1]


def test_two_senders_at_once_send_each_owed_text_once(postgres_url, mocker):
    engine = create_engine(postgres_url)
    failed_owing(engine, [f"CA{n}" for n in range(20)])
    client = mocker.MagicMock()
    barrier = threading.Barrier(4)

    def sender() -> None:
        barrier.wait()
        send_owed(engine, client, TEXTS_ON, "+14155550000", NOW)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert client.messages.create.call_count == 20
    assert {failure_text(engine, f"CA{n}") for n in range(20)} == {SENT}
    engine.dispose()


def test_texts_off_marks_them_not_sent_so_turning_texts_on_later_sends_nothing_old(
        sqlite_url, mocker):
    engine = create_engine(sqlite_url)
    failed_owing(engine, ["CA1"])
    client = mocker.MagicMock()
    assert send_owed(engine, client, CallbacksConfig(), "+14155550000", NOW) == 0
    assert failure_text(engine, "CA1") == NOT_SENT
    assert send_owed(engine, client, TEXTS_ON, "+14155550000", NOW) == 0
    client.messages.create.assert_not_called()


def test_a_failure_found_hours_later_is_not_texted(sqlite_url, mocker):
    engine = create_engine(sqlite_url)
    failed_owing(engine, ["CA1"], failed_at=NOW - timedelta(seconds=TEXT_WITHIN_S + 60))
    failed_owing_too = NOW - timedelta(seconds=TEXT_WITHIN_S - 60)
    seed_pending(engine, ["CA2"], failed_owing_too)
    with engine.begin() as conn:
        conn.execute(update(callbacks).where(callbacks.c.call_id == "CA2").values(
            status="failed", resolved_at=failed_owing_too, failure_text=OWED))
    client = mocker.MagicMock()
    assert send_owed(engine, client, TEXTS_ON, "+14155550000", NOW) == 1
    assert client.messages.create.call_args.kwargs["to"] == NUMBER
    assert (failure_text(engine, "CA1"), failure_text(engine, "CA2")) == (NOT_SENT, SENT)


def test_a_text_twilio_refuses_is_marked_not_sent_and_not_tried_again(sqlite_url, mocker):
    engine = create_engine(sqlite_url)
    failed_owing(engine, ["CA1"])
    client = mocker.MagicMock()
    client.messages.create.side_effect = TwilioRestException(400, "uri", "not a mobile",
                                                             code=21614)
    assert send_owed(engine, client, TEXTS_ON, "+14155550000", NOW) == 0
    assert failure_text(engine, "CA1") == NOT_SENT
    send_owed(engine, client, TEXTS_ON, "+14155550000", NOW)
    assert client.messages.create.call_count == 1


def test_a_customer_never_rung_is_owed_no_text(make_app, clock, mocker):
    """The account's own refusal repeated (customer-first: REST is the only way) fails the
    callback without ringing them: "we tried to call you" would be false, so no text is
    owed, and the worker has none to send."""
    app = make_app(FIRST.replace("max_attempts = 2", LAST_TRY), account_sid="AC123",
                   public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    enter(twilio, sid("first"), clock)
    request_callback(twilio, sid("first"), queue_time=60)
    mocker.patch.object(app.extensions["holdwell"].rest_client.calls, "create",
                        side_effect=TwilioRestException(400, "uri", "caller ID not verified",
                                                        code=21210))
    sms = texts(app, mocker)
    svc = app.extensions["holdwell"]
    for _ in range(2):  # refused, released to its place; refused the same way again: fails
        watch_round(svc.store.engine, svc.config, clock.now(), placer_of(app))
        clock.advance(svc.config.callbacks.min_retry_after_s + 1)
    with svc.store.engine.connect() as conn:
        row = conn.execute(select(callbacks.c.status, callbacks.c.failure_text)).one()
    assert tuple(row) == ("failed", None)
    assert send_owed(svc.store.engine, svc.rest_client, svc.config.callbacks,
                     "+14155550000", clock.now()) == 0
    sms.assert_not_called()


def test_a_number_twilio_will_never_call_is_still_texted_once(make_app, clock, mocker):
    """Invalid or unreachable for calls (21211 ...): the callback fails at once and the
    customer, still waiting for a call that cannot come, is texted as after any failure."""
    app = make_app(FIRST.replace("max_attempts = 2", LAST_TRY), account_sid="AC123",
                   public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    enter(twilio, sid("first"), clock)
    request_callback(twilio, sid("first"), queue_time=60)
    mocker.patch.object(app.extensions["holdwell"].rest_client.calls, "create",
                        side_effect=TwilioRestException(400, "uri", "invalid", code=21211))
    sms = texts(app, mocker)
    svc = app.extensions["holdwell"]
    watch_round(svc.store.engine, svc.config, clock.now(), placer_of(app))
    sms.assert_called_once()
    assert send_owed(svc.store.engine, svc.rest_client, svc.config.callbacks,
                     "+14155550000", clock.now()) == 0  # the worker's next round: none owed
    sms.assert_called_once()
