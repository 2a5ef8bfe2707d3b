"""A callback booked while `privacy redact` works on its call keeps its number. A call
ended by the overflow or out of hours can still be promised a callback; booked between the
redaction's check for open calls and its updates, that callback had been left pending with
an empty number: a promise nobody could keep (a reviewer's finding, PostgreSQL and SQLite)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, insert, select

from app.storage import commands as c
from app.storage import failure_texts, privacy
from app.storage.apply import apply
from app.storage.db import begin_write
from app.storage.schema import call_events, callback_messages, callbacks, calls

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
ANA = "+14155550100"
OPENING = (NOW + timedelta(hours=12)).isoformat()


def _book(engine) -> None:  # noqa: ANN001
    """Ana's callback at the next opening, written as the live app writes."""
    with engine.connect() as conn, conn.begin():
        begin_write(conn, None)
        apply(conn, c.BookCallback(call_id="CA1", now=NOW, queue="support", number=ANA,
                                   digit="1", due_at=OPENING))


def test_a_callback_booked_during_the_redaction_keeps_its_number(any_url, monkeypatch):
    engine = create_engine(any_url)
    with engine.begin() as conn:
        conn.execute(insert(calls).values(call_id="CA1", queue="support", policy="x",
                                          from_number=ANA, arrived_at=NOW - timedelta(days=1),
                                          outcome="closed", wait_s=0.0))
    check = privacy._open
    booking = threading.Thread(target=_book, args=(engine,))

    checks = []

    def open_then_booked(conn, page, now):  # noqa: ANN001, ANN202 - the race, made certain
        still = check(conn, page, now)
        checks.append(page)
        if len(checks) == 2:  # the check made under the lock, last before the updates
            booking.start()
            booking.join(timeout=1.5)  # lands now unless the redaction holds the call still
        return still

    monkeypatch.setattr(privacy, "_open", open_then_booked)
    done = privacy.redact(engine, number=ANA, now=NOW, actor="cli")
    booking.join(timeout=10)
    assert not booking.is_alive()
    with engine.connect() as conn:
        promised = conn.execute(select(callbacks.c.status, callbacks.c.number)).one()
        asked = conn.execute(select(call_events.c.data).where(
            call_events.c.event == "CALLBACK_REQUESTED")).scalar_one()
    assert tuple(promised) == ("pending", ANA)
    assert json.loads(asked)["number"] == ANA
    assert done.calls == 1  # redacted before the booking, which came after it
    engine.dispose()


def _ended(conn, outcome: str) -> None:  # noqa: ANN001
    """Ana's two ended calls, CA1 and CA2."""
    for call_id in ("CA1", "CA2"):
        conn.execute(insert(calls).values(call_id=call_id, queue="support", policy="x",
                                          from_number=ANA, arrived_at=NOW, outcome=outcome,
                                          wait_s=3.0))


def test_a_call_being_written_at_that_moment_is_left_for_the_next_run(postgres_url):
    """PostgreSQL: the redaction takes no call's lock by waiting (it could deadlock with a
    write holding two), so a call whose write is under way is kept, and said so. A lock
    timeout makes a redaction that waited fail here rather than hang."""
    engine = create_engine(postgres_url, connect_args={"options": "-c lock_timeout=3000"})
    with engine.begin() as conn:
        _ended(conn, "abandoned")
    with engine.connect() as writer, writer.begin():
        apply(writer, c.BookCallback(call_id="CA2", now=NOW, queue="support", number=ANA,
                                     digit="1", due_at=OPENING))  # holds CA2's lock
        done = privacy.redact(engine, number=ANA, now=NOW, actor="cli")
    assert (done.calls, done.kept_open) == (1, 1)
    assert "being written at that moment" in done.said()
    with engine.connect() as conn:
        numbers = dict(conn.execute(select(calls.c.call_id, calls.c.from_number)).all())
    assert numbers == {"CA1": None, "CA2": ANA}
    engine.dispose()


def test_a_failed_callbacks_text_still_owed_keeps_its_number(any_url):
    """The last attempt went unanswered and its text ("we tried to call you") is owed for up
    to an hour: redacting that number had left the sender a blank number to text."""
    engine = create_engine(any_url)
    with engine.begin() as conn:
        _ended(conn, "callback_failed")
        for call_id in ("CA1", "CA2"):
            conn.execute(insert(callbacks).values(
                call_id=call_id, queue="support", number=ANA, entered_at=NOW,
                requested_at=NOW, status="failed", resolved_at=NOW,
                failure_text=failure_texts.OWED if call_id == "CA1" else failure_texts.SENT))
    done = privacy.redact(engine, number=ANA, now=NOW, actor="cli")
    assert (done.calls, done.kept_open, done.callbacks) == (1, 1, 1)
    assert failure_texts.claim(engine, "CA1", NOW, wanted=True) == ANA
    engine.dispose()


def test_a_text_owed_to_a_redacted_number_is_not_sent(any_url):
    """Belt and braces for a number blanked some other way (by hand, or a run before this
    check): the sender gets no number, and the text reads as not sent."""
    engine = create_engine(any_url)
    with engine.begin() as conn:
        conn.execute(insert(callbacks).values(
            call_id="CA1", queue="support", number="", entered_at=NOW, requested_at=NOW,
            status="failed", resolved_at=NOW, failure_text=failure_texts.OWED))
    assert failure_texts.claim(engine, "CA1", NOW, wanted=True) is None
    with engine.connect() as conn:
        assert conn.execute(select(callbacks.c.failure_text)).scalar_one() == "not sent"
    engine.dispose()


def test_a_transcription_arriving_after_the_erasure_is_not_written_back(any_url):
    """Twilio transcribes a message minutes after the hang-up: an erasure run in between had
    its words written back by the late transcription, undoing it."""
    engine = create_engine(any_url)
    sid_ = "RE" + "b" * 32
    with engine.begin() as conn:
        conn.execute(insert(calls).values(call_id="CA1", queue="support", policy="x",
                                          from_number=ANA, arrived_at=NOW, outcome="voicemail",
                                          wait_s=3.0))
        conn.execute(insert(callbacks).values(call_id="CA1", queue="support", number=ANA,
                                              entered_at=NOW, requested_at=NOW,
                                              status="connected"))
        conn.execute(insert(callback_messages).values(
            recording_sid=sid_, callback_id="CA1", call_id="CA1", left_at=NOW,
            recording_url="https://api.twilio.com/x/" + sid_, transcript=None))
    privacy.redact(engine, number=ANA, now=NOW, actor="cli")
    with engine.connect() as conn, conn.begin():
        apply(conn, c.VoicemailTranscribed(call_id="CA1", now=NOW, recording_sid=sid_,
                                           text="my card number is 4111", status="completed"))
    with engine.connect() as conn:
        kept = conn.execute(select(callback_messages.c.transcript)).scalar_one()
        fact = conn.execute(select(call_events.c.data).where(
            call_events.c.event == "VOICEMAIL_TEXT")).scalar_one()
    assert kept is None and json.loads(fact)["text"] is None
    assert json.loads(fact)["recording_sid"] == sid_  # that it came is kept
    engine.dispose()


def test_a_failure_text_too_old_to_send_does_not_block_an_erasure(any_url):
    """An owed text older than an hour is never sent (failure_texts.TEXT_WITHIN_S): kept
    'owed' because no sender came back to it, it had kept the number from every erasure,
    with a message saying a later run would take it (a reviewer's finding)."""
    engine = create_engine(any_url)
    with engine.begin() as conn:
        _ended(conn, "callback_failed")
        conn.execute(insert(callbacks).values(
            call_id="CA1", queue="support", number=ANA, entered_at=NOW, requested_at=NOW,
            status="failed", resolved_at=NOW - timedelta(days=30),
            failure_text=failure_texts.OWED))
    done = privacy.redact(engine, number=ANA, now=NOW, actor="cli")
    assert (done.calls, done.kept_open, done.callbacks) == (2, 0, 1)
    assert failure_texts.claim(engine, "CA1", NOW, wanted=True) is None
    engine.dispose()
