"""A queue removed from the config while callers waited in it is warned of once, then every
ten minutes: each poll and key of each stranded caller had logged it again, with the name
as sent, however long (hostile-environment session)."""

from __future__ import annotations

import logging

from app.services import UNKNOWN_QUEUES
from tests.app.test_voice_contract import wait_form


def test_a_stranded_callers_polls_warn_once_then_after_ten_minutes(twilio, clock, caplog):
    UNKNOWN_QUEUES._said.clear()
    caplog.set_level(logging.WARNING, logger="holdwell")
    for minute in range(5):
        answer = twilio.post("/voice/wait?queue=sales&policy=checkin",
                             wait_form(queue_time=60 * minute))
        assert answer.status_code == 200 and b"<Response>" in answer.data
        clock.advance(60)
    said = [r.getMessage() for r in caplog.records if "unknown queue" in r.getMessage()]
    assert said == ["unknown queue 'sales' requested; using 'support'"]
    clock.advance(600)
    twilio.post("/voice/wait?queue=sales&policy=checkin", wait_form(queue_time=900))
    said = [r.getMessage() for r in caplog.records if "unknown queue" in r.getMessage()]
    assert len(said) == 2 and "held back 4 more times" in said[1]


def test_a_name_as_long_as_a_url_allows_is_cut_in_the_log(twilio, caplog):
    UNKNOWN_QUEUES._said.clear()
    caplog.set_level(logging.WARNING, logger="holdwell")
    twilio.post("/voice/wait?queue=" + "q" * 3000, wait_form())
    said = [r.getMessage() for r in caplog.records if "unknown queue" in r.getMessage()]
    assert said == [f"unknown queue {'q' * 64!r} requested; using 'support'"]
