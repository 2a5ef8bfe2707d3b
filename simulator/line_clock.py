"""The line's own clock: a twin is fitted by the hours callers and agents keep, not UTC's.

Call logs are stored in UTC (DESIGN), but a line opens at 08:00 on its wall clock. Read in UTC,
a log that spans a daylight-saving change put the same 08:00 opening in two slots, so the
fitted day smeared every open and close over an hour, a US evening's calls counted under the
next weekday, and a backtest predicted an hour with 251 real calls as empty. Every fit,
backtest and twin report reads entry times through here: the wall time in the line's zone,
labelled UTC so the rest of the code's arithmetic stands unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from simulator.fit_results import WEEKDAYS
from simulator.scenario import FIRST_MONDAY, ScenarioError

if TYPE_CHECKING:
    import pandas as pd

UTC_NAME = "UTC"


def line_midnight(zone: str, day: str = "all") -> datetime:
    """Midnight on the line's wall clock (in UTC) of the simulated `day` (mon..sun; all:
    Monday): a fitted day's minutes are the line's, so a run of a Berlin line fitted to
    open at 08:00 must start at 23:00 UTC, or every record it writes is an hour late."""
    weekday = 0 if day == "all" else WEEKDAYS.index(day)
    local = datetime.combine(FIRST_MONDAY.date() + timedelta(days=weekday), time(0),
                             tzinfo=ZoneInfo(zone))  # January: no zone changes its clocks
    return local.astimezone(UTC)


def checked_zone(name: str) -> str:
    """`name` if it is an IANA time zone (Europe/Berlin, America/New_York, UTC), else a
    ScenarioError saying so."""
    import pandas as pd

    try:
        ZoneInfo(name)
        pd.Timestamp(0, tz=name)  # "localtime": a file zoneinfo reads, no zone pandas knows
    except (ZoneInfoNotFoundError, ValueError, LookupError):
        raise ScenarioError(f"timezone: {name!r} is not an IANA time zone (e.g. "
                            "Europe/Berlin, America/New_York, UTC)") from None
    return name


def wall_time(moments: pd.Series | pd.DatetimeIndex, zone: str) -> pd.Series | pd.DatetimeIndex:
    """Moments (tz-aware) as the wall time in `zone`, labelled UTC (a Series or an index, as
    given). Only a label: across a daylight-saving change a wall hour is not an hour of real
    time (the skipped spring hour never happens, the repeated autumn hour happens twice), so
    a duration is measured on the moments themselves (`fit_arrivals.observed_slots`)."""
    if hasattr(moments, "dt"):  # a Series: its values, not its index
        return moments.dt.tz_convert(UTC_NAME) if checked_zone(zone) == UTC_NAME else \
            moments.dt.tz_convert(zone).dt.tz_localize(None).dt.tz_localize(UTC_NAME)
    if checked_zone(zone) == UTC_NAME:
        return moments.tz_convert(UTC_NAME)
    return moments.tz_convert(zone).tz_localize(None).tz_localize(UTC_NAME)


def on_line_clock(records: pd.DataFrame, zone: str) -> pd.DataFrame:
    """`records` with `entered_at` as the wall time in `zone` (labelled UTC): slots, days
    and weekdays taken from it are the line's own."""
    import pandas as pd

    entered = pd.to_datetime(records["entered_at"], utc=True)
    return records.assign(entered_at=wall_time(entered, zone))
