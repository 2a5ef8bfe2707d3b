"""Opening hours: open-at and next-opening, by hand on chosen days and by property."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hold_policies.closed_line import ClosedLine, clock_words, closed_message, when_words
from hold_policies.hours import (
    CLOSING_HORIZON,
    DAY_MIN,
    OpeningHours,
    Span,
    clock_minute,
    parse_spans,
)

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = tuple(parse_spans("08:00-18:00") if day < 5 else () for day in range(7))


def office(closed: tuple[date, ...] = (), zone: str = "Europe/London") -> OpeningHours:
    return OpeningHours(zone, WEEKDAYS, frozenset(closed))


def test_saturday_morning_opens_monday_at_eight_in_winter_and_summer():
    winter = datetime(2026, 12, 5, 10, 0, tzinfo=LONDON)  # a Saturday, GMT
    summer = datetime(2026, 7, 4, 10, 0, tzinfo=LONDON)  # a Saturday, BST
    assert not office().is_open(winter)
    assert office().next_opening(winter) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert office().next_opening(summer) == datetime(2026, 7, 6, 7, 0, tzinfo=UTC)


def test_open_at_the_start_minute_closed_at_the_end_minute():
    monday = datetime(2026, 12, 7, 8, 0, tzinfo=LONDON)
    assert office().is_open(monday)
    assert not office().is_open(monday - timedelta(seconds=1))
    assert office().is_open(monday.replace(hour=17, minute=59, second=59))
    assert not office().is_open(monday.replace(hour=18))
    assert office().next_opening(monday + timedelta(hours=1)) == monday + timedelta(hours=1)


def test_closed_dates_are_skipped_christmas_to_monday():
    hours = office(closed=(date(2026, 12, 25),))  # a Friday
    assert not hours.is_open(datetime(2026, 12, 25, 12, 0, tzinfo=LONDON))
    opening = hours.next_opening(datetime(2026, 12, 24, 18, 0, tzinfo=LONDON))
    assert opening == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)


def test_a_span_starting_in_the_hour_the_clocks_skip_opens_at_the_jump():
    # 29 March 2026, London: at 01:00 GMT the clocks go to 02:00 BST; 01:30 never happens.
    hours = OpeningHours("Europe/London", tuple(parse_spans("01:30-03:00") for _ in range(7)))
    opening = hours.next_opening(datetime(2026, 3, 29, 0, 0, tzinfo=UTC))
    assert opening == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert not hours.is_open(opening - timedelta(seconds=1))


def test_the_repeated_hour_when_the_clocks_go_back_is_open_by_its_wall_time_both_times():
    # 25 October 2026, London: 01:00-02:00 happens twice (BST, then GMT).
    hours = OpeningHours("Europe/London", tuple(parse_spans("01:00-01:30") for _ in range(7)))
    first = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 01:00 BST
    assert hours.next_opening(first - timedelta(minutes=5)) == first
    between = datetime(2026, 10, 25, 0, 45, tzinfo=UTC)  # 01:45 BST: closed
    assert not hours.is_open(between)
    assert hours.next_opening(between) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 01:00 GMT


def test_words_say_when_the_line_opens():
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=LONDON)
    line = ClosedLine(office())
    text, opening = closed_message(line, saturday)
    assert text == "Thank you for calling. We are closed now. We open again on Monday at 8 AM."
    assert opening == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    friday_evening = datetime(2026, 12, 10, 19, 0, tzinfo=LONDON)  # a Thursday
    assert when_words(office().next_opening(friday_evening), friday_evening,
                      office()) == "tomorrow at 8 AM"
    early = datetime(2026, 12, 7, 6, 0, tzinfo=LONDON)
    assert when_words(office().next_opening(early), early, office()) == "today at 8 AM"
    long_closed = office(closed=tuple(date(2026, 12, d) for d in range(7, 19)))
    assert when_words(long_closed.next_opening(saturday), saturday,
                      long_closed) == "on Monday, December 21 at 8 AM"
    assert [clock_words(datetime(2026, 1, 1, h, m)) for h, m in ((0, 0), (12, 0), (13, 30))] == [
        "midnight", "noon", "1:30 PM"]


@pytest.mark.parametrize("text, error", [
    ("8-18", "is not HH:MM-HH:MM"), ("18:00-08:00", "two spans"), ("08:00-25:00", "24:00"),
    ("08:00-12:00, 11:00-13:00", "overlap"),
])
def test_bad_spans_say_what_is_wrong(text, error):
    with pytest.raises(ValueError, match=error):
        parse_spans(text)


@pytest.mark.parametrize(("text", "twin", "spans"), [
    ("8:00-18:00", "08:00-18:00", ((480, 1080),)),
    ("0:00-9:30", "00:00-09:30", ((0, 570),)),
    ("8:00 - 9:05", "08:00-09:05", ((480, 545),)),
    ("8:00-12:00, 13:00-17:30", "08:00-12:00, 13:00-17:30", ((480, 720), (780, 1050))),
    ("0:00-24:00", "00:00-24:00", ((0, DAY_MIN),)),
])
def test_a_one_digit_hour_is_read_as_its_two_digit_twin(text, twin, spans):
    """Operators write "8:00-18:00" as often as "08:00-18:00"; it had been refused."""
    assert [(s.start_min, s.end_min) for s in parse_spans(text)] == list(spans)
    assert parse_spans(text) == parse_spans(twin)


@pytest.mark.parametrize(("text", "error"), [
    ("25:00-26:00", "'25:00-26:00': 25:00 is no time of day: hours run from 0 to 23"),
    ("8:00-25:00", "'8:00-25:00': 25:00 is no time of day"),
    ("8:60-18:00", "'8:60-18:00': 8:60 is no time of day: hours run from 0 to 23 and "
                   "minutes from 00 to 59"),
    ("8:00-24:30", "'8:00-24:30': 24:30 is no time of day"),
    ("24:00-24:00", "'24:00-24:00': 24:00 is the day's end, so no span starts there"),
    ("8-18", "'8-18' is not HH:MM-HH:MM (hours in one or two digits, minutes in two"),
    ("8:0-18:00", "'8:0-18:00' is not HH:MM-HH:MM"), ("8:00-18:0", "is not HH:MM-HH:MM"),
    ("8am-6pm", "'8am-6pm' is not HH:MM-HH:MM"), ("008:00-18:00", "is not HH:MM-HH:MM"),
    ("8:00", "'8:00' is not HH:MM-HH:MM"), ("٨:٠٠-18:00", "is not HH:MM-HH:MM"),
])
def test_bad_times_are_still_refused_naming_what_is_wrong(text, error):
    with pytest.raises(ValueError) as refused:
        parse_spans(text)
    assert error in str(refused.value)


@pytest.mark.parametrize("text", ["8", "8:0", "8am", "08:00:00", " 8:00", "", "٨:٠٠"])
def test_clock_minute_takes_only_h_mm_or_hh_mm(text):
    with pytest.raises(ValueError, match="is not H:MM or HH:MM"):
        clock_minute(text)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 23), st.integers(0, 59), st.booleans(), st.integers(1, DAY_MIN))
def test_any_valid_time_round_trips_to_the_same_time(hour, minute, padded, length):
    """H:MM and HH:MM are one time: each reads as the minute it names, the other way of
    writing it reads the same, and so does the HH:MM written back from that minute; a span
    starting at it starts there."""
    written = f"{hour:02d}:{minute:02d}" if padded else f"{hour}:{minute:02d}"
    twin = f"{hour}:{minute:02d}" if padded else f"{hour:02d}:{minute:02d}"
    at = clock_minute(written)
    assert at == hour * 60 + minute == clock_minute(twin)
    assert clock_minute(f"{at // 60:02d}:{at % 60:02d}") == at
    end = min(at + length, DAY_MIN)
    if end > at:
        ends = f"{end // 60}:{end % 60:02d}"
        assert clock_minute(ends, ends=True) == end
        assert parse_spans(f"{written}-{ends}") == (Span(at, end),) == parse_spans(
            f"{twin} - {end // 60:02d}:{end % 60:02d}")


def test_a_line_that_never_opens_has_no_next_opening():
    hours = OpeningHours("UTC", WEEKDAYS, frozenset(
        date(2026, 1, 1) + timedelta(days=d) for d in range(500)))
    assert hours.next_opening(datetime(2026, 1, 1, tzinfo=UTC)) is None


# -- properties ---------------------------------------------------------------------------
ZONES = ("UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
         "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham")
"""Offsets in 15-minute steps (and a half-hour DST in Lord Howe): on a UTC 15-minute grid
every instant is also on the local 15-minute grid, where spans begin and end."""
GRID = timedelta(minutes=15)


@st.composite
def day_spans(draw) -> tuple[Span, ...]:
    edges = sorted(draw(st.sets(st.integers(0, DAY_MIN // 15), max_size=4)))
    pairs = list(zip(edges[::2], edges[1::2], strict=False))
    return tuple(Span(a * 15, b * 15) for a, b in pairs)


@st.composite
def hours_and_instant(draw) -> tuple[OpeningHours, datetime]:
    week = tuple(draw(day_spans()) for _ in range(7))
    if not any(week):
        week = (parse_spans("09:00-10:00"),) + week[1:]
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
        seconds=draw(st.integers(0, 365 * 86400)))
    closed = frozenset(draw(st.lists(st.integers(-1, 20), max_size=8)))
    days = frozenset(start.date() + timedelta(days=d) for d in closed)
    return OpeningHours(draw(st.sampled_from(ZONES)), week, days), start


@settings(max_examples=150, deadline=None)
@given(hours_and_instant())
def test_next_opening_is_open_and_nothing_before_it_is(case):
    hours, t = case
    opening = hours.next_opening(t)
    assert opening is not None and opening >= t
    assert hours.is_open(opening)
    assert opening == t or not hours.is_open(opening - timedelta(seconds=1))
    grid = t.replace(minute=t.minute - t.minute % 15, second=0, microsecond=0) + GRID
    while grid < opening:  # spans start and clocks change only on the grid
        assert not hours.is_open(grid), f"open at {grid} before {opening}"
        grid += GRID
    assert hours.local(opening).date() not in hours.closed


@settings(max_examples=150, deadline=None)
@given(hours_and_instant(), st.integers(0, 86399))
def test_closed_dates_are_never_open(case, second):
    hours, t = case
    for day in hours.closed:
        local = datetime.combine(day, datetime.min.time(), hours.zone) + timedelta(
            seconds=second)
        if local.astimezone(UTC).astimezone(hours.zone).date() == day:
            assert not hours.is_open(local)


# -- closing: a callback promised before it must be placed before it ---------------------
def test_monday_ten_to_six_closes_at_six_in_winter_and_in_summer():
    winter = datetime(2026, 12, 7, 17, 50, tzinfo=LONDON)  # GMT
    summer = datetime(2026, 7, 6, 17, 50, tzinfo=LONDON)  # BST
    assert office().next_closing(winter) == datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    assert office().next_closing(summer) == datetime(2026, 7, 6, 17, 0, tzinfo=UTC)
    assert office().open_for_s(winter) == 600 and office().open_for_s(summer) == 600
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=LONDON)
    assert office().next_closing(saturday) == saturday and office().open_for_s(saturday) == 0
    lunch = OpeningHours("Europe/London", (parse_spans("08:00-12:00, 13:00-18:00"),) * 7)
    assert lunch.next_closing(winter.replace(hour=11)) == datetime(2026, 12, 7, 12, 0,
                                                                  tzinfo=UTC)


def test_a_night_shift_runs_through_midnight_unless_the_next_day_is_closed():
    nights = OpeningHours("Europe/London", (parse_spans("00:00-06:00, 22:00-24:00"),) * 7)
    eve = datetime(2026, 12, 23, 23, 0, tzinfo=LONDON)
    assert nights.next_closing(eve) == datetime(2026, 12, 24, 6, 0, tzinfo=UTC)
    christmas = OpeningHours(nights.timezone, nights.week, frozenset({date(2026, 12, 25)}))
    assert christmas.next_closing(eve + timedelta(days=1)) == datetime(2026, 12, 25, 0, 0,
                                                                       tzinfo=UTC)


def test_a_span_ending_in_the_hour_the_clocks_skip_closes_at_the_jump():
    # 29 March 2026, London: at 01:00 GMT the clocks go to 02:00 BST; 01:30 never happens.
    hours = OpeningHours("Europe/London", tuple(parse_spans("00:30-01:30") for _ in range(7)))
    closing = hours.next_closing(datetime(2026, 3, 29, 0, 45, tzinfo=UTC))
    assert closing == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert hours.is_open(closing - timedelta(seconds=1)) and not hours.is_open(closing)


def test_the_repeated_hour_when_the_clocks_go_back_closes_twice():
    # 25 October 2026, London: 01:00-02:00 happens twice (BST, then GMT).
    hours = OpeningHours("Europe/London", tuple(parse_spans("01:00-01:30") for _ in range(7)))
    first = datetime(2026, 10, 25, 0, 10, tzinfo=UTC)  # 01:10 BST
    assert hours.next_closing(first) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    again = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 01:10 GMT: open again
    assert hours.next_closing(again) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_an_always_open_line_never_closes():
    from hold_policies.hours import always_open

    t = datetime(2026, 12, 7, 17, 50, tzinfo=UTC)
    assert always_open().next_closing(t) is None and always_open().open_for_s(t) is None


@settings(max_examples=150, deadline=None)
@given(hours_and_instant())
def test_next_closing_is_closed_and_the_line_is_open_until_it(case):
    hours, t = case
    closing = hours.next_closing(t)
    if closing is None:  # open all week, and no closed date ahead in the horizon
        assert all(day == (Span(0, DAY_MIN),) for day in hours.week)
        assert all(day < hours.local(t).date() for day in hours.closed)
        return
    assert closing >= t and not hours.is_open(closing)
    assert closing == t or hours.is_open(closing - timedelta(seconds=1))
    within = closing - t <= CLOSING_HORIZON  # a policy looks no further ahead
    assert hours.open_for_s(t) == ((closing - t).total_seconds() if within else None)
    grid = t.replace(minute=t.minute - t.minute % 15, second=0, microsecond=0) + GRID
    while grid < closing:  # spans end and clocks change only on the grid
        assert hours.is_open(grid), f"closed at {grid} before {closing}"
        grid += GRID


@settings(max_examples=100, deadline=None)
@given(hours_and_instant(), st.lists(st.integers(0, 6 * 3600), min_size=1, max_size=12))
def test_open_for_s_remembered_between_polls_equals_a_fresh_look(case, steps):
    """open_for_s keeps the closing it found (every poll asks): asked at later and later
    moments, and now and then earlier again, it answers what a fresh look would."""
    hours, t = case
    for step in steps:
        t += timedelta(seconds=step - 3600)  # mostly later, sometimes an hour back
        fresh = OpeningHours(hours.timezone, hours.week, hours.closed)
        assert hours.open_for_s(t) == fresh.open_for_s(t), t


def test_a_line_open_around_the_clock_is_not_searched_a_year_ahead_at_each_poll():
    week = tuple(parse_spans("00:00-24:00") for _ in range(7))
    hours = OpeningHours("Europe/London", week, frozenset({date(2027, 11, 1)}))
    t = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert hours.open_for_s(t) is None  # no closing within the horizon
    eve = datetime(2027, 10, 31, 12, tzinfo=UTC)  # half a day before the closed date
    assert hours.open_for_s(eve) == 12 * 3600


@pytest.mark.parametrize("zone, closed, expected", [
    ("America/Havana", date(2026, 3, 7), datetime(2026, 3, 8, 5, 0, tzinfo=UTC)),
    ("America/Santiago", date(2026, 9, 5), datetime(2026, 9, 6, 4, 0, tzinfo=UTC)),
])
def test_the_first_opening_after_a_closed_date_whose_midnight_the_clocks_skip(
        zone, closed, expected):
    """The clocks jump from 00:00 to 01:00 the night after a closed date: the line opens at
    that jump (it was found a week late: the jump belonged to the closed day)."""
    week = tuple(parse_spans("00:00-24:00") for _ in range(7))
    hours = OpeningHours(zone, week, frozenset({closed}))
    noon = datetime.combine(closed, datetime.min.time(), ZoneInfo(zone)) + timedelta(hours=12)
    assert hours.next_opening(noon) == expected
    assert hours.local(expected).hour == 1
