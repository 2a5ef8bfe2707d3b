"""The report read in batches (analytics.summary, what `holdwell report --records` runs) gives
the very report the whole read gives (build_report, checked against lifelines and statsmodels
elsewhere), holds one batch of rows at a time, and says what is wrong as the whole read does."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import analytics.kaplan_meier as km_module
import analytics.summary as summary_module
import analytics.survival as survival_module
from analytics.definitions import SURVIVAL_TIMES_S
from analytics.filters import between
from analytics.id_hashes import id_hashes, ids_unique
from analytics.kaplan_meier import kaplan_meier_counts, patience_points, wait_counts
from analytics.metrics import all_metrics
from analytics.records import (
    RecordsError,
    iter_record_batches,
    load_records,
    records_frame,
    write_records,
)
from analytics.report import build_report, patience_table, report_json
from analytics.summary import RecordsSummary, RunningSums, summarise_files
from analytics.survival import logrank_counts
from analytics.synthetic import arm_for_rate, synthetic_records
from analytics.tables import read_ahead
from cli.report_commands import report_command
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame


def _odd_groups() -> pd.DataFrame:
    """Groups a report must survive: one call, all abandoned, none abandoned, all callbacks, and
    an experiment arm that heard two policies."""
    calls = [call("one", Outcome.ANSWERED, 12.0, policy="lonely", queue="billing")]
    calls += [call(f"ab{i}", Outcome.ABANDONED, 3.0 + 40 * i, policy="doomed", at_s=3600 * i)
              for i in range(4)]  # fmt: skip
    calls += [call(f"ok{i}", Outcome.ANSWERED, 5.0 * i, policy="perfect", at_s=86_400 * i)
              for i in range(4)]  # fmt: skip
    calls += [
        call("cb1", Outcome.CALLBACK_CONNECTED, 30.0, policy="cbonly", callback_requested=True,
             callback_wait_s=200.0, promised_s=240.0),
        call("cb2", Outcome.CALLBACK_FAILED, 45.0, policy="cbonly", callback_requested=True),
        call("cb3", Outcome.LEFT, 20.0, policy="cbonly", callback_requested=True),
    ]  # fmt: skip
    calls += [call(f"x{i}", Outcome.ABANDONED if i % 3 else Outcome.ANSWERED, 7.0 * i,
                   policy="checkin" if i % 2 else "silence", arm="B", at_s=50.0 * i, told_s=60.0)
              for i in range(9)]  # fmt: skip
    return frame(calls)


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    """About 3,000 calls over five weeks: five synthetic groups in two queues plus the odd ones,
    in entry order (ties in wait times included: rounded to 0.1 s)."""
    arms = [
        arm_for_rate("music_ads", 0.30, callback_share=0.05),
        arm_for_rate("checkin", 0.22, checkin_every_s=60),
        arm_for_rate("callback", 0.15, callback_share=0.30, checkin_every_s=60),
        arm_for_rate("checkin", 0.20, queue="sales", arm="A", checkin_every_s=60),
        arm_for_rate("music_ads", 0.26, queue="sales", arm="B"),
    ]
    made = synthetic_records(arms, 600, np.random.default_rng(13))
    made["wait_s"] = made["wait_s"].round(1)
    made["entered_at"] += pd.to_timedelta(np.arange(len(made)) * 997, unit="s")
    both = pd.concat([made, _odd_groups()], ignore_index=True)
    return records_frame(both.sort_values("entered_at", kind="stable").reset_index(drop=True))


@pytest.fixture(scope="module", params=["parquet", "csv"])
def records_file(request, records, tmp_path_factory):
    path = tmp_path_factory.mktemp("summary") / f"records.{request.param}"
    return write_records(records, path)


@pytest.mark.parametrize("batch_rows", [97, 1000, 1_000_000])
def test_batched_report_is_the_whole_read_report_to_the_last_digit(records_file, batch_rows):
    whole = build_report(load_records(records_file), 8.0, 30.0, 0.02)
    batched = summarise_files([records_file], 8.0, 30.0, batch_rows=batch_rows).report(0.02)
    assert report_json(batched) == report_json(whole)
    assert len(whole["policies"]) == 10  # the five synthetic groups and the five odd ones


@pytest.mark.parametrize("batch_rows", [97, 1_000_000])
def test_the_batched_metrics_table_is_all_metrics_of_the_whole(records, batch_rows):
    """What the console's per-arm counts read a chunk at a time is what all_metrics gives on
    the records read whole (every column, clustered intervals included)."""
    summary = RecordsSummary()
    for start in range(0, len(records), batch_rows):
        summary.add(records.iloc[start:start + batch_rows])
    batched = summary.metrics_table().reset_index(drop=True)
    whole = all_metrics(records).reset_index(drop=True)
    pd.testing.assert_frame_equal(batched, whole, check_dtype=False, check_categorical=False,
                                  rtol=1e-12)


def test_cli_report_with_filters_is_the_whole_read_report(records_file):
    start, end = pd.Timestamp("2025-03-10", tz="UTC"), pd.Timestamp("2025-03-30", tz="UTC")
    result = CliRunner().invoke(report_command, [
        "--records", str(records_file), "--json", "--queue", "support",
        "--from", "2025-03-10", "--to", "2025-03-30",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    chosen = between(load_records(records_file), start, end)
    chosen = chosen[chosen["queue"] == "support"].reset_index(drop=True)
    for name in ("queue", "policy", "arm"):
        chosen[name] = chosen[name].cat.remove_unused_categories()
    expected = json.loads(report_json(build_report(chosen)))
    expected["period"].update(requested_from="2025-03-10", requested_to="2025-03-30")
    assert json.loads(result.stdout) == expected
    assert 0 < expected["period"]["calls"] < len(load_records(records_file))


def test_a_file_is_read_one_bounded_batch_at_a_time(records, tmp_path, monkeypatch):
    """Memory is bounded by the batch: no batch holds more rows than asked for (even from
    Parquet row groups ten times larger), and the summary keeps per-group sums, not rows."""
    path = tmp_path / "records.parquet"
    pq.write_table(pa.Table.from_pandas(records, preserve_index=False), path, row_group_size=2000)
    seen: list[int] = []

    def counted(paths, batch_rows, left_out=None):
        for batch in iter_record_batches(paths, batch_rows, left_out):
            seen.append(len(batch))
            yield batch

    monkeypatch.setattr(summary_module, "iter_record_batches", counted)
    summary = summarise_files([path], batch_rows=200)
    assert max(seen) <= 200 and sum(seen) == len(records)
    assert len(seen) == math.ceil(len(records) / 200)
    groups = len(summary.combos)
    assert all(t.size == groups for t in summary.sums.totals.values())
    days = records["entered_at"].dt.floor("D").nunique()
    assert len(summary.bucket_sums["day"].slots) <= groups * days < len(records) / 5
    # what grows with the calls: one wait and one flag a call, for the patience curves
    held = sum(a.nbytes for parts in summary.waits.values() for a in parts)
    held += sum(a.nbytes for parts in summary.abandons.values() for a in parts)
    assert held == 9 * len(records)


@pytest.mark.parametrize("batch_rows", [500, 1_000_000])  # across batches, within one
def test_a_repeated_call_id_is_found(records, tmp_path, batch_rows):
    repeated = records.copy()
    repeated.loc[len(repeated) - 1, "call_id"] = repeated.loc[0, "call_id"]
    path = tmp_path / "repeated.parquet"
    pq.write_table(pa.Table.from_pandas(repeated, preserve_index=False), path)
    with pytest.raises(RecordsError, match="call id repeats"):
        summarise_files([path], batch_rows=batch_rows)
    # the command then reads the file whole, which names the row, as it always did
    result = CliRunner().invoke(report_command, ["--records", str(path), "--json"])
    assert result.exit_code != 0
    assert f"row {len(repeated)}" in result.output and "repeat an earlier call" in result.output


def test_a_bad_cell_is_named_as_the_whole_read_names_it(records, tmp_path):
    path = tmp_path / "bad.csv"
    write_records(records, path)
    lines = path.read_text().splitlines()
    cells = lines[1500].split(",")
    cells[lines[0].replace('"', "").split(",").index("wait_s")] = "soon"
    lines[1500] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(report_command, ["--records", str(path), "--json"])
    assert result.exit_code != 0
    assert "column 'wait_s'" in result.output  # lines[1500] is the file's line 1501
    assert "line 1501: 'soon'" in result.output


@settings(max_examples=60, deadline=None)
@given(
    codes=st.lists(st.integers(0, 4), min_size=1, max_size=60),
    data=st.data(),
)
def test_running_sums_add_up_batches_in_row_order_bit_for_bit(codes, data):
    """Floating-point sums depend on their order; batches must not change a bit of them."""
    n = len(codes)
    weights = np.array(data.draw(st.lists(
        st.floats(-1e6, 1e6, allow_nan=False, width=64), min_size=n, max_size=n)))  # fmt: skip
    flags = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    cuts = sorted(data.draw(st.sets(st.integers(1, max(n - 1, 1)), max_size=5)))
    sums = RunningSums()
    for lo, hi in zip([0, *cuts], [*cuts, n], strict=True):
        if lo >= hi:
            continue
        part = np.asarray(codes[lo:hi])
        keys = sorted(set(part.tolist()))
        local = np.searchsorted(keys, part)
        sums.add(local, keys, {"w": weights[lo:hi], "f": flags[lo:hi], "calls": 1})
    keys = sorted(set(codes))
    got = sums.frame(keys, [str(k) for k in keys])
    whole = np.bincount(np.asarray(codes), weights=weights, minlength=5)[keys]
    assert got["w"].to_numpy().tobytes() == whole.tobytes()
    assert got["f"].tolist() == np.bincount(np.asarray(codes)[flags], minlength=5)[keys].tolist()
    assert got["calls"].tolist() == np.bincount(np.asarray(codes), minlength=5)[keys].tolist()


def test_id_hashes_are_a_function_of_the_text():
    ids = pa.array(["CA1", "CA2", "CA1", "", None, "CA1\x00", "long-id-" * 5, "é", "é"])
    hashes = id_hashes(ids)
    assert hashes[0] == hashes[2] and hashes[3] == hashes[4] and hashes[7] == hashes[8]
    assert len({hashes[i] for i in (0, 1, 3, 5, 6, 7)}) == 6  # a trailing zero byte counts
    assert id_hashes(pa.array(["CA1", "é"]))[0] == hashes[0]  # whatever else is in the batch
    assert id_hashes(ids.slice(1, 2)).tolist() == hashes[1:3].tolist()
    assert id_hashes(pa.chunked_array([ids[:2], ids[2:]])).tolist() == hashes.tolist()
    assert not ids_unique(hashes) and ids_unique(hashes[[0, 1, 3, 5, 6, 7]])
    many = pa.array([f"CA{i:032x}" for i in range(50_000)])
    assert ids_unique(id_hashes(many))


def test_read_ahead_keeps_order_raises_errors_and_stops_when_left():
    assert list(read_ahead(iter(range(50)))) == list(range(50))

    def failing():
        yield 1
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        list(read_ahead(failing()))
    made = []

    def counting():
        for i in range(1000):
            made.append(i)
            yield i

    reader = read_ahead(counting())
    assert next(reader) == 0
    reader.close()  # the reader leaves: the thread stops making items
    time.sleep(0.5)
    assert len(made) <= 3


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_log_rank_does_not_depend_on_its_chunks(chunk, seed):
    """The log-rank test works through the pooled timeline in chunks (bounded memory on 20 M
    calls); any chunk size gives the same statistic, to the last bit, as one chunk."""
    rng = np.random.default_rng(seed)
    a = wait_counts(rng.integers(0, 60, 120) / 2, rng.random(120) < 0.3)
    b = wait_counts(rng.integers(0, 60, 90) / 2, rng.random(90) < 0.4)
    whole = logrank_counts(a, b)
    original = survival_module._CHUNK
    try:
        survival_module._CHUNK = chunk
        assert logrank_counts(a, b) == whole
    finally:
        survival_module._CHUNK = original


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 30), st.integers(0, 2**32 - 1), st.sampled_from([0.0, 0.5]))
def test_patience_curves_do_not_depend_on_their_chunks(chunk, seed, first_wait):
    """Kaplan–Meier is worked out in chunks of distinct waits; any chunk size gives the same
    curve to the last bit, and the thinned curve the report reads gives the same medians and
    survival at 60/120/300 s as the whole curve."""
    rng = np.random.default_rng(seed)
    wait = np.concatenate([[first_wait], rng.integers(1, 400, 150) * 1.5])
    counts = wait_counts(wait, rng.random(wait.size) < rng.uniform(0.2, 0.9))
    whole = kaplan_meier_counts(counts)
    original = km_module._CHUNK
    try:
        km_module._CHUNK = chunk
        chunked = kaplan_meier_counts(counts)
        thinned = patience_points(counts, SURVIVAL_TIMES_S)
    finally:
        km_module._CHUNK = original
    for name in ("timeline", "survival", "ci_low", "ci_high", "at_risk"):
        assert getattr(chunked, name).tobytes() == getattr(whole, name).tobytes()
    pd.testing.assert_frame_equal(patience_table({"g": thinned}), patience_table({"g": whole}))
    assert thinned.timeline.size <= 2 + 8 * math.ceil(counts.times.size / chunk)


def test_waits_that_repeat_are_counted_so_memory_stops_growing(records, tmp_path):
    """A real log's waits are whole seconds: a few hundred distinct values whatever the calls.
    Counted as they come, they hold a fixed amount however many calls there are, and the report
    is still the whole-read one."""
    whole_seconds = records.copy()
    whole_seconds["wait_s"] = whole_seconds["wait_s"].round()
    path = write_records(whole_seconds, tmp_path / "seconds.parquet")
    summary = RecordsSummary(tie_rows=300)
    for batch in iter_record_batches([path], 250):
        summary.add(batch)
    held = sum(a.nbytes for parts in (*summary.waits.values(), *summary.abandons.values())
               for a in parts)  # fmt: skip
    counted = sum(c.times.size for parts in summary.tied.values() for c in parts)
    assert held < 9 * 300 * len(summary.combos) and counted < len(records) / 3
    assert report_json(summary.report()) == report_json(build_report(load_records(path)))


def test_several_files_report_as_their_records_read_whole_together(records, tmp_path):
    half = len(records) // 2
    first = write_records(records.iloc[:half], tmp_path / "first.parquet")
    second = write_records(records.iloc[half:].reset_index(drop=True), tmp_path / "second.csv")
    whole = build_report(load_records([first, second]))
    assert report_json(summarise_files([first, second], batch_rows=300).report()) == report_json(
        whole
    )
