"""The callbacks worker's repeated warnings: said once, then every ten minutes with a count,
and at once again after the trouble ended (app.seldom_warnings)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.seldom_warnings import REPEAT_AFTER_S, SeldomWarnings, kind_of

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
log = logging.getLogger("tests.seldom")


@given(st.lists(st.floats(min_value=0, max_value=120), min_size=1, max_size=60))
def test_never_two_of_a_kind_within_ten_minutes_and_none_lost_from_the_count(gaps):
    warnings, now, said_at, held = SeldomWarnings(), START, [], 0
    counted = 0
    for gap in gaps:
        now += timedelta(seconds=gap)
        if warnings.warning(log, "scope", "HTTP 401", now, "refused"):
            said_at.append(now)
            counted += held
            held = 0
        else:
            held += 1
    assert all((later - earlier).total_seconds() >= REPEAT_AFTER_S
               for earlier, later in zip(said_at, said_at[1:], strict=False))
    assert counted + held + len(said_at) == len(gaps)  # each held one is told later


def test_the_count_held_back_is_said_and_a_cleared_scope_speaks_at_once(caplog):
    warnings = SeldomWarnings()
    caplog.set_level("WARNING", logger="tests.seldom")
    for n in range(3):
        warnings.warning(log, "reading", "HTTP 401", START + timedelta(seconds=15 * n),
                         "refused %s", "CA1")
    warnings.warning(log, "reading", "HTTP 401", START + timedelta(seconds=600), "refused %s",
                     "CA1")
    assert [r.getMessage() for r in caplog.records] == [
        "refused CA1", "refused CA1 (held back 2 more times since 2026-12-07T09:00:00+00:00)"]
    assert warnings.warning(log, "other scope", "HTTP 401", START, "refused")
    warnings.clear("reading")
    assert warnings.warning(log, "reading", "HTTP 401", START + timedelta(seconds=601), "x")


def test_a_failures_kind_is_its_status_or_its_type():
    class Refused(Exception):
        status = 403
    assert kind_of(Refused()) == "HTTP 403"
    assert kind_of(TimeoutError()) == "TimeoutError"


def test_trouble_that_ends_between_repeats_says_how_many_were_held_back(caplog):
    """Held-back warnings had been dropped when the trouble ended before the next repeat:
    the log said it began at 09:00 and nothing more, so whether it went on for 30 s or 9 min
    (and whether it goes on now) could not be read from it."""
    warnings = SeldomWarnings()
    caplog.set_level("INFO", logger="tests.seldom")
    for n in range(5):
        warnings.warning(log, "reading", "HTTP 401", START + timedelta(seconds=15 * n),
                         "refused")
    warnings.clear("reading", log)
    assert [r.getMessage() for r in caplog.records] == [
        "refused", "reading works again (4 more failures held back since "
                   "2026-12-07T09:00:00+00:00)"]
    caplog.clear()
    warnings.warning(log, "reading", "HTTP 401", START + timedelta(minutes=5), "refused")
    warnings.clear("reading", log)  # said once, nothing held back: nothing more to say
    assert [r.getMessage() for r in caplog.records] == ["refused"]
