"""Check call records and give them one set of dtypes, so every metric can trust its input.

Records come from the app's database, the simulator, or CSV/Parquet files someone edited by hand.
A metric computed on a mistyped column is silently wrong, so anything we cannot read is an error
that names the source, the column and a few offending rows, and all problems are reported at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.id_hashes import id_hashes, ids_unique
from hold_policies.records import NOT_QUEUED, RECORD_COLUMNS, Outcome

# The record columns of DESIGN.md; the extras after them were added later and default to these
# (a DESIGN.md record file written by another tool has none of them).
REQUIRED_COLUMNS: tuple[str, ...] = RECORD_COLUMNS[:11]
OPTIONAL_DEFAULTS: dict[str, object] = {
    "callback_requested": False,
    "callback_promised_wait_s": np.nan,
    "first_announced_at_s": np.nan,
    "callback_cancelled": False,  # files written before the column: none cancelled
}
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(OPTIONAL_DEFAULTS)
OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome)
CALLBACK_OUTCOMES: tuple[str, ...] = (Outcome.CALLBACK_CONNECTED, Outcome.CALLBACK_FAILED)
_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", ""}
_SHOWN = 3  # offending rows quoted per problem
MOST_SECONDS = 7 * 24 * 3600.0
"""The longest wait or duration a record may hold: a week. Past it a cell is a typo, another
unit (milliseconds) or a placeholder such as 1e308, and one such cell would swamp every mean."""
MOST_COUNT = 1_000_000
"""The largest place in line or count of announcements a record may hold: past it a cell is a
placeholder (2**63 − 1 had failed the whole report with a cast error)."""


FIRST_CSV_DATA_LINE = 2
"""The line of a CSV file its first record is on: line 1 is the header. A spreadsheet shows
the same numbers, so a cell named by its line is found where the message says."""


class RowNumbers:
    """How a message names the rows it quotes: a CSV file's by their line in the file (the
    header is line 1, so the first record is line 2, as a spreadsheet numbers it), anything
    else (Parquet, a frame, the database) by its data row, counted from 1. `first` is the
    number of the frame's first row (a batch that starts deep in a file)."""

    def __init__(self, lines: bool = False, first: int = 1,
                 kept: np.ndarray | None = None) -> None:
        self.lines, self.first, self.kept = lines, first, kept

    def said(self, position: int) -> str:
        place = int(self.kept[position]) if self.kept is not None else position
        return f"{'line' if self.lines else 'data row'} {self.first + place}"

    def keeping(self, positions: np.ndarray) -> RowNumbers:
        """The numbers of a frame of only the rows at `positions` of this one (rows a reader
        skipped), so a message still names each row where it is in the file."""
        kept = positions if self.kept is None else self.kept[positions]
        return RowNumbers(self.lines, self.first, np.asarray(kept))

    @classmethod
    def csv(cls, rows_before: int = 0) -> RowNumbers:
        """The lines of a CSV file whose frame starts `rows_before` records into it."""
        return cls(lines=True, first=FIRST_CSV_DATA_LINE + rows_before)


_NUMBERS: ContextVar[RowNumbers | None] = ContextVar("row_numbers", default=None)


@contextmanager
def numbered(rows: RowNumbers | None) -> Iterator[None]:
    """Within it, the columns' checks name the rows they quote as `rows` says (default:
    data rows from 1)."""
    token = _NUMBERS.set(rows or RowNumbers())
    try:
        yield
    finally:
        _NUMBERS.reset(token)


class RecordsError(ValueError):
    """Call records that cannot be analysed; the message names the source and columns."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


OTHER_SEPARATORS = (";", "\t", "|")
"""Separators a spreadsheet may save a 'CSV' with (a semicolon where the decimal mark is a
comma): the file then reads as one column whose name holds every header."""


def missing_columns(missing: list[str], columns: pd.Index) -> str:
    """'missing column(s): …', and, when the header read as one column holding another
    separator, that the file is not separated by commas: a semicolon-separated export had
    been told every column was missing, though its header named them all."""
    said = f"missing column(s): {', '.join(missing)}"
    if len(columns) == 1:
        header = str(columns[0])
        for separator in OTHER_SEPARATORS:
            if separator in header:
                shown = "tab" if separator == "\t" else repr(separator)
                return (f"{said} (the header is one column, {header[:60]!r}"
                        f"{'…' if len(header) > 60 else ''}: the file is separated by "
                        f"{shown}, not commas; save it as CSV with commas)")
    return said


def validate_records(
    frame: pd.DataFrame, source: str = "records", unique_ids: bool = True,
    rows: RowNumbers | None = None,
) -> pd.DataFrame:
    """Return a copy with normalised dtypes, or raise RecordsError listing every problem.

    Dtypes: call_id str; queue, policy, arm, outcome category (arm "" outside experiments);
    entered_at datetime64 UTC (naive times are taken as UTC); wait_s, first_announced_wait_s,
    callback_wait_s, callback_promised_wait_s float seconds (NaN = empty); orig_position Int64;
    announcements int64; callback_requested bool (also true for every callback_* outcome);
    callback_cancelled bool (False when the column is absent: files from before it).
    The app's extra first_announced_at_s (seconds in queue when the first estimate was said) is
    checked too when present; other extra columns pass through unchanged.
    `rows`: how messages number the rows they quote (RowNumbers: a CSV file's lines, else
    data rows from 1).
    """
    with numbered(rows):
        return _validated(frame, source, unique_ids)


def _validated(frame: pd.DataFrame, source: str, unique_ids: bool) -> pd.DataFrame:
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise RecordsError(source, [missing_columns(missing, frame.columns)])
    problems: list[str] = []
    # a new frame: columns are replaced, never edited (a shallow copy unless the index needs
    # renumbering, which copies every column)
    index = frame.index
    plain = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    out = frame.copy(deep=False) if plain else frame.reset_index(drop=True)
    for name, convert in _CONVERTERS.items():
        if name in out.columns:
            out[name] = convert(out[name], name, problems)
    for name, default in OPTIONAL_DEFAULTS.items():
        if name not in out.columns:
            out[name] = default
    if unique_ids:  # a batch reader checks the ids of all its batches at once instead
        _check_unique_calls(out["call_id"], problems)
    if not problems:
        _check_callback_abandons(out, problems)
        _check_callback_waits(out, problems)
    if problems:
        raise RecordsError(source, problems)
    out["callback_requested"] = out["callback_requested"] | out["outcome"].isin(CALLBACK_OUTCOMES)
    order = list(RECORD_COLUMNS) + [c for c in out.columns if c not in RECORD_COLUMNS]
    return out if list(out.columns) == order else out[order]


def quoted_rows(mask: pd.Series | np.ndarray, raw: pd.Series) -> str:
    """Describe the first offending rows and their values, each by its line of a CSV file
    ("line 2": the first record under the header) or else its data row ("data row 1"), as
    `validate_records` was told (RowNumbers)."""
    positions = np.flatnonzero(np.asarray(mask))
    numbers = _NUMBERS.get()  # None: a column checked outside validate_records (the twin's
    # talk_s), numbered as it always was
    shown = ", ".join(f"{numbers.said(int(i)) if numbers else f'row {i + 1}'}: "
                      f"{_show(raw.iloc[i])}" for i in positions[:_SHOWN])
    more = f" and {positions.size - _SHOWN} more" if positions.size > _SHOWN else ""
    return f"{positions.size} value(s) ({shown}{more})"


def _show(value: object) -> str:
    """A cell as a person would write it: 'empty', 1.5, 'text'."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "empty"
    return repr(value.item() if isinstance(value, np.generic) else value)


def _text(raw: pd.Series) -> pd.Series:
    """Cells as stripped Arrow-backed text (vectorised, fast on a million ids); NA when blank."""
    text = raw.astype("string[pyarrow]").str.strip()
    return text.mask(text == "")


def _blank(raw: pd.Series) -> pd.Series:
    """Missing or empty-string cells."""
    if raw.dtype == object or isinstance(raw.dtype, pd.StringDtype | pd.CategoricalDtype):
        return _text(raw).isna()
    return raw.isna()


def _category_labels(raw: pd.Series) -> pd.Series | None:
    """Stripped labels of a categorical column, computed on its categories (a handful) rather
    than on every row; None when stripping would merge two categories."""
    if not isinstance(raw.dtype, pd.CategoricalDtype):
        return None
    stripped = pd.Index(raw.cat.categories.astype(str)).str.strip()
    if not stripped.is_unique:
        return None
    labels = list(stripped) + ([""] if "" not in stripped else [])
    codes = raw.cat.codes.to_numpy()
    codes = np.where(codes < 0, labels.index(""), codes)
    # unused categories dropped by counting codes (a handful of bins), not sorting every row
    used = np.flatnonzero(np.bincount(codes, minlength=len(labels)))
    renumber = np.zeros(len(labels), dtype=codes.dtype)
    renumber[used] = np.arange(used.size, dtype=codes.dtype)
    values = pd.Categorical.from_codes(renumber[codes], categories=[labels[i] for i in used])
    return pd.Series(values, index=raw.index)


def text_column(raw: pd.Series, name: str, problems: list[str], *, allow_empty: bool) -> pd.Series:
    """Text as Arrow-backed str (call_id) or category (labels); empty cells are problems unless
    allowed."""
    labels = _category_labels(raw) if name != "call_id" else None
    if labels is not None:
        blank = labels == ""
        if not allow_empty and blank.any():
            problems.append(f"column '{name}': {quoted_rows(blank, raw)} are empty")
        _check_one_line(labels, raw, name, problems)
        return labels
    text = _text(raw)
    blank = text.isna()
    if not allow_empty and blank.any():
        problems.append(f"column '{name}': {quoted_rows(blank, raw)} are empty")
    _check_one_line(text, raw, name, problems)
    text = text.fillna("")
    return text if name == "call_id" else text.astype(object).astype("category")


def _check_one_line(text: pd.Series, raw: pd.Series, name: str, problems: list[str]) -> None:
    """In a CSV file, note the cells holding a line break: no id, queue, policy or arm has
    one, and an unclosed quote makes one, joining a line to the next: the next call was read
    with the broken line as its id ('bad,1,2\\nmusic_ads-sim-0004998"'), one line went
    uncounted without a word, and every line named after it was one off."""
    numbers = _NUMBERS.get()
    if numbers is None or not numbers.lines:
        return  # Parquet or the database: no lines to join (and no cost on their millions)
    if isinstance(text.dtype, pd.CategoricalDtype):
        broken = text.cat.categories.astype(str).str.contains("[\r\n]", regex=True)
        if not broken.any():
            return
        hit = text.isin(text.cat.categories[broken]).to_numpy(dtype=bool)
    else:
        hit = text.str.contains("[\r\n]", regex=True).fillna(False).to_numpy(dtype=bool)
        if not hit.any():
            return
    problems.append(f"column '{name}': {quoted_rows(hit, raw)} hold a line break, which "
                    "no id, queue, policy or arm has (an unclosed quote (\") joins a line to "
                    "the next)")


def number_column(
    raw: pd.Series, name: str, problems: list[str], *, required: bool, integer: bool,
    most: float | None = None,
) -> pd.Series:
    """Non-negative finite numbers, at most `most` when given (float, or Int64/int64 when
    integer); notes what is not."""
    if pd.api.types.is_bool_dtype(raw) or isinstance(raw.dtype, pd.DatetimeTZDtype):
        problems.append(f"column '{name}': expected numbers, got dtype {raw.dtype}")
        return raw
    if pd.api.types.is_integer_dtype(raw.dtype):  # typed already (Parquet): nothing to parse
        _check_most(raw, name, problems, most, integer)
        return _typed_whole_numbers(raw, name, problems, required=required, integer=integer)
    if raw.dtype == np.float64:
        values = raw.copy(deep=False)  # the same values, as the parsing below would give
        blank = values.isna()
    else:
        blank = _blank(raw)
        values = pd.to_numeric(raw.where(~blank), errors="coerce").astype(float)
    bad = (values.isna() & ~blank) | np.isinf(values)
    if bad.any():  # "nan", "inf", "-inf" too: no number of seconds or places
        problems.append(f"column '{name}': {quoted_rows(bad, raw)} are not numbers")
        values = values.where(~bad)  # said once: not "negative" too, nor cast below
    if (values < 0).any():
        problems.append(f"column '{name}': {quoted_rows(values < 0, raw)} are negative")
    _check_most(values, name, problems, most, integer)
    if integer and ((values % 1) > 0).any():
        problems.append(f"column '{name}': {quoted_rows((values % 1) > 0, raw)} are not whole "
                        "numbers")
    if required and blank.any():
        problems.append(f"column '{name}': {quoted_rows(blank, raw)} are empty")
    if not integer:
        return values
    if most is not None:  # noted above; blanked so the cast below cannot fail on it
        values = values.where(~(values > most))
    return values.round().astype("Int64") if not required else values.fillna(0).astype("int64")


def _check_most(values: pd.Series, name: str, problems: list[str], most: float | None,
                counted: bool) -> None:
    """Note the cells above `most` (a count when `counted`, else seconds), naming the column,
    rows and values."""
    if most is None:
        return
    over = (values > most).fillna(False).to_numpy(dtype=bool)
    if not over.any():
        return
    if counted:
        problems.append(f"column '{name}': {quoted_rows(over, values)} are more than {most:,.0f}: "
                        f"no queue holds or tells that many (a placeholder?)")
        return
    problems.append(f"column '{name}': {quoted_rows(over, values)} are more than {most:,.0f} s "
                    f"({most / 86400:g} days): not a wait in seconds (another unit, or a "
                    f"placeholder?)")


def _typed_whole_numbers(
    raw: pd.Series, name: str, problems: list[str], *, required: bool, integer: bool
) -> pd.Series:
    """number_column for an integer column: only signs and blanks to check, no float round trip
    (the same result for every whole number below 2**53)."""
    blank = raw.isna()
    negative = (raw < 0).fillna(False).to_numpy(dtype=bool)
    if negative.any():
        problems.append(f"column '{name}': {quoted_rows(negative, raw)} are negative")
    if required and blank.any():
        problems.append(f"column '{name}': {quoted_rows(blank, raw)} are empty")
    if not integer:
        return raw.astype(float)
    return raw.astype("Int64") if not required else raw.fillna(0).astype("int64")


_OFFSET = r"[Tt ]\d.*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"  # a time of day, then Z or ±hh[:mm]


def time_column(raw: pd.Series, name: str, problems: list[str]) -> pd.Series:
    """ISO-8601 times as UTC datetimes (naive values are taken as UTC).

    Times with an offset and naive times are parsed apart: parsed together, pandas applies
    the last offset it saw to the naive times after it, so a row's time would depend on the
    rows before it (and on where a batch starts)."""
    if isinstance(raw.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(raw):
        times = raw.dt.tz_convert("UTC") if isinstance(raw.dtype, pd.DatetimeTZDtype) \
            else raw.dt.tz_localize("UTC")
        if (empty := times.isna()).any():  # Parquet's null, or a blank CSV cell read as
            # a time: no time at all, which no report can place (it crashed them)
            problems.append(f"column '{name}': {quoted_rows(empty, raw)} are empty, not times")
        return _in_nanoseconds(times, name, problems)
    text = _text(raw)
    aware = text.str.contains(_OFFSET, regex=True).fillna(False).to_numpy(dtype=bool)
    times = _utc_times(text.astype(object))
    if aware.any() and not aware.all():
        naive = ~aware
        times[naive] = _utc_times(text[naive].astype(object))
    bad = times.isna()
    if bad.any():
        problems.append(f"column '{name}': {quoted_rows(bad, raw)} are not ISO-8601 times")
    return times


_NANOSECOND_SPAN = (pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC"))


def _in_nanoseconds(times: pd.Series, name: str, problems: list[str]) -> pd.Series:
    """Times counted in nanoseconds, as every reader of them counts (epoch integers, day and
    minute codes). A Parquet file from another tool (Spark, DuckDB, polars) holds ms or us:
    read as nanoseconds, every call of it had entered on 1970-01-01, the one day of the day
    breakdown, no interval was clustered (one minute of calls) and every pair of groups shared
    their days. A time nanoseconds cannot hold (before 1677 or after 2262) is no call's."""
    if times.dt.unit == "ns":
        return times
    earliest, latest = _NANOSECOND_SPAN
    outside = times.notna() & ((times < earliest) | (times > latest))
    if outside.any():
        problems.append(f"column '{name}': {quoted_rows(outside, times)} are before 1677 or "
                        "after 2262: no call's time")
        times = times.where(~outside)
    return times.dt.as_unit("ns")


def _utc_times(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")


def _outcomes(raw: pd.Series, name: str, problems: list[str]) -> pd.Series:
    """Outcome names as a category with exactly the Outcome values."""
    labels = _category_labels(raw)
    if labels is not None:  # map the few categories, not every row
        known = [OUTCOMES.index(c) if c in OUTCOMES else -1 for c in labels.cat.categories]
        codes = np.asarray(known, dtype=np.int64)[labels.cat.codes.to_numpy()]
        outcome = pd.Series(pd.Categorical.from_codes(codes, categories=OUTCOMES), index=raw.index)
        bad = outcome.isna()
        if bad.any():
            problems.append(
                f"column '{name}': {quoted_rows(bad, raw)} are not one of {', '.join(OUTCOMES)}"
            )
        return outcome
    text = _text(raw).astype(object)
    outcome = pd.Series(pd.Categorical(text, categories=OUTCOMES), index=raw.index)
    bad = outcome.isna()
    if bad.any():
        problems.append(f"column '{name}': {quoted_rows(bad, raw)} are not one of "
                        f"{', '.join(OUTCOMES)}")
    return outcome


def _flags(raw: pd.Series, name: str, problems: list[str]) -> pd.Series:
    """true/false flags (also t/f, yes/no, 1/0; empty = false)."""
    if pd.api.types.is_bool_dtype(raw):
        return raw.fillna(False).astype(bool)
    words = _text(raw).str.lower().fillna("")
    bad = ~words.isin(_TRUE | _FALSE)
    if bad.any():
        problems.append(f"column '{name}': {quoted_rows(bad, raw)} are not true/false")
    return words.isin(_TRUE).astype(bool)


def _check_unique_calls(call_ids: pd.Series, problems: list[str]) -> None:
    """One row per call: a repeated call_id would count the same caller twice."""
    ids = pa.array(call_ids.to_numpy() if call_ids.dtype == object else call_ids.array)
    if ids_unique(id_hashes(ids)):  # distinct hashes, distinct ids: the usual, fast case
        return
    repeated = call_ids.duplicated(keep="first")
    if repeated.any():
        problems.append(f"column 'call_id': {quoted_rows(repeated, call_ids)} repeat an "
                        "earlier call")


def _check_callback_abandons(records: pd.DataFrame, problems: list[str]) -> None:
    """A caller who asked for a callback left the line on it (the app writes the request and
    the EXITWITHKEY together), so "abandoned" with callback_requested true is no record the app
    or simulator makes: counted either way, the abandonment row and rate would disagree."""
    both = (records["outcome"] == Outcome.ABANDONED) & records["callback_requested"].astype(bool)
    if both.any():
        problems.append(f"column 'callback_requested': {quoted_rows(both, records['call_id'])} are "
                        "true on abandoned calls (a caller who asked for a callback left the "
                        "line on it: make the outcome left, callback_connected or "
                        "callback_failed, or callback_requested false)")


def _check_callback_waits(records: pd.DataFrame, problems: list[str]) -> None:
    """A callback's wait (entering the queue -> connected on the callback) is known only of a
    connected callback, and comes after its time in line: a row against either had been
    read without a word, and its impossible time counted in the time to serve."""
    callback_wait = records["callback_wait_s"]
    connected = (records["outcome"] == Outcome.CALLBACK_CONNECTED).to_numpy()
    stray = (callback_wait.notna().to_numpy() & ~connected
             & ~records["outcome"].isin(NOT_QUEUED).to_numpy())
    if stray.any():
        problems.append(f"column 'callback_wait_s': {quoted_rows(stray, records['call_id'])} "
                        "have a callback wait but no connected callback (it is entering the "
                        "queue -> connected on the callback: leave it empty, or make the outcome "
                        "callback_connected)")
    early = connected & (callback_wait < records["wait_s"]).to_numpy()
    if early.any():
        problems.append(f"column 'callback_wait_s': {quoted_rows(early, records['call_id'])} are "
                        "shorter than wait_s (a callback connects after its caller left the "
                        "line, so it counts from entering the queue past their time in line)")


_label = partial(text_column, allow_empty=False)
_seconds = partial(number_column, required=True, integer=False, most=MOST_SECONDS)
_optional_seconds = partial(number_column, required=False, integer=False, most=MOST_SECONDS)
_CONVERTERS: dict[str, Callable[[pd.Series, str, list[str]], pd.Series]] = {
    "call_id": _label,
    "queue": _label,
    "policy": _label,
    "arm": partial(text_column, allow_empty=True),
    "entered_at": time_column,
    "outcome": _outcomes,
    "wait_s": _seconds,
    "orig_position": partial(number_column, required=False, integer=True, most=MOST_COUNT),
    "announcements": partial(number_column, required=True, integer=True, most=MOST_COUNT),
    "first_announced_wait_s": _optional_seconds,
    "callback_wait_s": _optional_seconds,
    "callback_requested": _flags,
    "callback_promised_wait_s": _optional_seconds,
    "first_announced_at_s": _optional_seconds,  # extra: when the first estimate was said
    "callback_cancelled": _flags,  # extra: the callback was withdrawn before it was rung
}
SECONDS_COLUMNS = tuple(name for name, convert in _CONVERTERS.items()
                        if convert in (_seconds, _optional_seconds))
"""The record columns holding a wait or duration, each at most MOST_SECONDS."""
