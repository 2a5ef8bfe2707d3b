"""Query parameters shared by API endpoints and console pages (a bad one is a 422 by name)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from flask import request
from pydantic import ValidationError, ValidationInfo, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.api.models import Model
from app.services import services

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
"""Far from datetime's own limits: a day before, in any zone, still fits a datetime."""
BOUNDS = f"from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}; a time without a zone is UTC"
SAFE_YEARS = r"^(190[1-9]|19[1-9]\d|[2-8]\d{3}|9[0-8]\d{2}|99[0-8]\d|999[0-7])-"
"""The bounds as a pattern the document can state: years 1901 to 9997, which lie inside them
in any zone (a pattern cannot see the offset that moves 1900-01-01 to 1899)."""
MOMENT_OR_EMPTY = {"anyOf": [{"type": "string", "format": "date-time", "pattern": SAFE_YEARS},
                             {"type": "string", "maxLength": 0}]}
"""An empty value is the default (a cleared date picker sends one); the document had refused
what the API takes (API audit 35, D7)."""
PERIOD_QUERY = {
    "start": {**MOMENT_OR_EMPTY,
              "description": f"ISO-8601 ({BOUNDS}), default (also when empty): 24 hours "
                             "before `end`; with no `end` given, not after now (else a 422 "
                             "whose `fields.start` says so)"},
    "end": {**MOMENT_OR_EMPTY,
            "description": f"ISO-8601 ({BOUNDS}), default (also when empty): now; after "
                           "`start`, not at it nor before it (else a 422 whose `fields.end` "
                           "says so); exclusive: a call that entered at `end` is the next "
                           "period's, as `holdwell report --to` counts it"},
}


PLUS_AS_SPACE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)? \d{2}(:?\d{2})?")
"""A time whose offset's `+` a URL's query read as a space (`…T09:00:00+02:00` sent
unencoded): a `-` offset arrives whole, so this can only be a `+` one."""


class Period(Model):
    start: datetime | None = None
    end: datetime | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def not_a_number(cls, given: object) -> object:
        """pydantic reads a number as seconds since 1970; the contract says ISO-8601. An
        empty value is no value (a picker cleared: the default period, as when left out)."""
        if given == "":
            return None
        if isinstance(given, str) and PLUS_AS_SPACE.fullmatch(given.strip()):
            raise ValueError("the offset's `+` arrived as a space (a `+` in a URL's query "
                             "means a space): send it as %2B (e.g. "
                             "2026-12-01T09:00:00%2B02:00), or the time in UTC with Z")
        if isinstance(given, str):
            try:
                float(given)
            except ValueError:
                return given
            raise ValueError("an ISO-8601 date or time (e.g. 2026-12-01T09:00:00Z), not a "
                             "number")
        return given

    @field_validator("start", "end")
    @classmethod
    def in_range(cls, moment: datetime | None, info: ValidationInfo) -> datetime | None:
        """Read as UTC (or the context's `zone`), and far enough from datetime's limits that a
        day can be taken off (the default start) or a zone converted: 0001-01-01 is a 422
        naming the field, not a 500."""
        try:
            moment = _zoned(moment, (info.context or {}).get("zone", UTC))
        except OverflowError:  # 9999-12-31 on a clock behind UTC is past datetime's end
            raise ValueError(f"must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} "
                             "(UTC)") from None
        if moment is not None and not EARLIEST <= moment <= LATEST:
            raise ValueError(f"must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} "
                             "(UTC)")
        return moment


def _zoned(moment: datetime | None, zone: tzinfo) -> datetime | None:
    """A time without a zone is read on `zone`'s clock: UTC, like every time here, but for a
    console page that shows the line's own clock (its date pickers send that)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    placed = moment.replace(tzinfo=zone).astimezone(UTC)
    if placed.astimezone(zone).replace(tzinfo=None) != moment:  # in the hour skipped
        raise ValueError(f"{moment:%Y-%m-%d %H:%M} does not exist on the line's clock "
                         f"({zone}): the clocks went forward then; give a time after the "
                         "change")
    return placed  # a repeated hour (clocks back): its first time


def period(zone: tzinfo = UTC) -> tuple[datetime, datetime]:
    """?start=&end= (ISO-8601; a time without a zone on `zone`'s clock), in UTC; pydantic's
    ValidationError names a bad one, and an end given before the start given, which would
    read as "nobody went unserved" (its times said on `zone`'s clock, with the offset), or
    at it: the end is exclusive, so that period holds no call at all, as `holdwell report`
    refuses a --from not before --to."""
    given = Period.model_validate({k: v for k, v in request.args.items() if k in PERIOD_QUERY},
                                  context={"zone": zone})
    if given.start and given.end and given.end <= given.start:
        raise reversed_period(given.start.astimezone(zone), given.end.astimezone(zone))
    end = given.end or services().clock.now()
    if given.start and given.start > end:  # no end given: it is now, and the start is later
        raise start_in_future(given.start.astimezone(zone), end.astimezone(zone))
    start = given.start or end - timedelta(days=1)
    return start, end


REVERSED = "period_reversed"
IN_FUTURE = "period_in_future"


def reversed_period(start: datetime, end: datetime) -> ValidationError:
    """A 422 naming `end` and saying which start it is not after."""
    problem = PydanticCustomError(
        REVERSED, "must be after `start` ({start}); the period runs from `start` up to `end`, "
        "which it leaves out", {"start": start.isoformat()})
    return ValidationError.from_exception_data("Period", [InitErrorDetails(
        type=problem, loc=("end",), input=end.isoformat())])


def start_in_future(start: datetime, now: datetime) -> ValidationError:
    """A 422 naming `start`: with no end given the period ends now, so a later start would
    read as "nobody went unserved" as a reversed period does."""
    problem = PydanticCustomError(
        IN_FUTURE, "is after now ({now}), where the period ends when no `end` is given",
        {"now": now.isoformat()})
    return ValidationError.from_exception_data("Period", [InitErrorDetails(
        type=problem, loc=("start",), input=start.isoformat())])
