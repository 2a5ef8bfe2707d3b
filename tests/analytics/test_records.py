"""Reading, writing and validating records: round trips, and errors that name the column."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.records import RecordsError, load_records, validate_records, write_records
from hold_policies.records import RECORD_COLUMNS, Outcome
from tests.analytics.builders import call, fourteen_calls


@pytest.fixture
def csv_rows(tmp_path):
    """A valid CSV record file; tests break one cell or column and read it back."""
    path = tmp_path / "records.csv"
    write_records(fourteen_calls(), path)
    return path, pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_call_records_survive_a_round_trip(tmp_path, suffix):
    calls = fourteen_calls()
    loaded = load_records(write_records(calls, tmp_path / f"records{suffix}"))
    assert list(loaded.columns) == list(RECORD_COLUMNS)
    assert loaded["call_id"].tolist() == [c.call_id for c in calls]
    assert loaded["wait_s"].tolist() == [c.wait_s for c in calls]
    assert loaded["entered_at"].iloc[0] == calls[0].entered_at
    assert str(loaded["entered_at"].dt.tz) == "UTC"
    assert loaded.loc[11, "callback_requested"]  # the failed callback, flagged from its outcome
    assert pd.isna(loaded.loc[1, "first_announced_wait_s"])


def test_csv_times_are_iso_8601_utc_and_flags_true_false(csv_rows):
    _, rows = csv_rows
    assert rows.loc[0, "entered_at"] == "2025-03-03T09:00:00.000000Z"
    assert set(rows["callback_requested"]) == {"true", "false"}


def test_several_files_are_read_as_one(tmp_path):
    first = write_records([call("a", Outcome.ANSWERED, 5)], tmp_path / "a.csv")
    second = write_records([call("b", Outcome.ABANDONED, 9, policy="silence")], tmp_path / "b.csv")
    loaded = load_records([first, second])
    assert loaded["policy"].tolist() == ["checkin", "silence"]
    assert isinstance(loaded["policy"].dtype, pd.CategoricalDtype)


def test_missing_columns_are_named_with_the_file(csv_rows):
    path, rows = csv_rows
    rows.drop(columns=["wait_s", "outcome"]).to_csv(path, index=False)
    with pytest.raises(RecordsError, match=r"records\.csv: missing column\(s\): outcome, wait_s"):
        load_records(path)


def test_optional_columns_may_be_absent(csv_rows):
    path, rows = csv_rows
    rows.drop(columns=["callback_requested", "callback_promised_wait_s"]).to_csv(path, index=False)
    loaded = load_records(path)
    assert loaded["callback_requested"].sum() == 3  # the callback_* outcomes
    assert loaded["callback_promised_wait_s"].isna().all()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("wait_s", "soon", "column 'wait_s': 1 value(s) (line 4: 'soon') are not numbers"),
        ("wait_s", "-4", "column 'wait_s': 1 value(s) (line 4: -4) are negative"),
        ("wait_s", "", "column 'wait_s': 1 value(s) (line 4: empty) are empty"),
        ("wait_s", "1e308", "column 'wait_s': 1 value(s) (line 4: 1e+308) are more than "
                            "604,800 s (7 days)"),
        ("callback_wait_s", "604801", "column 'callback_wait_s': 1 value(s) (line 4: 604801.0) "
                                      "are more than 604,800 s"),
        ("outcome", "hung_up", "column 'outcome': 1 value(s) (line 4: 'hung_up') are not one of"),
        ("entered_at", "yesterday", "column 'entered_at': 1 value(s) (line 4: 'yesterday')"),
        ("announcements", "1.5", "column 'announcements': 1 value(s) (line 4: 1.5) are not whole"),
        ("orig_position", "9223372036854775807", "column 'orig_position': 1 value(s) (line 4: "
                                                 "9223372036854775807) are more than 1,000,000"),
        ("announcements", "2000000", "column 'announcements': 1 value(s) (line 4: 2000000) are "
                                     "more than 1,000,000"),
        ("callback_requested", "maybe",
         "column 'callback_requested': 1 value(s) (line 4: 'maybe')"),
        ("queue", "", "column 'queue': 1 value(s) (line 4: empty) are empty"),
        ("call_id", "c1", "column 'call_id': 1 value(s) (line 4: 'c1') repeat an earlier call"),
    ],
)
def test_bad_cells_are_reported_by_column_and_row(csv_rows, column, value, message):
    """A CSV file's cell is named by its line in the file: the third record is line 4,
    under the header, where a spreadsheet shows it."""
    path, rows = csv_rows
    rows.loc[2, column] = value
    rows.to_csv(path, index=False)
    with pytest.raises(RecordsError) as error:
        load_records(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_every_problem_is_reported_at_once(csv_rows):
    path, rows = csv_rows
    rows.loc[0, "wait_s"] = "x"
    rows.loc[5, "outcome"] = "gone"
    rows.to_csv(path, index=False)
    with pytest.raises(RecordsError) as error:
        load_records(path)
    assert [p.split(":")[0] for p in error.value.problems] == [
        "column 'outcome'",
        "column 'wait_s'",
    ]


def test_a_wait_of_a_week_passes_and_a_longer_one_in_whole_numbers_is_named():
    frame = pd.DataFrame([call(f"c{i}", Outcome.ANSWERED, 5)._asdict() for i in range(2)])
    frame["wait_s"] = pd.Series([604_800, 604_800], dtype="int64")  # a Parquet int column
    assert validate_records(frame)["wait_s"].tolist() == [604_800.0, 604_800.0]
    frame["wait_s"] = pd.Series([10, 10**12], dtype="int64")
    with pytest.raises(RecordsError, match=r"'wait_s': 1 value\(s\) \(data row 2: 1000000000000\) "
                                           r"are more than 604,800 s"):
        validate_records(frame)


def test_wrong_dtype_in_a_frame_names_the_column():
    frame = pd.DataFrame([call("c1", Outcome.ANSWERED, 5)._asdict()])
    frame["wait_s"] = pd.Timestamp("2025-01-01", tz="UTC")
    with pytest.raises(RecordsError, match="column 'wait_s': expected numbers, got dtype datetime"):
        validate_records(frame, source="simulator")


def test_naive_times_are_taken_as_utc_and_na_stays_text():
    frame = pd.DataFrame([call("NA", Outcome.ANSWERED, 5)._asdict()])
    frame["entered_at"] = "2025-03-03 09:00:00"
    frame["queue"] = "NA"
    checked = validate_records(frame)
    assert checked.loc[0, "entered_at"] == pd.Timestamp("2025-03-03 09:00", tz="UTC")
    assert (checked.loc[0, "call_id"], checked.loc[0, "queue"]) == ("NA", "NA")


def test_a_naive_time_is_utc_whatever_offsets_the_rows_before_it_carry(csv_rows, tmp_path):
    from analytics.records import iter_record_batches

    _, rows = csv_rows
    rows = rows.head(3).copy()
    rows["entered_at"] = ["2026-01-05T10:00:00+02:00", "2026-01-05T08:30:00",
                          "2026-01-05T09:00:00-01:00"]
    path = tmp_path / "offsets.csv"
    rows.to_csv(path, index=False)
    expected = pd.to_datetime(["2026-01-05 08:00", "2026-01-05 08:30", "2026-01-05 10:00"],
                              utc=True).tolist()
    assert load_records(path)["entered_at"].tolist() == expected
    (batch,) = iter_record_batches([path])
    assert batch["entered_at"].tolist() == expected


def test_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(RecordsError, match="unknown format '.xlsx'"):
        write_records(fourteen_calls(), tmp_path / "records.xlsx")
    (tmp_path / "records.txt").write_text("x")
    with pytest.raises(RecordsError, match="records.txt: unknown format '.txt'"):
        load_records(tmp_path / "records.txt")


def test_an_abandoned_call_that_asked_for_a_callback_is_refused_by_its_rows():
    """The app writes a callback request and the caller's leaving together, so such a row is a
    hand edit or another tool's: counted, the table would say abandoned 1 beside a rate of 0%."""
    rows = [call("c1", Outcome.ANSWERED, 10),
            call("c2", Outcome.ABANDONED, 100, callback_requested=True),
            call("c3", Outcome.ABANDONED, 40)]
    frame = pd.DataFrame([r._asdict() for r in rows])
    with pytest.raises(RecordsError, match=r"'callback_requested': 1 value\(s\) "
                                           r"\(data row 2: 'c2'\) are true on abandoned calls"):
        validate_records(frame)
    frame.loc[1, "callback_requested"] = False
    assert validate_records(frame)["outcome"].tolist() == ["answered", "abandoned", "abandoned"]


def test_a_callback_wait_no_connected_callback_could_have_is_refused_by_its_rows():
    """A callback wait before the caller even left the line, or on a call answered in line,
    had been read without a word, the first counted in the time to serve (analyst audit 38)."""
    rows = [call("c1", Outcome.CALLBACK_CONNECTED, 30, callback_wait_s=10),
            call("c2", Outcome.ANSWERED, 20, callback_wait_s=500),
            call("c3", Outcome.CALLBACK_CONNECTED, 30, callback_wait_s=30),
            call("c4", Outcome.CALLBACK_FAILED, 30),
            call("c5", Outcome.CLOSED, 0, callback_wait_s=900)]  # a closed-line booking's
    frame = pd.DataFrame([r._asdict() for r in rows])
    with pytest.raises(RecordsError) as refused:
        validate_records(frame)
    said = str(refused.value)
    assert "'callback_wait_s': 1 value(s) (data row 2: 'c2') have a callback wait but no " in said
    assert "'callback_wait_s': 1 value(s) (data row 1: 'c1') are shorter than wait_s" in said
    frame.loc[0, "callback_wait_s"] = 45.0
    frame.loc[1, "callback_wait_s"] = None
    assert validate_records(frame)["callback_wait_s"].tolist()[:3] == [45.0, pytest.approx(
        float("nan"), nan_ok=True), 30.0]


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_a_call_with_no_entry_time_is_refused_by_its_row(tmp_path, suffix):
    """A null time in Parquet (or a frame's NaT) passed as a time: `report` then crashed
    (IndexError, OverflowError) and `export` wrote the call with no time."""
    frame = pd.DataFrame([c._asdict() for c in fourteen_calls()])
    frame["entered_at"] = pd.to_datetime(frame["entered_at"], utc=True)
    frame.loc[2, "entered_at"] = pd.NaT
    path = tmp_path / f"calls{suffix}"
    frame.to_parquet(path) if suffix == ".parquet" else frame.to_csv(path, index=False)
    said = r"line 4" if suffix == ".csv" else r"data row 3"  # a Parquet file has no lines
    with pytest.raises(RecordsError, match=rf"column 'entered_at': 1 value\(s\) \({said}"):
        load_records(path)
    with pytest.raises(RecordsError, match="entered_at"):
        validate_records(frame)


def test_a_bad_cell_in_the_first_record_of_a_csv_file_is_named_by_its_line(tmp_path):
    """The first record sits on line 2, under the header, where a spreadsheet shows it: the
    message had said "row 1", and an analyst opening the file looked at the header row."""
    path = tmp_path / "neg.csv"
    frame = pd.DataFrame([call(f"c{i}", Outcome.ANSWERED, 5)._asdict() for i in range(3)])
    frame.loc[0, "wait_s"] = -5
    frame.to_csv(path, index=False)
    with pytest.raises(RecordsError) as refused:
        load_records(path)
    assert "column 'wait_s': 1 value(s) (line 2: -5" in str(refused.value)
    assert "row 1" not in str(refused.value)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_batch_reader_names_a_cell_deep_in_the_file_as_the_whole_read_does(tmp_path,
                                                                               suffix):
    """A batch's rows are counted on from the batches before it: the 1,501st record is line
    1502 of a CSV file (data row 1501 of a Parquet one) in any batch, not a row of its batch."""
    from analytics.records import iter_record_batches

    frame = pd.DataFrame([call(f"c{i}", Outcome.ANSWERED, 5)._asdict() for i in range(2000)])
    frame.loc[1500, "wait_s"] = -5
    path = tmp_path / f"calls{suffix}"
    frame.to_parquet(path, row_group_size=300) if suffix == ".parquet" \
        else frame.to_csv(path, index=False)
    said = "(line 1502: -5" if suffix == ".csv" else "(data row 1501: -5"
    with pytest.raises(RecordsError) as whole:
        load_records(path)
    with pytest.raises(RecordsError) as batched:
        list(iter_record_batches([path], batch_rows=200))
    assert "(batch 1)" not in str(batched.value)  # deep in the file: not its first batch
    assert said in str(whole.value) and said in str(batched.value)


NUMBER_COLUMNS = ("wait_s", "orig_position", "announcements", "first_announced_wait_s",
                  "callback_wait_s", "callback_promised_wait_s", "first_announced_at_s")


def _refusals(path) -> list[str]:
    """What reading `path` whole, and in batches, says: each read must refuse it."""
    from analytics.records import iter_record_batches

    said = []
    for read in (lambda: load_records(path), lambda: list(iter_record_batches([path]))):
        with pytest.raises(RecordsError) as refused:
            read()
        said.append(str(refused.value))
    return said


@pytest.mark.parametrize("value", ["nan", "NaN", "-nan"])
@pytest.mark.parametrize("column", NUMBER_COLUMNS)
def test_a_nan_cell_is_refused_by_file_line_and_column_not_read_as_empty(csv_rows, column,
                                                                         value):
    """Arrow reads the word "nan" as the float NaN, which pandas takes for an empty cell: a
    `wait_s` of "nan" was refused as "empty", and an optional column's was read as no value
    at all. Only an empty cell is missing; "nan" is a bad cell, named where it is."""
    path, rows = csv_rows
    rows.loc[2, column] = value
    rows.to_csv(path, index=False)
    for said in _refusals(path):
        assert said.startswith(str(path))
        assert f"column '{column}': 1 value(s) (line 4: 'nan') are not numbers" in said
        assert "empty" not in said


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "+inf"])
@pytest.mark.parametrize("column", NUMBER_COLUMNS)
def test_an_infinite_cell_is_refused_once_by_its_line(csv_rows, column, value):
    """ "-inf" was said to be no number and negative too, and in a whole-number column
    (orig_position, announcements) it failed the read with a TypeError from the cast."""
    path, rows = csv_rows
    rows.loc[2, column] = value
    rows.to_csv(path, index=False)
    for said in _refusals(path):
        assert said.startswith(str(path))
        assert f"column '{column}': 1 value(s) (line 4: " in said and "are not numbers" in said
        assert "negative" not in said and said.count(f"column '{column}'") == 1


def test_a_nan_cell_in_an_events_file_is_refused_too_named_by_its_line(tmp_path):
    """By its line in the file, as a record file's cells are (it had said "row 2" of the
    cell on line 3); a Parquet file's by its data row."""
    from analytics.events import load_events

    path = tmp_path / "events.csv"
    path.write_text("time,call_id,queue,event,policy,arm,position,wait_s,data\n"
                    "2025-03-03T09:00:00Z,c1,support,ENTERQUEUE,checkin,,1,,\n"
                    "2025-03-03T09:01:00Z,c1,support,CONNECT,checkin,,1,nan,\n")
    with pytest.raises(RecordsError, match=r"column 'wait_s': 1 value\(s\) \(line 3: 'nan'\) "
                                           r"are not numbers"):
        load_events(path)
    parquet = tmp_path / "events.parquet"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[1, "wait_s"] = "-4"
    frame.to_parquet(parquet)
    with pytest.raises(RecordsError, match=r"column 'wait_s': .*data row 2"):
        load_events(parquet)


def test_empty_cells_in_number_columns_still_read_as_missing(csv_rows):
    path, rows = csv_rows
    assert rows.loc[1, "first_announced_wait_s"] == ""  # written empty: no estimate told
    rows.loc[1, "wait_s"] = "12.5"
    rows.to_csv(path, index=False)
    loaded = load_records(path)
    assert pd.isna(loaded.loc[1, "first_announced_wait_s"])
    assert loaded.loc[1, "wait_s"] == 12.5
