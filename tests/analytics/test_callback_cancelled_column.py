"""The record's `callback_cancelled` column (a withdrawn callback): written and read back by
every record file format, and files written before the column (or by another tool) still load,
as none cancelled. The simulator's tables carry it through records both ways."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from analytics.records import iter_record_batches, load_records, write_records
from hold_policies.records import RECORD_COLUMNS, Outcome
from simulator.table import CallTable
from tests.analytics.builders import T0, call, frame


def _calls() -> list:
    return [
        call("withdrawn", Outcome.LEFT, 25, policy="callback", callback_requested=True,
             promised_s=600)._replace(callback_cancelled=True),
        call("open", Outcome.LEFT, 30, policy="callback", callback_requested=True,
             promised_s=600),
        call("answered", Outcome.ANSWERED, 10),
    ]


def test_the_column_is_a_record_column_at_the_end_and_defaults_to_false():
    assert RECORD_COLUMNS[-1] == "callback_cancelled"
    assert call("x", Outcome.ANSWERED, 1).callback_cancelled is False


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_written_and_read_back(tmp_path, suffix):
    path = write_records(_calls(), tmp_path / f"records{suffix}")
    records = load_records(path)
    assert records["callback_cancelled"].dtype == bool
    assert records.set_index("call_id")["callback_cancelled"].to_dict() == {
        "withdrawn": True, "open": False, "answered": False}
    (batch,) = iter_record_batches([path])
    assert batch["callback_cancelled"].tolist() == [True, False, False]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_without_the_column_loads_as_none_cancelled(tmp_path, suffix):
    older = frame(_calls()).drop(columns=["callback_cancelled"])
    path = tmp_path / f"older{suffix}"
    if suffix == ".csv":
        older.to_csv(path, index=False)
    else:
        older.to_parquet(path)
    records = load_records(path)
    assert list(records.columns[:len(RECORD_COLUMNS)]) == list(RECORD_COLUMNS)
    assert records["callback_cancelled"].tolist() == [False, False, False]
    (batch,) = iter_record_batches([path])
    assert batch["callback_cancelled"].tolist() == [False, False, False]


def test_the_simulators_table_carries_it_through_records():
    table = CallTable.from_records(_calls(), T0)
    assert table.cancelled().tolist() == [True, False, False]
    assert [r.callback_cancelled for r in table.records()] == [True, False, False]
    assert table.frame()["callback_cancelled"].tolist() == [True, False, False]
    never = replace(table, callback_cancelled=None)  # a simulated run: none withdrawn
    assert not never.cancelled().any() and not np.any(never.frame()["callback_cancelled"])
