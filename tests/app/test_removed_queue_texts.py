"""A callback that failed in a queue since removed is texted in that queue's language: the
worker and the web route had looked languages up in the configured queues only, so a Spanish
queue's customer was texted in English once the queue was gone."""

from __future__ import annotations

import tomllib
from urllib.parse import urlencode

from sqlalchemy import create_engine, update

from app.console.live_config import apply
from app.signed_client import SignedClient
from app.storage.failure_texts import OWED
from app.storage.schema import callbacks
from hold_policies.config import parse_config
from tests.app.test_callback_worker import activate, make_worker
from tests.app.test_exactly_once_callbacks import claimed_dial
from tests.conftest import AUTH_TOKEN
from tests.support.callback_rows import seed_pending
from tests.support.sids import sid

SUPPORT = """
[line]
support_number = "+14155550000"
[callbacks]
sms_on_failure = true
max_attempts = 1
[queues.support]
policy = "callback"
"""
WITH_VENTAS = SUPPORT + """
[queues.ventas]
policy = "callback"
language = "es-ES"
"""
SPANISH_TEXT = "intentamos devolverle la llamada"


def failed_in(engine, call_id: str, queue: str, clock) -> None:  # noqa: ANN001
    seed_pending(engine, [call_id], clock.now(), queue=queue)
    with engine.begin() as conn:
        conn.execute(update(callbacks).where(callbacks.c.call_id == call_id).values(
            status="failed", resolved_at=clock.now(), failure_text=OWED))


def test_the_worker_texts_a_removed_queues_customer_in_its_language(
        sqlite_url, tmp_path, clock, mocker):
    engine = create_engine(sqlite_url)
    activate(engine, WITH_VENTAS)
    worker, lines = make_worker(sqlite_url, tmp_path, WITH_VENTAS)
    worker.clock = clock
    sms = mocker.patch.object(worker.client.messages, "create")
    assert worker.start(wait=False) and worker.round()
    activate(engine, SUPPORT)  # ventas removed while its customer's callback was failing
    failed_in(engine, "CAventas", "ventas", clock)
    failed_in(engine, "CAsupport", "support", clock)
    assert worker.round()
    bodies = {call.kwargs["body"] for call in sms.call_args_list}
    assert len(bodies) == 2
    assert sum(SPANISH_TEXT in body for body in bodies) == 1, bodies
    assert "failure texts sent: 2" in lines.out[-1]
    engine.dispose()


def test_a_worker_started_after_the_removal_knows_the_language_too(
        sqlite_url, tmp_path, clock, mocker):
    engine = create_engine(sqlite_url)
    activate(engine, WITH_VENTAS)
    activate(engine, SUPPORT)
    failed_in(engine, "CAventas", "ventas", clock)
    worker, _ = make_worker(sqlite_url, tmp_path, SUPPORT)
    worker.clock = clock
    sms = mocker.patch.object(worker.client.messages, "create")
    assert worker.start(wait=False) and worker.round()
    sms.assert_called_once()
    assert SPANISH_TEXT in sms.call_args.kwargs["body"]
    engine.dispose()


def test_the_route_that_failed_it_texts_in_the_removed_queues_language(make_app, clock, mocker):
    app = make_app(WITH_VENTAS, account_sid="AC123")
    svc = app.extensions["holdwell"]
    seed_pending(svc.store.engine, [sid("CAventas")], clock.now(), queue="ventas")
    apply(svc, parse_config(tomllib.loads(SUPPORT), "v2"),
          before=parse_config(tomllib.loads(WITH_VENTAS), "v1"))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    fence = claimed_dial(twilio, sid("CAagent"))  # a support agent keeps ventas' promise
    assert fence["call"] == sid("CAventas")
    sms = mocker.patch.object(svc.rest_client.messages, "create")
    twilio.post(f"/voice/callback/dial-result?{urlencode(fence)}", {
        "CallSid": sid("CAagent"), "DialCallStatus": "no-answer",
        "DialCallSid": sid("CAleg")}).close()
    sms.assert_called_once()
    assert SPANISH_TEXT in sms.call_args.kwargs["body"]
