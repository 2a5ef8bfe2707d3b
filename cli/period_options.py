"""The calls a report or an export covers: `--queue`, and `--from`/`--to` read on the line's
clock (`--timezone`). One set of options and one reading, so the two commands cut a log
alike (export had no way to cut one: analyst audit 36, D10)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click
import pandas as pd

from analytics.filters import SkippedTime, between, events_of_calls, utc_time
from cli.params import given_once
from cli.zone_option import timezone_option


def period_options(queue_help: str, timezone_help: str) -> Callable[[Any], Any]:
    """--queue (repeatable), --from, --to and --timezone, as `Period.read` takes them."""
    options = (
        click.option("--queue", "queues", multiple=True, help=queue_help),
        click.option("--from", "from_text", metavar="TIME", multiple=True, callback=given_once,
                     help="Only calls that entered at or after this date/time (ISO-8601; on "
                          "--timezone's clock unless it names an offset)."),
        click.option("--to", "to_text", metavar="TIME", multiple=True, callback=given_once,
                     help="Only calls that entered before this date/time (ISO-8601; "
                          "exclusive; on --timezone's clock unless it names an offset)."),
        timezone_option(timezone_help),
    )

    def decorate(command: Any) -> Any:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@dataclass(frozen=True)
class Period:
    """The period (UTC moments, either end open) and queues asked for."""

    start: pd.Timestamp | None
    end: pd.Timestamp | None
    queues: tuple[str, ...]

    @classmethod
    def read(cls, from_text: str | None, to_text: str | None, timezone: str,
             queues: Sequence[str] = ()) -> Period:
        """The options read, or a usage error naming the one that is wrong."""
        start, end = _moment(from_text, "--from", timezone), _moment(to_text, "--to", timezone)
        if start is not None and end is not None and start >= end:
            raise click.BadParameter(f"{from_text} is not before --to {to_text}: no call can "
                                     f"enter the queue in that range", param_hint="--from")
        return cls(start, end, tuple(queues))

    @property
    def cuts(self) -> bool:
        """Whether it leaves any call out."""
        return self.start is not None or self.end is not None or bool(self.queues)

    def records(self) -> RecordSelection:
        """A selection that keeps the records of the calls it covers, batch by batch."""
        return RecordSelection(self.start, self.end, self.queues)

    def events(self, events: pd.DataFrame) -> pd.DataFrame:
        """The events of the calls it covers, each call whole."""
        return events_of_calls(events, self.start, self.end, self.queues) if self.cuts \
            else events


class RecordSelection:
    """The calls a period covers, kept from a batch of records, and the queues the records
    hold, to name when none of those asked for has a call."""

    def __init__(self, start: pd.Timestamp | None, end: pd.Timestamp | None,
                 queues: Sequence[str]) -> None:
        self.start, self.end, self.queues = start, end, queues
        self.seen: set[str] = set()
        self.span: tuple[pd.Timestamp, pd.Timestamp] | None = None

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        if self.queues and "queue" in batch:
            self.seen.update(batch["queue"].astype(str).unique())
        if self.start is not None or self.end is not None:
            self.span = entry_span(batch, self.span)
            batch = between(batch, self.start, self.end)
        return queue_rows(batch, self.queues)


def entry_span(records: pd.DataFrame, span: tuple[pd.Timestamp, pd.Timestamp] | None = None
               ) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last entry of `records` (and of an earlier `span`), so a --from/--to
    that keeps no call can say where the log's calls are."""
    if "entered_at" not in records or records.empty:
        return span
    times = records["entered_at"]
    first, last = times.min(), times.max()
    if pd.isna(first):
        return span
    if span is not None:
        first, last = min(first, span[0]), max(last, span[1])
    return first, last


def queue_rows(records: pd.DataFrame, queues: Sequence[str]) -> pd.DataFrame:
    """The calls of the named queues (all if none named)."""
    if queues:
        records = records[records["queue"].astype(str).isin(queues)].reset_index(drop=True)
        for name in ("queue", "policy", "arm"):
            records[name] = records[name].cat.remove_unused_categories()
    return records


def _moment(text: str | None, option: str, timezone: str = "UTC") -> pd.Timestamp | None:
    """An option's moment in UTC (a time without an offset read on `timezone`'s clock), or a
    usage error naming the option."""
    try:
        return utc_time(text, timezone)
    except SkippedTime as error:
        raise click.BadParameter(str(error), param_hint=option) from None
    except ValueError as error:
        raise click.BadParameter(f"{text!r} is not an ISO-8601 date or time ({error}), e.g. "
                                 f"2026-03-01 or 2026-03-01T09:00Z", param_hint=option) from None
