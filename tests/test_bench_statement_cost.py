"""benchmarks/bench_statement_cost.py compares like with like: each of its three ways runs the
same statement with the same effect (one poll counted per statement), or its ratios mean
nothing. A tiny run on SQLite checks that and that the table prints every way."""

from __future__ import annotations

import contextlib

from sqlalchemy import create_engine, select

from app.storage.schema import calls
from benchmarks import bench_statement_cost as bench


def test_every_way_counts_one_poll_per_statement_and_the_table_names_them(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'holdwell.db'}"
    monkeypatch.setattr(bench, "database", lambda kind: contextlib.nullcontext(url))
    rounds, count = 2, 3
    results = bench.measure("sqlite", rounds, count)
    assert set(results) == {(way, own) for way in ("core", "driver sql", "direct")
                            for own in (False, True)}
    assert all(len(values) == rounds and min(values) > 0 for values in results.values())
    engine = create_engine(url)
    with engine.connect() as conn:
        polls = conn.execute(select(calls.c.polls)).scalar_one()
    engine.dispose()
    assert polls == 1 + rounds * 2 * 3 * count  # the first poll, then one per statement
    printed = bench.table({"sqlite": results}, rounds, count)
    assert printed.count("direct") == 2 and "x core" in printed
