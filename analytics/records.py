"""Read and write call records (DESIGN.md record columns) as CSV or Parquet.

The app's export, the simulator and analysts' hand-made logs all go through these two functions,
so a file written by one can be read by the others and every read is validated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.id_hashes import id_hashes, ids_unique
from analytics.not_queued import NotQueued
from analytics.tables import iter_table_batches, read_table, table_format, write_table
from analytics.validation import RecordsError, RowNumbers, validate_records
from hold_policies.records import NOT_QUEUED, RECORD_COLUMNS, CallRecord

__all__ = [
    "LeftOut",
    "RecordsError",
    "iter_record_batches",
    "load_records",
    "queue_calls",
    "read_records_file",
    "read_table",
    "records_frame",
    "validate_records",
    "write_records",
]

_TEXT_COLUMNS = ("call_id", "queue", "policy", "arm", "outcome")  # never guessed as numbers
_NUMBER_COLUMNS = ("wait_s", "orig_position", "announcements", "first_announced_wait_s",
                   "callback_wait_s", "callback_promised_wait_s", "first_announced_at_s")
# CSV read in blocks: every block gets these types (validation then checks the cells)
_BATCH_TYPES = {
    **dict.fromkeys((*_TEXT_COLUMNS, "entered_at", "callback_requested", "callback_cancelled"),
                     pa.string()),
    **dict.fromkeys(_NUMBER_COLUMNS, pa.float64()),
}  # fmt: skip
RecordsInput = pd.DataFrame | Iterable[CallRecord]
_NOT_QUEUED = tuple(outcome.value for outcome in NOT_QUEUED)


LeftOut = NotQueued
"""What the file readers left out as no queue's calls, counted per group as they read
(`analytics.not_queued.NotQueued`), so the command can say how many and the report can give
them apart."""


def queue_calls(records: pd.DataFrame, left_out: LeftOut | None = None) -> pd.DataFrame:
    """The validated records of calls that joined a queue: rows with a NOT_QUEUED outcome
    (closed, kept_callback) go, as the database's reader leaves them out; `left_out` counts
    them (those its `keep` keeps: the report's period and queues). Labels used only by those
    rows go too, so they name no empty group."""
    never = records["outcome"].isin(_NOT_QUEUED).to_numpy()
    if not never.any():
        return records
    if left_out is not None:
        left_out.add_records(records[never].reset_index(drop=True))
    kept = records[~never].reset_index(drop=True)
    for name in ("queue", "policy", "arm"):
        kept[name] = kept[name].cat.remove_unused_categories()
    return kept


def load_records(
    paths: str | PathLike[str] | Sequence[str | PathLike[str]], left_out: LeftOut | None = None
) -> pd.DataFrame:
    """Read and validate one or more CSV/Parquet record files into one normalised frame of
    the calls that joined a queue (`queue_calls`; `left_out` counts the others).

    Each file is validated on its own so an error names the file it comes from; a call id in
    two files (or one file given twice) is refused, since it would count that call twice.
    """
    if isinstance(paths, str | PathLike):
        paths = [paths]
    frames = [read_records_file(p) for p in paths]
    if not frames:
        raise RecordsError("records", ["no record files given"])
    ids_unique_across_files(frames, [str(p) for p in paths])
    combined = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for name in ("queue", "policy", "arm", "outcome"):
        combined[name] = combined[name].astype("category")
    return queue_calls(combined, left_out)


def ids_unique_across_files(frames: Sequence[pd.DataFrame], paths: Sequence[str]) -> None:
    """Raise RecordsError naming the first call id found in more than one file, and its files."""
    if len(frames) < 2:
        return
    ids = pd.concat([frame["call_id"] for frame in frames], keys=range(len(frames)))
    repeated = ids[ids.duplicated(keep=False)]
    if repeated.empty:
        return
    first = repeated.iloc[0]
    where = sorted(set(repeated[repeated == first].index.get_level_values(0)))
    names = list(dict.fromkeys(paths[i] for i in where))
    files = f"{names[0]}, given {len(where)} times" if len(names) == 1 else " and ".join(names)
    raise RecordsError(", ".join(dict.fromkeys(paths)), [
        f"column 'call_id': call id {first!r} is in {files} (call ids in more than one file: "
        f"{repeated.nunique():,}); each call must be in one file only, or it counts twice"])


def read_records_file(path: str | PathLike[str]) -> pd.DataFrame:
    """Read and validate one record file (.csv, .parquet or .pq); a bad cell is named by its
    line of a CSV file, or its data row of a Parquet one (`row_numbers`)."""
    return validate_records(read_table(path, _TEXT_COLUMNS, _NUMBER_COLUMNS), source=str(path),
                            rows=row_numbers(path))


def row_numbers(path: str | PathLike[str], rows_before: int = 0) -> RowNumbers:
    """How a record file's problems number its rows: a CSV file's by their line (the header
    is line 1, so a spreadsheet shows the same number), a Parquet file's by data row; a batch
    `rows_before` records into the file counts on from there."""
    if table_format(Path(path)) == ".csv":
        return RowNumbers.csv(rows_before)
    return RowNumbers(first=rows_before + 1)


def iter_record_batches(
    paths: Sequence[str | PathLike[str]], batch_rows: int = 250_000,
    left_out: LeftOut | None = None,
) -> Iterator[pd.DataFrame]:
    """Validated records, batch by batch, for work that must not hold a whole file in memory.

    Each batch is validated and narrowed to the calls that joined a queue as `load_records`
    would (`left_out` counts the others), but for its call ids: one repeated
    anywhere, in a batch or across batches and files, is found through 64-bit hashes of the ids
    (8 bytes a call) and raises RecordsError after the last batch (as would, rarely, two ids
    whose hashes meet: reading the file whole names the rows).
    """
    hashes: list[np.ndarray] = []
    for path in paths:
        before = 0  # records of this file in earlier batches: rows are named in the file
        for i, batch in enumerate(iter_table_batches(path, _BATCH_TYPES, batch_rows)):
            records = validate_records(batch, f"{path} (batch {i + 1})", unique_ids=False,
                                       rows=row_numbers(path, before))
            before += len(batch)
            hashes.append(id_hashes(pa.array(records["call_id"].array)))
            yield queue_calls(records, left_out)
    ids = np.empty(sum(h.size for h in hashes), dtype=np.uint64)  # 8 bytes a call, held once:
    filled = 0
    while hashes:  # each batch's hashes let go as soon as copied
        part = hashes.pop(0)
        ids[filled : filled + part.size] = part
        filled += part.size
    if not ids_unique(ids, in_place=True):
        raise RecordsError(", ".join(map(str, paths)), ["column 'call_id': a call id repeats"])


def records_frame(records: RecordsInput, source: str = "records") -> pd.DataFrame:
    """Turn CallRecords (or a frame) into a validated, normalised frame."""
    if isinstance(records, pd.DataFrame):
        return validate_records(records, source=source)
    frame = pd.DataFrame.from_records(list(records), columns=list(RECORD_COLUMNS))
    return validate_records(frame, source=source)


def write_records(
    records: RecordsInput, path: str | PathLike[str], file_format: str | None = None
) -> Path:
    """Validate records and write them as CSV or Parquet (by suffix, or `file_format`).

    CSV uses ISO-8601 UTC times ending in Z, true/false flags and empty cells for missing values,
    which is what `load_records` and spreadsheet users both read without guessing.
    """
    path = Path(path)
    table_format(path, file_format)  # refuse an unknown format before validating
    return write_table(records_frame(records, source=str(path)), path, file_format)
