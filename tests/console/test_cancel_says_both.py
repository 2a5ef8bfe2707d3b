"""A callback cancel sent with neither a reason nor the tick names both at once and marks
both boxes: it had named only the tick, and once ticked, refused again for the reason
(operator walk-through, 2026-12-07)."""

from __future__ import annotations

import html

from app.storage import callback_queue
from tests.console.test_callbacks_console import promise, row_of
from tests.support.sids import sid

CA1 = sid("CA1")


def test_an_empty_unticked_cancel_names_the_reason_and_the_tick(console_app, twilio_console,
                                                                 as_role, clock):
    promise(twilio_console, CA1)
    answer = as_role("operator").post(f"/console/callbacks/{CA1}/cancel", {"reason": "  "})
    assert answer.status_code == 400
    row = row_of(html.unescape(answer.get_data(as_text=True)), CA1)
    assert "reason: say why the callback is cancelled" in row
    assert "tick the box to confirm" in row
    assert 'name="confirm" value="yes" required aria-invalid="true"' in row
    assert row.count('aria-invalid="true"') == 2  # the reason and the tick
    engine = console_app.extensions["holdwell"].store.engine
    with engine.begin() as conn:  # still owed: nothing was cancelled
        assert callback_queue.claim_next(conn, "support", sid("CAagent"), clock.now(),
                                         only_if_older_than_queue=False) is not None


def test_a_ticked_cancel_without_a_reason_names_the_reason_alone(twilio_console, as_role):
    promise(twilio_console, CA1)
    answer = as_role("operator").post(f"/console/callbacks/{CA1}/cancel",
                                      {"reason": "", "confirm": "yes"})
    row = row_of(html.unescape(answer.get_data(as_text=True)), CA1)
    assert "reason: say why" in row and "tick the box" not in row
    assert row.count('aria-invalid="true"') == 1
