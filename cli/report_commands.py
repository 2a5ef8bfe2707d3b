"""`holdwell report` and `holdwell export`: thin click wrappers over `analytics`.

Records come from CSV/Parquet files (`--records`, what the simulator writes) or from the app's
database (`--db URL`, default $DATABASE_URL, else sqlite:///holdwell.db); the database reader is
imported only when used, so these commands load without a database driver.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import click
import pandas as pd

from analytics.events import (
    load_events,
    off_record_sentences,
    raw_facts_sentence,
    validate_events,
)
from analytics.filters import between
from analytics.formatting import calls_said, left_out_sentence
from analytics.not_queued import EXPORTED, REPORTED, NotQueued, not_queued_sentence
from analytics.pseudonyms import CallerIdMode, CallerIds
from analytics.queue_log import (
    queue_log_from_call_batches,
    queue_log_from_events,
    write_queue_log,
)
from analytics.queue_log_records import CALLBACK_KEY, queue_log_from_records, stream_queue_log
from analytics.records import (
    LeftOut,
    RecordsError,
    iter_record_batches,
    load_records,
    validate_records,
    write_records,
)
from analytics.render_text import render_text
from analytics.report import build_report, report_json
from analytics.summary import RecordsSummary, summarise_files
from analytics.tables import (
    CSV_SUFFIXES,
    PARQUET_SUFFIXES,
    BatchesDiffer,
    write_table_batches,
)
from analytics.told_waits import add_tallies, rows_of, told_wait_rows, told_wait_tally
from cli.database import database_errors, database_url, safe_url
from cli.events_export import export_events
from cli.params import HTML_PAGE, FiniteFloatRange, OutFile, is_device, leads_to_stdout
from cli.period_options import (
    Period,
    RecordSelection,
    entry_span,
    period_options,
    queue_rows,
)
from cli.progress import LinesWritten, stage
from cli.whole_file import whole_file
from hold_policies.records import RECORD_COLUMNS
from simulator.twin_log import with_talk_from_ends

_FILES = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUT = OutFile(path_type=Path)


def _database_reader(module: str = "read"):  # noqa: ANN202 - a module
    """The app's database reader (app.storage.read, or another module of app.storage),
    imported on first use (it needs SQLAlchemy and a driver)."""
    try:
        return importlib.import_module(f"app.storage.{module}")
    except ImportError as error:
        raise click.ClickException(f"cannot read the database: {error}") from error


def read_records(records_paths: Sequence[Path], db_url: str | None,
                 say_unfinished: bool = True, left_out: LeftOut | None = None,
                 then: str = REPORTED) -> pd.DataFrame:
    """Validated records from files, or from the database when no files are given (naming
    the calls in progress it leaves out, unless the caller counts them for its own period).
    From files, `left_out` counts (and the command names) the rows of calls that never
    joined a queue, those its `keep` keeps (all when not given), `then` what became of them
    (`analytics.not_queued`: REPORTED apart, or EXPORTED to no file)."""
    if records_paths and db_url:
        raise click.UsageError("give either --records or --db, not both")
    try:
        if records_paths:
            left_out = left_out if left_out is not None else LeftOut()
            records = load_records(list(records_paths), left_out)
            say_left_out(left_out, then)
            return records
        read = _database_reader()
        url = database_url(db_url)
        with database_errors(url, _db_flag(db_url)):
            frame = read.read_records_frame(url)
            if say_unfinished:
                say_in_progress(read.calls_in_progress(url))
        return validate_records(frame, source=f"database {safe_url(url)}")
    except RecordsError as error:
        raise click.ClickException(str(error)) from error


def in_progress(db_url: str | None, start: pd.Timestamp | None, end: pd.Timestamp | None,
                queues: Sequence[str]) -> int:
    """The calls in progress the report's period and queues leave out, said on stderr too."""
    url = database_url(db_url)
    with database_errors(url, _db_flag(db_url)):
        waiting = _database_reader().calls_in_progress(url, start, end, queues)
    say_in_progress(waiting)
    return waiting


def say_in_progress(waiting: int) -> None:
    """Name the calls a database's records leave out for want of an outcome: a live log always
    has some, and its longest waits are not in the figures."""
    if waiting:
        click.echo(left_out_sentence(waiting), err=True)


def say_left_out(left_out: NotQueued, then: str = REPORTED) -> None:
    """Name the calls that never joined a queue that a report or export left out (a record
    file's rows with outcome closed or kept_callback, or the database's calls), in the same
    words from either source, so a count that differs from the log's is explained."""
    if said := not_queued_sentence(left_out.closed, left_out.kept_callback, then):
        click.echo(said, err=True)


def not_queued_of_log(db_url: str | None, start: pd.Timestamp | None,
                      end: pd.Timestamp | None, queues: Sequence[str],
                      then: str = REPORTED) -> NotQueued:
    """The database's calls of the period and queues that never joined a queue, per group
    (`app.storage.not_queued_read`), said on stderr as a record file's are."""
    url = database_url(db_url)
    with database_errors(url, _db_flag(db_url)):
        counted = _database_reader("not_queued_read").not_queued_in_log(url, start, end, queues)
    say_left_out(counted, then)
    return counted


def read_events(
    events_paths: Sequence[Path], records_paths: Sequence[Path], db_url: str | None,
    only: Sequence[str] | None = None, numbers: bool = False,
    records: pd.DataFrame | None = None,
) -> pd.DataFrame | None:
    """Events from --events files, else from the database when records come from it.

    `only` narrows a database read to those event names (the HTML report needs ANNOUNCE);
    `numbers` joins each call's caller number (the queue_log export's caller IDs);
    `records`: the report's, whose announcements off their call's record are said (and
    left out of the told waits' scores).
    """
    notes: list[str] = []
    try:
        if events_paths:
            raw_facts: Counter[str] = Counter()
            events = load_events(list(events_paths), raw_facts, records, notes)
            if said := raw_facts_sentence(raw_facts):
                click.echo(said, err=True)
        elif records_paths:
            return None
        else:
            url = database_url(db_url)
            with database_errors(url, _db_flag(db_url)):
                frame = _database_reader().read_events_frame(url, only=only, numbers=numbers)
            source = f"database {safe_url(url)}"
            events = validate_events(frame, source=source)
            if records is not None:
                notes = off_record_sentences(events, records, source)
    except RecordsError as error:
        raise click.ClickException(str(error)) from error
    for note in notes:
        click.echo(note, err=True)
    return events


def records_source(records_paths: Sequence[Path], db_url: str | None) -> str:
    """Where the records came from, as an error names it: the files, or the database."""
    if records_paths:
        return ", ".join(str(path) for path in records_paths)
    return f"database {safe_url(database_url(db_url))}"


def only_queues(records: pd.DataFrame, queues: Sequence[str],
                period: tuple[pd.Timestamp | None, pd.Timestamp | None] = (None, None),
                source: str = "", never: NotQueued | None = None,
                span: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> pd.DataFrame:
    """Keep the named queues (all if none named); an empty result is an error worth saying
    (naming the `period` the records were cut to, when they were, their `source`, and the
    calls of it that `never` joined a queue)."""
    seen = set(records["queue"].astype(str).unique()) if "queue" in records else set()
    records = queue_rows(records, queues)
    if records.empty:
        raise _no_records(queues, *period, source=source, seen=seen, never=never, span=span)
    return records


def _no_records(queues: Sequence[str], start: pd.Timestamp | None = None,
                end: pd.Timestamp | None = None, *, source: str = "",
                seen: set[str] | None = None,
                never: NotQueued | None = None,
                span: tuple[pd.Timestamp, pd.Timestamp] | None = None,
                ) -> click.ClickException:
    """"no call records in queue(s) support entering from … to … in database …": a queue that
    exists but had no calls in the period was said as if the queue had none at all, and an
    empty database was not named. With `seen`, the queues the records do hold, when none
    asked for is among them (a typo: `--queue suport`). With `never`, the period's calls that
    never joined a queue: a night the line was closed had read as a log with no calls at all
    (from the database not a word of its 92 closed callers and their bookings). With
    `span`, the first and last entry of the records before --from/--to cut them: a period
    with no call had not said where the log's calls are (a year typed wrong, a log of
    last month)."""
    where = f" in queue(s) {', '.join(map(_queue_said, queues))}" if queues else ""
    when = ""
    if start is not None or end is not None:
        when = (f" entering from {start.isoformat() if start is not None else 'the first'} "
                f"to {end.isoformat() if end is not None else 'the last'} (--from/--to)")
    held = ""
    if queues and seen and not seen & set(queues):
        held = f"; the records hold queue(s) {', '.join(map(_queue_said, sorted(seen)[:20]))}"
    if span is not None and (start is not None or end is not None):
        held += f"; the calls it holds entered from {_utc_said(span[0])} to {_utc_said(span[1])}"
    if start is not None and start > pd.Timestamp.now(tz="UTC"):
        held += "; --from is in the future"
    if never is not None and never.not_queued:
        n = never.not_queued
        held += (f"; {n:,} call{'s' if n != 1 else ''} of it never joined a queue "
                 f"({never.closed:,} rang while the line was closed, {never.kept_callback:,} "
                 "kept a pending callback), and a report counts those only beside a queue's "
                 "calls")
    return click.ClickException(
        f"no call records{where}{when}{' in ' if source else ''}{source}{held}")


def _utc_said(moment: pd.Timestamp) -> str:
    """A moment as the report's header writes one: ISO 8601 in UTC to the second."""
    return moment.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _queue_said(name: str) -> str:
    """A queue's name as an error shows it: quoted when blanks around it (or nothing at all)
    would not show, so `--queue ' support'` (a pasted blank) does not read 'no call records
    in queue(s)  support …; the records hold queue(s) support'."""
    return name if name and name == name.strip() else repr(name)


def report_from_files(
    records_paths: Sequence[Path], start: pd.Timestamp | None, end: pd.Timestamp | None,
    queues: Sequence[str], settings: dict[str, Any],
) -> dict | None:
    """The report from record files read in batches (bounded memory, no row kept whole); None
    when they do not read that way (a bad cell, a repeated id): the whole read says why."""
    select = RecordSelection(start, end, queues)
    left_out = LeftOut(keep=RecordSelection(start, end, queues))  # the period's, as its calls
    label = "reading call records from the record file(s), a batch at a time"
    try:
        with stage(label):
            summary = summarise_files(records_paths, settings["short_abandon_s"],
                                      settings["service_threshold_s"], select,
                                      left_out=left_out,
                                      progress=LinesWritten(label, unit="calls").add,
                                      timezone=settings["timezone"])
    except RecordsError:
        return None
    say_left_out(left_out)
    if summary.calls == 0:  # the file(s) named: a header-only file had said no more
        raise _no_records(queues, start, end, seen=select.seen,
                          source=records_source(records_paths, None), never=left_out,
                          span=select.span)
    return summary.report(settings["detect_drop"], not_queued=left_out.entries())


def report_from_database(
    db_url: str | None, start: pd.Timestamp | None, end: pd.Timestamp | None,
    queues: Sequence[str], settings: dict[str, Any],
) -> dict | None:
    """The report, told waits included, from the database read a batch of calls at a time (a
    year's log is not held whole: the records as `report_from_files` reads files, the told
    waits tallied batch by batch); None when a batch does not validate: the whole read names
    the rows."""
    read = _database_reader()
    url = database_url(db_url)
    source, select = f"database {safe_url(url)}", RecordSelection(start, end, queues)
    summary = RecordsSummary(settings["short_abandon_s"], settings["service_threshold_s"],
                             timezone=settings["timezone"])
    tallies: list[pd.DataFrame] = []
    try:
        with database_errors(url, _db_flag(db_url)):
            label = "reading call records from the database, a batch at a time"
            with stage(label):
                read_so_far = LinesWritten(label, unit="calls")
                for records in _validated(read.record_batches(url), source):
                    summary.add(select(records))
                    read_so_far.add(len(records))
            if summary.calls == 0:  # said on stderr as from a file, and named in the error
                never = not_queued_of_log(db_url, start, end, queues)
                raise _no_records(queues, start, end, source=source, seen=select.seen,
                                  never=never, span=select.span)
            label = "scoring the told waits, a batch at a time"
            with stage(label):
                scored_so_far = LinesWritten(label, unit="announcements")
                for n, (batch, said) in enumerate(read.told_batches(url), 1):
                    where = f"{source} (announcements, batch {n})"
                    records = select(validate_records(batch, where, unique_ids=False))
                    said = validate_events(said, where)
                    tallies.append(told_wait_tally(records, said))
                    for note in off_record_sentences(said, records, where):
                        click.echo(note, err=True)
                    scored_so_far.add(len(said))
    except RecordsError:
        click.echo("a batch of records does not validate: reading the log whole to name the "
                   "rows", err=True)
        return None
    never = not_queued_of_log(db_url, start, end, queues)
    report = summary.report(settings["detect_drop"], not_queued=never.entries())
    report["told_waits"] = rows_of(add_tallies(tallies))
    return report


def _db_flag(db_url: str | None) -> str:
    """What named the database a read uses, for its errors."""
    return "--db" if db_url else "DATABASE_URL"


def _records_valid(batch: pd.DataFrame, source: str) -> pd.DataFrame:
    """A database's records (its ids are the table's key: unique)."""
    return validate_records(batch, source, unique_ids=False)


def _validated(
    batches: Iterable[pd.DataFrame], source: str,
    check: Callable[[pd.DataFrame, str], pd.DataFrame] = _records_valid,
) -> Iterator[pd.DataFrame]:
    """Batches of a database's records (or events, with `validate_events` as the `check`),
    each validated and named by its number when it is not valid."""
    for n, batch in enumerate(batches, 1):
        yield check(batch, f"{source} (batch {n})")


def sources(events_help: str):  # noqa: ANN201 - a click decorator
    """The input flags report and export share: record files, a database, event files."""

    def decorate(command):  # noqa: ANN001, ANN202
        for option in reversed((
            click.option("--records", "records_paths", type=_FILES, multiple=True,
                         help="Record file (CSV or Parquet); repeat for several."),
            click.option("--db", "db_url",
                         help="Database URL [default: $DATABASE_URL or sqlite:///holdwell.db]"),
            click.option("--events", "events_paths", type=_FILES, multiple=True,
                         help=events_help),
        )):
            command = option(command)
        return command

    return decorate


MAX_SHORT_ABANDON_S = 60.0
"""The longest wait `--short-abandon` may call short: a short abandon is a hang-up in the
first seconds (a misdial, a caller who changed their mind on hearing the queue), 5 to 10 s in
most centres. `--short-abandon 1e9` had made every abandon short, and the abandonment rate
with short ones excluded 0.0 %, without a word."""


@click.command("report")
@sources("Event file(s), to mark announcement times on the hazard plot.")
@period_options("Report only this queue; repeatable.",
                "The line's IANA time zone (e.g. Europe/Berlin): --from/--to and the hour and "
                "day breakdowns are read on its wall clock; the call log stays in UTC.")
@click.option(
    "--short-abandon",
    "short_abandon_s",
    type=FiniteFloatRange(min=0, max=MAX_SHORT_ABANDON_S),
    default=5.0,
    show_default=True,
    help="Abandons quicker than this (s, at most 60: a hang-up in the first seconds) are "
         "left out of one rate.",
)
@click.option(
    "--service-threshold",
    "service_threshold_s",
    type=FiniteFloatRange(min=0),
    default=20.0,
    show_default=True,
    help="Service level: answered within this (s).",
)
@click.option(
    "--detect-drop",
    type=FiniteFloatRange(0, 1, min_open=True, max_open=True),
    default=0.03,
    show_default=True,
    help="Drop in the unserved rate (a fraction: 0.03 = 3 points) the sample size targets.",
)
@click.option("--html", "html_path", type=HTML_PAGE,
              help="Also write a self-contained HTML page (.html).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def report_command(
    records_paths: tuple[Path, ...],
    db_url: str | None,
    events_paths: tuple[Path, ...],
    queues: tuple[str, ...],
    short_abandon_s: float,
    service_threshold_s: float,
    detect_drop: float,
    from_text: str | None,
    to_text: str | None,
    timezone: str,
    html_path: Path | None,
    as_json: bool,
) -> None:
    """Compare hold policies: unserved callers (ITT), abandonment, waits, patience, callbacks."""
    period = Period.read(from_text, to_text, timezone)
    start, end = period.start, period.end
    settings = {"short_abandon_s": short_abandon_s, "service_threshold_s": service_threshold_s,
                "detect_drop": detect_drop, "timezone": timezone}  # fmt: skip
    report, events = None, None
    if html_path is None and not events_paths:  # in batches; the page plots every call
        if records_paths and not db_url:
            report = report_from_files(records_paths, start, end, queues, settings)
        elif not records_paths:
            report = report_from_database(db_url, start, end, queues, settings)
    if report is None:
        source = "the database" if not records_paths else "the record file(s)"
        never = LeftOut(keep=RecordSelection(start, end, queues))  # the period's, as its calls
        with stage(f"reading call records from {source}"):
            records = read_records(records_paths, db_url, say_unfinished=False, left_out=never)
        if not records_paths:
            never = not_queued_of_log(db_url, start, end, queues)
        span = entry_span(records)
        if start is not None or end is not None:
            records = between(records, start, end)
        records = only_queues(records, queues, (start, end), records_source(records_paths, db_url),
                              never, span)
        with stage(f"building the report on {calls_said(len(records))}"):
            report = build_report(records, **settings, not_queued=never.entries())
        events = None
        if events_paths or not records_paths:  # announcements come with a database's records
            with stage("reading the announcements"):
                events = read_events(events_paths, records_paths, db_url, only=("ANNOUNCE",),
                                     records=records)
        if events is not None:  # every told wait, scored (the records keep only the first)
            said = int((events["event"].astype(str) == "ANNOUNCE").sum())  # an --events
            # file holds every event of its calls, the database's read only these
            plural = "s" if said != 1 else ""
            with stage(f"scoring the told waits of {said:,} announcement{plural}"):
                report["told_waits"] = told_wait_rows(records, events)
            if events_paths:
                say_unmatched(events, records)
    report["period"]["requested_from"] = from_text
    report["period"]["requested_to"] = to_text
    if not records_paths:  # a live log: its calls still in line are in no figure
        report["period"]["calls_in_progress"] = in_progress(db_url, start, end, queues)
    click.echo(report_json(report) if as_json else render_text(report).rstrip("\n"))
    if html_path is not None:
        from analytics.render_html import render_html  # matplotlib loads only when plotting

        with whole_file(html_path) as partial:
            partial.write_text(render_html(report, records, events), encoding="utf-8")
        click.echo(f"wrote {html_path}", err=True)


@click.command("export")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["queue_log", "csv", "parquet", "events"]),
    required=True,
    help="queue_log: Asterisk queue_log lines; csv/parquet: records; events: the call log's "
    "events as CSV (from --db), callers' numbers and words emptied.",
)
@sources("Event file(s) for queue_log (otherwise lines are built from records).")
@click.option("--out", "out_path", type=_OUT, required=True, help="File to write.")
@click.option(
    "--caller-ids",
    type=click.Choice([m.value for m in CallerIdMode]),
    default=CallerIdMode.HASHED.value,
    show_default=True,
    help="queue_log callerid field: keyed hash, the plain numbers (explicitly), or nothing.",
)
@click.option(
    "--caller-id-key",
    envvar="HOLDWELL_EXPORT_KEY",
    callback=lambda _ctx, _param, key: _some_key(key),
    help="Key for hashed caller ids, to link exports [default: random per export].",
)
@click.option(
    "--callback-key",
    type=click.Choice(list("0123456789*#")),
    default=CALLBACK_KEY,
    show_default=True,
    help="Key written on EXITWITHKEY for callback takers when records lack a `key` column.",
)
@period_options("Export only this queue's calls; repeatable.",
                "The line's IANA time zone (e.g. Europe/Berlin): --from/--to are read on its "
                "wall clock; the file's times stay in UTC.")
def export_command(
    file_format: str,
    records_paths: tuple[Path, ...],
    db_url: str | None,
    events_paths: tuple[Path, ...],
    out_path: Path,
    caller_ids: str,
    caller_id_key: str | None,
    callback_key: str,
    queues: tuple[str, ...],
    from_text: str | None,
    to_text: str | None,
    timezone: str,
) -> None:
    """Export calls for other tools: queue_log lines, records as CSV/Parquet, or events."""
    period = Period.read(from_text, to_text, timezone, queues)
    if file_format == "events":
        count = _export_events(records_paths, db_url, events_paths, out_path, period)
    elif file_format == "queue_log":
        if caller_id_key and caller_ids != CallerIdMode.HASHED.value:
            click.echo(f"warning: --caller-id-key is not used with --caller-ids {caller_ids}",
                       err=True)
        pseudonyms = CallerIds.from_key_text(caller_ids, caller_id_key)
        count = _export_queue_log(
            records_paths, db_url, events_paths, out_path, pseudonyms, callback_key, period
        )
    else:
        _check_records_name(out_path, file_format)
        count = _export_records(records_paths, db_url, out_path, file_format, period)
    what = {"queue_log": "queue_log lines", "events": "events"}.get(file_format,
                                                                     "call records")
    # on stderr when the lines went to stdout: `--out /dev/stdout | …` reads them alone
    click.echo(f"wrote {count:,} {what} to {out_path}", err=leads_to_stdout(out_path))


def _export_events(records_paths: Sequence[Path], db_url: str | None,
                   events_paths: Sequence[Path], out_path: Path, period: Period) -> int:
    """The database's events as CSV (cli.events_export): from --db only, to a .csv name."""
    if records_paths or events_paths:
        raise click.UsageError("--format events exports the call log's own events: give "
                               "--db (or none, for $DATABASE_URL), not --records or --events")
    _check_records_name(out_path, "csv")
    return export_events(db_url, _db_flag(db_url), out_path, period,
                         read=_database_reader(), some_kept=_some_kept)


def _check_records_name(out_path: Path, file_format: str) -> None:
    """Refuse, before any work, a records file named so that `report`, `fit` and
    `simulate --arrivals-from` would not read it as its format (they go by the suffix):
    `--out x.txt` had been written, and `report --records x.txt` then refused it. A device
    or pipe (/dev/stdout) is written as it is."""
    suffixes = CSV_SUFFIXES if file_format == "csv" else PARQUET_SUFFIXES
    if out_path.suffix.lower() in suffixes or is_device(out_path):
        return
    name = out_path.with_suffix(f".{file_format}").name
    raise click.BadParameter(f"{out_path.name!r} does not end in .{file_format} but --format "
                             f"is {file_format}, and readers go by the name (report would "
                             f"refuse it); name it {name!r}", param_hint="'--out'")


def _some_key(key: str | None) -> str | None:
    """A key given empty (`--caller-id-key "$KEY"` with KEY unset) is refused: it had fallen
    back to a random key without a word, and exports meant to link did not."""
    if key is not None and not key.strip():
        raise click.BadParameter("empty (an unset variable?): give the key the exports share, "
                                 "or leave the option out for a random key")
    return key


def _export_records(
    records_paths: Sequence[Path], db_url: str | None, out_path: Path, file_format: str,
    period: Period,
) -> int:
    """Write the period's records as CSV or Parquet a batch at a time (bounded memory, a log
    of millions); a batch that does not validate, or a repeated call id, makes the whole read
    name the rows."""
    if records_paths and db_url:
        raise click.UsageError("give either --records or --db, not both")
    written = LinesWritten(f"writing {out_path.name}", unit="calls")
    select, source = period.records(), records_source(records_paths, db_url)
    try:
        with whole_file(out_path) as partial:
            batches = map(select, _record_batches(records_paths, db_url, period))
            count = write_table_batches(_counted(batches, written), partial, file_format)
            _some_kept(count, period, source, select.seen, select.span)
            return count
    except RecordsError:
        click.echo("a batch of records does not validate: reading them whole to name the rows",
                   err=True)
    except BatchesDiffer:  # files with other extra columns (one has talk_s): joined whole
        click.echo("the record files' columns differ: reading them whole", err=True)
    records = _read_whole_for_export(records_paths, db_url, period, select, source)
    if not records_paths:
        not_queued_of_log(db_url, period.start, period.end, period.queues, EXPORTED)
    _some_kept(len(records), period, source, select.seen, select.span)
    with stage(f"writing {out_path.name}"), whole_file(out_path) as partial:
        write_records(records, partial, file_format=file_format)
    return len(records)


def _read_whole_for_export(records_paths: Sequence[Path], db_url: str | None, period: Period,
                           select: Callable[[pd.DataFrame], pd.DataFrame],
                           source: str) -> pd.DataFrame:
    """The records `select` keeps, read whole (an export's fallback), said as a step with its
    seconds (`stage`): the queue_log export of 1,200,000 records out of entry order had read
    and built its lines for 30 s after 'reading the records whole' without another word."""
    with stage(f"reading call records from {source}"):
        return select(read_records(records_paths, db_url,
                                   left_out=LeftOut(keep=period.records()), then=EXPORTED))


def _some_kept(count: int, period: Period, source: str, seen: Iterable[str],
               span: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> None:
    """Refuse, as `report` does (`_no_records`), an export whose --queue/--from/--to keep no
    call of the log (`seen`: the queues it holds): it had written an empty file and exited
    0. Called inside the writer's `whole_file` block, so no file is written and an earlier
    --out stays. A log with no calls at all, cut by nothing, exports its columns alone."""
    if count == 0 and period.cuts:
        raise _no_records(period.queues, period.start, period.end, source=source,
                          seen=set(seen), span=span)


def _record_batches(records_paths: Sequence[Path], db_url: str | None,
                    period: Period) -> Iterator[pd.DataFrame]:
    """Validated records of the files, or of the database, a batch at a time (an empty one
    when there are none, so the file still has its header). The database's come with each
    call's `talk_s`, so the file can be fitted (`holdwell fit --records`) as the log can.
    The calls of `period` that never joined a queue are in no record, and are said."""
    empty = True
    for batch in _source_batches(records_paths, db_url, period):
        empty = False
        yield batch
    if empty:
        yield validate_records(pd.DataFrame(columns=list(RECORD_COLUMNS)))


def _source_batches(records_paths: Sequence[Path], db_url: str | None,
                    period: Period) -> Iterator[pd.DataFrame]:
    if records_paths:
        left_out = LeftOut(keep=period.records())
        yield from iter_record_batches(list(records_paths), left_out=left_out)
        say_left_out(left_out, EXPORTED)
        return
    read = _database_reader()
    url = database_url(db_url)
    source = f"database {safe_url(url)}"
    with database_errors(url, _db_flag(db_url)):
        yield from _validated(map(with_talk_from_ends, read.record_batches(url, for_twin=True)),
                              source)
        say_in_progress(read.calls_in_progress(url))
    not_queued_of_log(db_url, period.start, period.end, period.queues, EXPORTED)


def _counted(batches: Iterator[pd.DataFrame], written: LinesWritten) -> Iterator[pd.DataFrame]:
    for batch in batches:
        yield batch
        written.add(len(batch))


def _export_queue_log(
    records_paths: Sequence[Path], db_url: str | None, events_paths: Sequence[Path],
    out_path: Path, caller_ids: CallerIds, callback_key: str, period: Period,
) -> int:
    """Write the period's queue_log lines; from the database's events and from record files
    they stream in batches (bounded memory)."""
    events = None
    if events_paths:
        events = read_events(events_paths, records_paths, db_url, numbers=True)
    elif not records_paths:
        count = _queue_log_from_database(db_url, out_path, caller_ids, period)
        if count is not None:
            return count
    if events is not None and not events.empty:
        seen = events["queue"].astype(str).unique() if "queue" in events else ()
        return _write_counted(queue_log_from_events(period.events(events), caller_ids),
                              out_path, lambda count: _some_kept(
                                  count, period, ", ".join(map(str, events_paths)), seen))
    options = {"callback_key": callback_key, "caller_ids": caller_ids}
    select, source = period.records(), records_source(records_paths, db_url)

    def some_kept(count: int) -> None:
        _some_kept(count, period, source, select.seen, select.span)

    if records_paths:
        try:
            left_out = LeftOut(keep=period.records())
            batches = map(select, iter_record_batches(list(records_paths), left_out=left_out))
            count = _write_counted(stream_queue_log(batches, **options), out_path, some_kept)
            say_left_out(left_out, EXPORTED)
            return count
        except (ValueError, RecordsError) as error:  # out of order, or a cell to point at
            click.echo(f"reading the records whole ({error})", err=True)
    records = _read_whole_for_export(records_paths, db_url, period, select, source)
    some_kept(len(records))
    with stage(f"putting the queue_log lines of {calls_said(len(records))} in time order"):
        lines = queue_log_from_records(records, **options)
    return _write_counted(lines, out_path)


def _queue_log_from_database(db_url: str | None, out_path: Path, caller_ids: CallerIds,
                             period: Period) -> int | None:
    """The database's events as queue_log lines, read a batch of whole calls at a time and
    put in time order by an external sort (read whole, a 300,000-call log held 1.9 GB).
    None: the log holds no events (its records give the lines then)."""
    url = database_url(db_url)
    source = f"database {safe_url(url)}"
    read = _database_reader()
    events_read = LinesWritten("reading the call log", unit="events")
    seen: set[str] = set()

    def held(events: pd.DataFrame) -> pd.DataFrame:
        seen.update(events["queue"].astype(str).unique())
        return events

    def batches() -> Iterator[pd.DataFrame]:
        with database_errors(url, _db_flag(db_url)):
            yield from map(period.events, map(held, _counted(_validated(
                read.call_event_batches(url, numbers=True), source, validate_events),
                events_read)))

    try:
        every = batches()
        first = next(every, None)
        if first is None:
            return None
        return _write_counted(queue_log_from_call_batches(chain([first], every), caller_ids),
                              out_path, lambda count: _some_kept(
                                  count, period, source, seen,
                                  None if count else read.records_entry_span(url)))
    except RecordsError as error:
        raise click.ClickException(str(error)) from error


def say_unmatched(events: pd.DataFrame, records: pd.DataFrame) -> None:
    """A warning when --events hold announcements but none of a record's call: another log's
    events (or another export's ids) left the told waits out without a word. So do events
    with no announcement at all while the records' calls heard some (a file cut to other
    events, or the header alone): the told waits' table was simply missing."""
    said = events[events["event"].astype(str) == "ANNOUNCE"]
    if said.empty:
        heard = int((records["announcements"].fillna(0) > 0).sum())
        if heard:
            click.echo(f"warning: --events: no announcement (ANNOUNCE) in {len(events):,} "
                       f"event{'s' if len(events) != 1 else ''}, though {heard:,} of the "
                       f"records' calls heard one (their announcements column): no told wait "
                       "is scored (events of another log, or cut to other events?)", err=True)
        return
    if not said["call_id"].isin(records["call_id"]).any():
        click.echo(f"warning: --events: none of the {len(said):,} announcements is of a call "
                   "in the records (events of another log, or of calls the period or --queue "
                   "leaves out?): no told wait is scored", err=True)


def _write_counted(lines: Iterable[str], out_path: Path,
                   check: Callable[[int], None] = lambda _count: None) -> int:
    """Write the lines whole or not at all (cli.whole_file), saying how far it has got;
    `check` sees the count before the file is kept (`_some_kept` refuses none)."""
    written = LinesWritten(f"writing {out_path.name}")
    with whole_file(out_path) as partial:
        write_queue_log(written.counted(iter(lines)), partial)
        check(written.count)
    return written.count
