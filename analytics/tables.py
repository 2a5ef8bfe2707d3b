"""CSV and Parquet files for records and events: exact text, fast for a million rows.

CSV goes through pyarrow (multi-threaded) and falls back to pandas when a cell does not fit the
type pyarrow guessed, so the validator still sees every bad cell and can name it. Only empty
cells are missing: a queue called "NA" stays text, and a number column's "nan" reaches the
validator as the word it is (`nan_kept_as_text`), not as the NaN pandas takes for an empty cell.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, closing
from os import PathLike
from pathlib import Path
from typing import TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from analytics.validation import RecordsError

T = TypeVar("T")
CSV_SUFFIXES = {".csv"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


def table_format(path: Path, file_format: str | None = None) -> str:
    """'.csv' or '.parquet' for a path (or an explicit format); anything else is an error."""
    suffix = f".{file_format}" if file_format else path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return ".csv"
    if suffix in PARQUET_SUFFIXES:
        return ".parquet"
    raise RecordsError(str(path), [f"unknown format {suffix!r}; use .csv or .parquet"])


def read_table(path: str | PathLike[str], text_columns: Sequence[str] = (),
               number_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a CSV or Parquet file by suffix; unreadable files raise RecordsError naming them.
    `number_columns`: the columns the validator reads as numbers, where a CSV cell "nan" is
    kept as text for it to refuse (`nan_kept_as_text`)."""
    path = Path(path)
    kind = table_format(path)
    _not_empty(path)
    try:
        if kind == ".parquet":  # strings stay in Arrow memory: no Python object per call id
            return pq.read_table(path).to_pandas(types_mapper=_arrow_strings)
        try:
            return _read_csv_arrow(path, text_columns, number_columns)
        except pa.ArrowInvalid:
            return _read_csv_pandas(path, text_columns)
    except RecordsError:
        raise  # said already, naming the file
    except (OSError, ValueError, pa.ArrowException, pd.errors.ParserError) as error:
        raise RecordsError(str(path), [_unreadable(path, error)]) from error


def iter_table_batches(
    path: str | PathLike[str],
    column_types: dict[str, pa.DataType],
    batch_rows: int = 250_000,
) -> Iterator[pd.DataFrame]:
    """A CSV or Parquet file as frames of about batch_rows rows, so memory stays bounded.

    CSV columns named in column_types get that type in every block (no guessing per block);
    a cell that does not fit raises RecordsError, as does an unreadable file. A floating-point
    column's "nan" cells reach the validator as text, as `read_table`'s do (`nan_kept_as_text`).
    """
    path = Path(path)
    _not_empty(path)
    try:
        if table_format(path) == ".parquet":
            for batch in read_ahead(_parquet_batches(pq.ParquetFile(path), batch_rows)):
                yield batch.to_pandas(types_mapper=_arrow_strings)
            return
        options = pa_csv.ConvertOptions(
            column_types=column_types, null_values=[""], strings_can_be_null=True
        )
        block = pa_csv.ReadOptions(block_size=64 * batch_rows)  # ~64 bytes a record
        numbers = [name for name, kind in column_types.items() if pa.types.is_floating(kind)]
        with pa_csv.open_csv(path, read_options=block, convert_options=options) as reader:
            for batch in reader:
                yield nan_kept_as_text(pa.Table.from_batches([batch]), numbers).to_pandas()
    except (OSError, ValueError, pa.ArrowException) as error:
        raise RecordsError(str(path), [_unreadable(path, error)]) from error


def _unreadable(path: Path, error: Exception) -> str:
    """Why a file could not be read: for a CSV file not in UTF-8 (a spreadsheet's plain
    "CSV" is Windows-1252 or Latin-1), the first line that is not, as every other message
    names a line; pandas had said "'utf-8' codec can't decode byte 0xe9 in position 254",
    counting bytes, and Arrow "CSV conversion error to string: invalid UTF8 data"."""
    if path.suffix.lower() in CSV_SUFFIXES and (found := _not_utf8(path)) is not None:
        line, byte = found
        return (f"line {line:,} is not UTF-8 text (byte 0x{byte:02x}): save the file as UTF-8 "
                "(a spreadsheet's \"CSV UTF-8\"), as holdwell's exports are")
    return f"cannot read file: {error}"


def _not_utf8(path: Path) -> tuple[int, int] | None:
    """(line, first bad byte) of the first line that is not UTF-8, or None (all of it is, or
    the file cannot be opened: the read's own error says so)."""
    try:
        with path.open("rb") as lines:
            for number, line in enumerate(lines, start=1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as bad:
                    return number, line[bad.start]
    except OSError:
        return None
    return None


def _not_empty(path: Path) -> None:
    """Refuse a file of 0 bytes as what it is: pandas had said 'No columns to parse from
    file' and pyarrow 'Parquet file size is 0 bytes' (a truncated copy, a `>` that failed)."""
    try:
        empty = path.stat().st_size == 0 and path.is_file()
    except OSError:
        return  # the read itself names what is wrong
    if empty:
        raise RecordsError(str(path), ["the file is empty (0 bytes): not even a header of "
                                       "column names"])


def _parquet_batches(file: pq.ParquetFile, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """A Parquet file in batches, one row group decoded at a time.

    Row groups of up to 4 batches are read whole (pyarrow writes 1Mi rows a group): faster, and
    less held than ParquetFile.iter_batches, whose buffers grew to 560 MB over 20 M records.
    """
    for group in range(file.num_row_groups):
        if file.metadata.row_group(group).num_rows <= 4 * batch_rows:
            yield from file.read_row_group(group).to_batches(max_chunksize=batch_rows)
        else:
            yield from file.iter_batches(batch_size=batch_rows, row_groups=[group])


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """The same items, the next one made in a thread while the caller works on this one.

    Parquet decoding runs outside the GIL, so on two cores reading overlaps the work on the
    batch before; one item waits at most, so memory stays bounded. An error is raised here.
    """
    done = object()
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand_over(entry: tuple) -> bool:
        """Queue an entry unless the reader has gone; False when it has."""
        while not stop.is_set():
            try:
                ready.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand_over((item, None)):
                    return
            hand_over((done, None))
        except BaseException as error:  # handed to the reader, raised there
            hand_over((done, error))

    worker = threading.Thread(target=produce, daemon=True, name="read-ahead")
    worker.start()
    try:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()


def _arrow_strings(kind: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    """Map Arrow text to pandas' Arrow-backed string dtype (others: pandas' default)."""
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pd.StringDtype("pyarrow")
    return None


def _read_csv_arrow(path: Path, text_columns: Sequence[str],
                    number_columns: Sequence[str]) -> pd.DataFrame:
    options = pa_csv.ConvertOptions(
        column_types={c: pa.string() for c in text_columns},
        null_values=[""],
        strings_can_be_null=True,
    )
    table = nan_kept_as_text(pa_csv.read_csv(path, convert_options=options), number_columns)
    return table.to_pandas(types_mapper=_arrow_strings)


def nan_kept_as_text(table: pa.Table, names: Sequence[str]) -> pa.Table:
    """The columns `names` that Arrow read as floats with a NaN among them, as text.

    Arrow's CSV reader reads the words "nan", "NaN" and "-nan" as the float NaN, which pandas
    then takes for an empty cell: a wait written "nan" was refused as empty (`wait_s`) or read
    as no value at all (an optional column), though only an empty cell is missing. As text
    ("nan"; other cells as their number, empty ones still null) the validator refuses the word
    by its line, as it refuses "soon". The pandas fallback keeps such words as text already.
    """
    for name in names:
        if name not in table.column_names:
            continue
        column = table.column(name)
        if pa.types.is_floating(column.type) and pc.any(pc.is_nan(column)).as_py():
            table = table.set_column(table.schema.get_field_index(name), name,
                                     pc.cast(column, pa.string()))
    return table


_EOF_IN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def _read_csv_pandas(path: Path, text_columns: Sequence[str]) -> pd.DataFrame:
    """Slower, but reads a column with a bad cell as text so validation can point at it.
    A quote never closed is named by its line, as every other message names one: pandas
    says 'EOF inside string starting at row 4', counting the header as row 0, of what a
    spreadsheet and every holdwell message call line 5."""
    try:
        return pd.read_csv(
            path,
            dtype={c: str for c in text_columns},
            keep_default_na=False,
            na_values=[""],
            low_memory=False,
        )
    except pd.errors.ParserError as error:
        if separator := _other_separator(path):
            raise RecordsError(str(path), [
                f"its header (line 1) is separated by {separator}, not commas; save it as "
                "CSV with commas"]) from error
        if found := _EOF_IN_QUOTE.search(str(error)):
            line = int(found.group(1)) + 1
            raise RecordsError(str(path), [
                f"a quote (\") opened on line {line:,} is never closed: the rest of the file "
                "would be one cell"]) from error
        raise


def _other_separator(path: Path) -> str | None:
    """The separator a header without a comma is written with (';', tab, '|'), or None: a
    semicolon-separated export of events, whose JSON data holds commas, had been refused
    as 'Expected 1 fields in line 4, saw 2'."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as text:
            header = text.readline()
    except OSError:
        return None
    if "," in header:
        return None
    for separator, said in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
        if separator in header:
            return said
    return None


def write_table(
    frame: pd.DataFrame, path: str | PathLike[str], file_format: str | None = None
) -> Path:
    """Write a frame as CSV or Parquet (`write_table_batches` of the one frame)."""
    write_table_batches([frame], path, file_format)
    return Path(path)


class BatchesDiffer(ValueError):
    """Batches whose columns cannot share one file's (record files with other extra columns):
    a writer that needs one shape reads them whole instead."""


def write_table_batches(
    frames: Iterable[pd.DataFrame], path: str | PathLike[str], file_format: str | None = None
) -> int:
    """Write frames of the same columns and dtypes (validated batches) one after another as one
    CSV or Parquet file, holding one at a time; the rows written. CSV: times as ISO-8601 UTC
    ending in Z, flags true/false, empty cells for missing values — what spreadsheets and
    `read_table` both read unambiguously. Categories are written as their text: each batch
    has its own, and a reader (`read_table`, a spreadsheet) makes its own."""
    path = Path(path)
    parquet = table_format(path, file_format) == ".parquet"
    writer, schema, rows = None, None, 0
    with ExitStack() as opened:
        for frame in frames:
            table = _file_table(frame, parquet)
            if writer is None:
                schema = table.schema  # the first batch's; the others are cast to it
                writer = _writer(path, schema, parquet, opened)
            try:
                writer.write_table(table.cast(schema))
            except (ValueError, pa.ArrowException) as error:  # other columns, other types
                raise BatchesDiffer(f"a batch's columns are not the first's: {error}") \
                    from None
            rows += len(frame)
    return rows


def _writer(path: Path, schema: pa.Schema, parquet: bool,
            opened: ExitStack) -> pq.ParquetWriter | pa_csv.CSVWriter:
    """The file's writer, closed with `opened`. Parquet goes through a Python file: pyarrow's
    own file asks the file its position (lseek), which a pipe refuses (`export --format
    parquet --out /dev/stdout | …` had failed as an unexpected OSError)."""
    if not parquet:
        return opened.enter_context(closing(pa_csv.CSVWriter(path, schema)))
    sink = opened.enter_context(open(path, "wb"))  # noqa: SIM115 - closed by `opened`
    return opened.enter_context(closing(pq.ParquetWriter(sink, schema)))


def _file_table(frame: pd.DataFrame, parquet: bool) -> pa.Table:
    """A frame as the table a file keeps: categories as text; for CSV, times as ISO text."""
    categories = [name for name, kind in frame.dtypes.items()
                  if isinstance(kind, pd.CategoricalDtype)]
    if categories:
        frame = frame.assign(**{name: frame[name].astype(object) for name in categories})
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if parquet:
        return table
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            table = table.set_column(i, field.name, _iso_text(table.column(i)))
    return table


def _iso_text(times: pa.ChunkedArray) -> pa.ChunkedArray:
    """2025-03-03T09:00:00.000000Z: microseconds, 'T' between date and time, Z for UTC."""
    unit = pa.timestamp("us", tz=times.type.tz)
    text = pc.cast(pc.cast(times, unit, safe=False), pa.string())
    return pc.replace_substring(text, " ", "T", max_replacements=1)
