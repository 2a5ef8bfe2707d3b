"""Opening hours: is the line open at an instant, and when does it next open or close.

Hours are wall-clock spans in the queue's own time zone ("08:00-18:00", or "8:00-18:00", on
Mondays), so they follow daylight saving the way the people answering the phones do. An
instant is open when its local date is not a closed date and its local time falls in one of
that weekday's spans (start included, end excluded). On a day the clocks go forward a span
may start inside the missing hour: the line opens when the clocks jump; on the day they go
back, the repeated hour is open or closed by its wall time, both times.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_MIN = 1440
SEARCH_DAYS = 400
"""How far ahead `next_opening` and `next_closing` look: a year of closed dates and then
some."""
CLOSING_HORIZON = timedelta(days=1)
"""How far ahead a policy looks for the line's closing (`open_for_s`): past any callback
promise, and short enough to look at every poll (a line open around the clock would otherwise
be searched a year ahead each time)."""
CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")
"""A time of day as written: H:MM or HH:MM ("8:00" is "08:00"), its range checked in words
by `clock_minute`. ASCII digits: `\\d` had also taken other scripts' digits ("٠٨:٠٠")."""
SPAN = re.compile(rf"({CLOCK.pattern})\s*-\s*({CLOCK.pattern})")
_START = "([01]?[0-9]|2[0-3]):[0-5][0-9]"
_END = f"({_START}|24:00)"
_SPANS = rf"{_START}\s*-\s*{_END}(\s*,\s*{_START}\s*-\s*{_END})*"
SPANS_PATTERN = rf"^\s*{_SPANS}\s*$"
"""One or more spans, as the OpenAPI document states them (ECMA regex: no flags). What a
regex cannot say, `parse_spans` still checks: ends after starts, no overlaps."""
DAY_PATTERN = rf"^\s*([Cc][Ll][Oo][Ss][Ee][Dd]|{_SPANS})?\s*$"
"""A day as one text: its spans, "closed" (any case) or nothing."""


@dataclass(frozen=True, order=True)
class Span:
    """Open from `start_min` to `end_min` (minutes of the local day, end excluded)."""

    start_min: int
    end_min: int

    def __contains__(self, minute: float) -> bool:
        return self.start_min <= minute < self.end_min


def clock_minute(text: str, *, ends: bool = False) -> int:
    """'8:00' or '08:00' -> 480, the minute of the day; '24:00' (the day's end) only when the
    time `ends` a span. ValueError says what is wrong with the time as written. The one
    reading of a time of day: `parse_spans` reads each span's ends with it."""
    found = CLOCK.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not H:MM or HH:MM (e.g. \"8:00\" or \"08:30\")")
    hour, minute = int(found[1]), int(found[2])
    if hour > 24 or minute > 59 or hour * 60 + minute > DAY_MIN:
        raise ValueError(f"{text} is no time of day: hours run from 0 to 23 and minutes from "
                         f"00 to 59 (24:00, the day's end, may end a span)")
    if hour * 60 + minute == DAY_MIN and not ends:
        raise ValueError(f"{text} is the day's end, so no span starts there; a span from "
                         f"midnight starts at 00:00")
    return hour * 60 + minute


def parse_spans(text: str) -> tuple[Span, ...]:
    """'08:00-12:00, 13:00-18:00' (or '8:00-12:00, ...') -> spans; '' or 'closed' -> none.
    ValueError says why."""
    text = text.strip()
    if text.lower() in ("", "closed"):
        return ()
    spans = []
    for part in (piece.strip() for piece in text.split(",")):
        if not part:  # "08:00-12:00," or "08:00-12:00,,13:00-18:00"
            raise ValueError(f"{text!r} has an empty span between its commas (a comma too "
                             "many?); write each span once, \"08:00-12:00, 13:00-18:00\"")
        found = SPAN.fullmatch(part)
        if found is None:
            raise ValueError(f"{part!r} is not HH:MM-HH:MM (hours in one or two digits, "
                             f"minutes in two: \"8:00-18:00\" or \"08:00-18:00\"; several "
                             f"spans separated by commas; \"closed\" for none)"
                             + lookalike_said(part))
        try:
            start, end = clock_minute(found[1]), clock_minute(found[4], ends=True)
        except ValueError as error:
            raise ValueError(f"{part!r}: {error}") from None
        if end <= start:
            raise ValueError(f"{part!r}: a span must end after it starts; a night shift "
                             f"past midnight is two spans, e.g. \"22:00-24:00\" and the next "
                             f"day's \"00:00-06:00\"")
        spans.append(Span(start, end))
    spans.sort()
    for before, after in zip(spans, spans[1:], strict=False):
        if after.start_min < before.end_min:
            raise ValueError(f"spans overlap in {text!r}")
    return tuple(spans)


LOOKS_LIKE = {"-": "‐‑‒–—―−﹣－", ":": "∶：︰꞉˸"}
"""Characters a word processor or a phone keyboard types for '-' and ':' (dashes, a minus,
ratio and full-width colons): a span copied from a document looks right and is refused."""


def lookalike_said(text: str) -> str:
    """For a span holding a character that looks like '-' or ':' but is not one, the
    character named ("'–' (U+2013 EN DASH) looks like '-' but is not"), since the text
    quoted in the refusal looks exactly like a good span; "" for any other text."""
    for plain, others in LOOKS_LIKE.items():
        for character in text:
            if character in others:
                return (f"; its {character!r} (U+{ord(character):04X} "
                        f"{unicodedata.name(character, 'a lookalike')}) looks like '{plain}' "
                        f"but is not: type a plain '{plain}'")
    return ""


@cache
def zone_names() -> frozenset[str]:
    """The tz database's zone names on this host: what a queue's `timezone` may be (and
    the list the API's document gives). ZoneInfo also opens files such as "posixrules" or
    "posix/Europe/London" that are no zone's name, and Debian lists "localtime" among them."""
    return frozenset(available_timezones()) - set(NOT_A_PLACE)


NOT_A_PLACE = {
    "localtime": "it is whatever each host's clock is set to, so two hosts sharing the "
                 "database open and close the queue at different times",
    "Factory": "it is a placeholder zone (\"-00\", \"local time zone must be set\"), no "
               "place's clock",
    "posixrules": "it is a rules file of the tz database, no place's clock",
}
"""Names the tz folder holds that are no place's, and why each is not."""


ETC_GMT = re.compile(r"Etc/GMT([+-])([0-9]{1,2})")
HOURS_SAID = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
              "eleven", "twelve", "thirteen", "fourteen")
PLACE_AT = {1: "Europe/Paris", 2: "Europe/Athens", 3: "Europe/Moscow", 4: "Asia/Dubai",
            5: "Asia/Karachi", 6: "Asia/Dhaka", 7: "Asia/Bangkok", 8: "Asia/Singapore",
            9: "Asia/Tokyo", 10: "Australia/Brisbane", 11: "Pacific/Noumea",
            12: "Pacific/Auckland", 13: "Pacific/Tongatapu", 14: "Pacific/Kiritimati",
            -1: "Atlantic/Azores", -2: "America/Noronha", -3: "America/Sao_Paulo",
            -4: "America/Halifax", -5: "America/New_York", -6: "America/Chicago",
            -7: "America/Denver", -8: "America/Los_Angeles", -9: "America/Anchorage",
            -10: "Pacific/Honolulu", -11: "Pacific/Pago_Pago"}
"""A place whose standard time is UTC+N (N hours), to suggest instead of an Etc/GMT name."""


def reversed_sign(name: str) -> str | None:
    """Why an `Etc/GMT±N` zone likely is not what was meant: POSIX signs are reversed, so
    "Etc/GMT+2" is UTC−2, two hours behind UTC, and the operator whose "UTC+2" was refused as
    unknown tries exactly this name next (a line meant for UTC+2 opened four hours late).
    None for any other name, and for Etc/GMT±0 (UTC)."""
    found = ETC_GMT.fullmatch(name)
    if found is None or int(found[2]) == 0 or int(found[2]) >= len(HOURS_SAID):
        return None
    hours = int(found[2])
    offset = -hours if found[1] == "+" else hours  # the zone's real offset from UTC
    said = f"UTC{'+' if offset > 0 else '−'}{hours}"
    misread = f"UTC{'+' if offset < 0 else '−'}{hours}"
    meant = PLACE_AT.get(-offset)
    plain = PLACE_AT.get(offset)
    return (f"{name!r} is {HOURS_SAID[hours]} hour{'s' if hours > 1 else ''} "
            f"{'behind' if offset < 0 else 'ahead of'} UTC ({said}), not {misread}: the tz "
            "database's Etc/GMT names have the sign reversed. Name a place instead"
            + (f", e.g. {meant!r} for {misread}" if meant else "")
            + (f" or {plain!r} for {said}" if plain else "")
            + "; a place's zone also follows its summer time")


def zone_named(name: str, *, places_only: bool = True) -> ZoneInfo:
    """The IANA time zone `name`; ValueError naming it when the tz database lacks it, or
    (`places_only`: a config as written, whose document lists only places) when it names no
    place, with why. A stored version loaded to run takes such a name still (saved before
    it was refused), or every worker would fall back to the file for the whole line."""
    if places_only and name in NOT_A_PLACE:
        raise ValueError(f"time zone {name!r} names no place: {NOT_A_PLACE[name]}; use an "
                         "IANA name such as \"Europe/London\" or \"America/New_York\"")
    try:
        if name not in zone_names() and name not in NOT_A_PLACE:
            raise KeyError(name)
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError) as error:  # ZoneInfoNotFoundError is a KeyError
        near = nearest_zone(name)
        guess = f" (did you mean {near!r}?)" if near else ""
        raise ValueError(f"unknown time zone {name!r}{guess}: use an IANA name such as "
                         f"\"Europe/London\" or \"America/New_York\"{offset_advice(name)}"
                         f"{abbreviation_advice(name)}") from error


ABBREVIATED = {"PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
               "MDT": "America/Denver", "CST": "America/Chicago", "CDT": "America/Chicago",
               "EDT": "America/New_York", "AKST": "America/Anchorage",
               "BST": "Europe/London", "CEST": "Europe/Paris", "AEST": "Australia/Sydney",
               "AEDT": "Australia/Sydney", "NZST": "Pacific/Auckland", "JST": "Asia/Tokyo"}
"""Clock abbreviations people write for a zone that the tz database has no zone of, each
with the place they most often mean."""
NO_SUMMER_TIME = {"EST": ("UTC−5", "America/New_York", "EDT"),
                  "MST": ("UTC−7", "America/Denver", "MDT"),
                  "GMT": ("UTC+0", "Europe/London", "BST")}
"""Abbreviations the tz database does have as zones, fixed all year, which an operator
most often writes for a place whose clocks change in summer."""


def abbreviation_advice(name: str) -> str:
    """For a clock's abbreviation refused as a zone ("PST"), the place to name instead."""
    place = ABBREVIATED.get(name.strip().upper())
    return (f"; {name.strip()!r} is a clock's abbreviation, not a zone: name the place, e.g. "
            f"{place!r} (which also follows its summer time)") if place else ""


def fixed_all_year(name: str) -> str | None:
    """Why an abbreviation that is a zone ("EST") likely is not what was meant: it keeps one
    offset all year, while the place whose clock it names moves in summer (a line in New York
    on "EST" opens an hour late from March to November). None for any other name."""
    if name not in NO_SUMMER_TIME:
        return None
    offset, place, summer = NO_SUMMER_TIME[name]
    return (f"{name!r} keeps {offset} all year, with no summer time, while {place}'s clocks "
            f"move to {summer} in summer: there, the hours would open and close an hour late "
            f"for half the year; name the place, {place!r}, unless a clock that never "
            f"changes is meant")


OFFSET = re.compile(r"(?:Etc/)?(?:UTC|GMT)?\s*([+\-−])\s*([0-9]{1,2})(?::?([0-9]{2}))?",
                    re.IGNORECASE)
"""An offset written where a zone belongs: "UTC+2", "GMT-5", "+02:00", "UTC+0530"."""
PLACE_AT_MINUTES = {330: "Asia/Kolkata", 345: "Asia/Kathmandu", 210: "Asia/Tehran",
                    570: "Australia/Adelaide", -210: "America/St_Johns"}
"""Places whose standard time is UTC+N minutes, for the offsets not whole hours."""


def offset_advice(name: str) -> str:
    """For an offset written as a zone ("UTC+2", "+02:00"), the place to name instead, read
    as the operator means it (ahead of UTC for "+"): the refusal had given two examples
    only, and the zone an operator tries next, Etc/GMT+2, is two hours *behind* UTC. ""
    for any other name."""
    found = OFFSET.fullmatch(name.strip())
    if found is None:
        return ""
    minutes = int(found[2]) * 60 + int(found[3] or 0)
    minutes = -minutes if found[1] in "-−" else minutes
    said = f"UTC{found[1].replace('-', '−')}{found[2].lstrip('0') or '0'}" + (
        f":{found[3]}" if found[3] and found[3] != "00" else "")
    place = PLACE_AT.get(minutes // 60) if minutes % 60 == 0 else PLACE_AT_MINUTES.get(minutes)
    example = ", e.g. 'UTC'" if not minutes else f", e.g. {place!r} for {said}" if place \
        else ""
    return (f"; an offset is no time zone: name the place whose clock the line keeps"
            f"{example} (a place's zone also follows its summer time; 'Etc/GMT' names "
            f"have the sign reversed)")


def nearest_zone(name: str) -> str | None:
    """The zone an operator most likely meant by `name` (None: none is near): the same name
    in other case (`europe/london`), else the closest spelling (`Europe/Londn`), never for a
    name with digits, whose nearest spelling is a zone hours away (review 43). An unknown
    zone had been refused with two examples only, which left the operator to search the tz
    database for the spelling they missed."""
    names = sorted(zone_names())
    same_but_case = [zone for zone in names if zone.casefold() == name.casefold()]
    if same_but_case:
        return same_but_case[0]
    if any(character.isdigit() for character in name):
        return None  # an offset: the closest spelling ("GMT+5" -> "GMT+0") is another clock
    near = difflib.get_close_matches(name, names, n=1, cutoff=0.8)
    return near[0] if near else None


@dataclass(frozen=True)
class OpeningHours:
    """A queue's week of spans (Monday first) in `timezone`, and dates it stays closed."""

    timezone: str
    week: tuple[tuple[Span, ...], ...]
    closed: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("opening hours need seven days of spans, Monday first")
        zone_named(self.timezone, places_only=False)  # checked as written in the config

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # cached by zoneinfo itself

    def local(self, t: datetime) -> datetime:
        return t.astimezone(self.zone)

    def is_open(self, t: datetime) -> bool:
        """True when `t` (timezone-aware) is inside the hours and not on a closed date."""
        here = self.local(t)
        if here.date() in self.closed:
            return False
        minute = here.hour * 60 + here.minute + here.second / 60 + here.microsecond / 6e7
        return any(minute in span for span in self.week[here.weekday()])

    def next_opening(self, t: datetime) -> datetime | None:
        """The first instant at or after `t` when the line is open (`t` itself if open now);
        None if it stays closed for SEARCH_DAYS. Returned in UTC."""
        return self._next_where(t, is_open=True)

    def next_closing(self, t: datetime) -> datetime | None:
        """The first instant at or after `t` when the line is closed (`t` itself if closed
        now); None if it stays open for SEARCH_DAYS. Returned in UTC. A callback promised
        before it must be placed before it: none is placed while the line is closed."""
        return self._next_where(t, is_open=False)

    def open_for_s(self, t: datetime) -> float | None:
        """Seconds from `t` until the line closes: 0 while it is closed, None when it stays
        open beyond CLOSING_HORIZON (what a policy hears as `Situation.closes_in_s`).

        Asked at every poll, so the closing found is kept: it stays the answer from the
        moment it was looked for until it comes (the line is open all that while), and "none
        within the horizon" stays true for a horizon after it was found (the search covers
        two)."""
        if not self.is_open(t):
            return 0.0
        known = self.__dict__.get("_closing")  # (valid from, valid until, closing or None)
        if known is not None and known[0] <= t < known[1]:
            closing = known[2]
        else:
            closing = self._next_where(t, is_open=False, days=CLOSING_HORIZON.days + 2)
            until = closing if closing is not None else t + CLOSING_HORIZON
            object.__setattr__(self, "_closing", (t, until, closing))  # one tuple: atomic
        if closing is None or closing - t > CLOSING_HORIZON:
            return None
        return (closing - t).total_seconds()

    def _next_where(self, t: datetime, *, is_open: bool,
                    days: int = SEARCH_DAYS) -> datetime | None:
        """The first instant at or after `t` whose state is `is_open` (looking `days` local
        days ahead). The state only changes at the candidates of `_changes_from`, so the
        first candidate in that state is it."""
        if self.is_open(t) == is_open:
            return t.astimezone(UTC)
        for moment in self._changes_from(t, days):
            if moment >= t and self.is_open(moment) == is_open:
                return moment
        return None

    def _changes_from(self, t: datetime, days: int) -> Iterable[datetime]:
        """Candidate instants, in order, where the line may open or close: each local day's
        first instant (a span ending at 24:00 ends there, as does a closed date or a day
        whose clocks jump over midnight), a span's start and end in wall time (both times
        through a repeated hour), and the instants the zone's clocks change (a jump may land
        in a span, or past its end). A closed date gives no more: the line is shut all day."""
        zone, first = self.zone, self.local(t).date()
        for offset in range(days):
            day = first + timedelta(days=offset)
            if day in self.closed:
                yield day_start(day, zone)
                continue
            found = {_instant(day, minute, zone, fold) for span in self.week[day.weekday()]
                     for minute in (span.start_min, span.end_min) if minute < DAY_MIN
                     for fold in (0, 1)}
            found.add(day_start(day, zone))
            found.update(_clock_changes(day, zone))
            yield from sorted(moment for moment in found if moment is not None)
        yield day_start(first + timedelta(days=days), zone)  # the last day's 24:00


def _instant(day: date, minute: int, zone: ZoneInfo, fold: int) -> datetime | None:
    """The UTC instant the wall clock shows `minute` on `day` (with `fold` for the repeated
    hour), or None when that wall time does not exist (skipped by the clocks going forward)."""
    wall = datetime.combine(day, time(minute // 60, minute % 60), zone).replace(fold=fold)
    moment = wall.astimezone(UTC)
    back = moment.astimezone(zone)
    if (back.date(), back.hour, back.minute) != (day, minute // 60, minute % 60):
        return None
    return moment


def day_start(day: date, zone: tzinfo) -> datetime:
    """The UTC instant local `day` begins (where the clocks skip midnight, the jump)."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def start_of_day(moment: datetime, zone: tzinfo = UTC) -> datetime:
    """Midnight of `moment`'s day on `zone`'s clock, in UTC: the wallboard's "today" (a
    line in Sydney had its day start at 10:00 local, counted from midnight UTC) and a
    replayed log's first day."""
    return day_start(moment.astimezone(zone).date(), zone)


def _clock_changes(day: date, zone: ZoneInfo) -> list[datetime]:
    """Instants on local `day` when the zone's UTC offset changes (found by bisection over
    whole seconds: zones change their clocks on whole seconds)."""
    low = int(datetime.combine(day, time(0), zone).timestamp())
    high = int(datetime.combine(day + timedelta(days=1), time(0), zone).timestamp())

    def offset(second: int) -> timedelta | None:
        return datetime.fromtimestamp(second, zone).utcoffset()

    if offset(low) == offset(high):
        return []
    before = offset(low)  # the offset changes once in (low, high]: find its first second
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if offset(middle) == before else (low, middle)
    return [datetime.fromtimestamp(high, UTC)]


ALWAYS = (Span(0, DAY_MIN),)


def always_open() -> OpeningHours:
    """Every minute of every day: what a queue without hours behaves like."""
    return OpeningHours("UTC", (ALWAYS,) * 7)
