"""`holdwell export --format events`: the call log's events as a CSV file, callers' data out.

Why: the events carry what records lose (when each check-in was said and what it promised,
keys pressed, who took the call), and `report --events`, `export --format queue_log --events`
read them from a file; but an analyst could only get one by dumping the `call_events` table,
callers' numbers and words with it. This writes the same columns (`time, call_id, queue,
event, policy, arm, position, wait_s, data`: analytics.events reads the file as it is) with
what identifies a caller emptied in the data (hold_policies.personal_data, the fields
`holdwell privacy` erases: a callback's number, a caller's words, a message's recording
address; the key stays, its value is null). The raw facts the log keeps beside the events
(HANGUP, LEAVE, ...) are left out, as every reader leaves them out.

Read a batch of whole calls at a time (bounded memory, a log of millions): rows come grouped
by call, each call's in time order. `--queue`/`--from`/`--to` keep whole calls, by when they
entered, as the queue_log export does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType

import click
import pandas as pd

from analytics.events import EVENT_COLUMNS, validate_events
from analytics.validation import RecordsError
from cli.database import database_errors, database_url, safe_url
from cli.period_options import Period
from cli.progress import LinesWritten
from cli.whole_file import whole_file
from hold_policies.personal_data import emptied_text

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"
"""ISO 8601 in UTC to the microsecond, as the log keeps it."""


SomeKept = Callable[[int, Period, str, Iterable[str]], None]


def export_events(db_url: str | None, db_flag: str, out_path: Path, period: Period, *,
                  read: ModuleType, some_kept: SomeKept) -> int:
    """Write the period's events to `out_path` (CSV), whole or not at all; the count.
    `read`: the app's database reader (app.storage.read, imported by the command only when
    used); `some_kept`: the export command's refusal of a period or queue that keeps no call;
    `db_flag`: how database errors name the option."""
    url = database_url(db_url)
    source = f"database {safe_url(url)}"
    events_read = LinesWritten("reading the call log", unit="events")
    seen: set[str] = set()
    emptied = 0

    def batches() -> Iterator[pd.DataFrame]:
        with database_errors(url, db_flag):
            for n, batch in enumerate(read.call_event_batches(url), 1):
                events_read.add(len(batch))
                batch = validate_events(batch.drop(columns="seq"), f"{source} (batch {n})")
                seen.update(batch["queue"].astype(str).unique())
                yield period.events(batch)

    written = 0
    try:
        with whole_file(out_path) as partial:
            with open(partial, "w", newline="", encoding="utf-8") as out:
                for batch in batches():
                    if batch.empty:  # a batch the period or queues keep nothing of: no
                        continue  # header of its own (the file's one is written with rows)
                    rows, count = without_callers_data(batch)
                    rows.to_csv(out, header=written == 0, index=False)
                    written += len(rows)
                    emptied += count
                if written == 0:  # a log without events, or a period keeping none
                    pd.DataFrame(columns=list(EVENT_COLUMNS)).to_csv(out, index=False)
            some_kept(written, period, source, seen)
    except RecordsError as error:
        raise click.ClickException(str(error)) from error
    if emptied:
        click.echo(f"emptied callers' numbers, words or recording addresses in {emptied:,} "
                   f"event{'s' if emptied != 1 else ''} (the fields `holdwell privacy` "
                   "erases)", err=True)
    return written


def without_callers_data(events: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The batch as the file's rows (EVENT_COLUMNS; times in UTC ISO 8601; data as JSON
    text) with callers' data emptied, and how many events had any."""
    rows = events[list(EVENT_COLUMNS)].copy()
    rows["time"] = rows["time"].dt.strftime(TIME_FORMAT)
    data = [value if isinstance(value, str) else json.dumps(value, sort_keys=True)
            if isinstance(value, dict) else "{}" for value in rows["data"]]
    cleaned = [emptied_text(str(event), value) for event, value in zip(
        rows["event"].astype(str), data, strict=True)]
    rows["data"] = [kept if new is None else new for kept, new in zip(data, cleaned,
                                                                      strict=True)]
    return rows, sum(new is not None for new in cleaned)
