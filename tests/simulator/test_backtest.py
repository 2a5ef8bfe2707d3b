"""Backtest: fit on the first days, predict the held-out days by hour (issue 15, item 2)."""

from __future__ import annotations

import os
import threading
from contextlib import suppress
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.backtest import backtest, prediction_interval
from simulator.backtest_report import coverage


@pytest.fixture(scope="module")
def result(known_log):
    return backtest(known_log, test_days=4, replications=8, seed=3, workers=2)


def test_held_out_days_fall_inside_the_predicted_intervals(result) -> None:
    assert result.test_days[-1] > result.train_days[1]
    assert len(result.test_days) == 4
    cover = coverage(result)
    # 95% intervals over 15 open hours: a right twin leaves about one hour out per metric
    assert all(share >= 0.7 for share in cover.values()), cover
    unserved = result.hourly[result.hourly["metric"] == "unserved"]
    weights = unserved["entered"] / unserved["entered"].sum()
    overall_predicted = float((unserved["predicted"] * weights).sum())
    overall_actual = float((unserved["actual"] * weights).sum())
    assert abs(overall_predicted - overall_actual) < 0.02


def test_a_twin_of_the_wrong_line_is_caught(known_log) -> None:
    """Triple the answered waits of the held-out days: they no longer come from the fitted line,
    and the backtest must show them outside its intervals."""
    doctored = known_log.copy()
    dates = doctored["entered_at"].dt.normalize()
    late = dates >= sorted(dates.unique())[-4]
    doctored.loc[late & (doctored["outcome"] == "answered"), "wait_s"] *= 3.0
    wrong = backtest(doctored, test_days=3, replications=5, seed=3, workers=2)
    assert coverage(wrong)["asa_s"] < 0.5


def test_prediction_interval_covers_a_new_draw_about_95_percent() -> None:
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(400):
        sample, new = rng.normal(size=10), rng.normal()
        low, high = prediction_interval(sample + 5)
        hits += low <= new + 5 <= high
    assert 0.91 <= hits / 400 <= 0.99


def test_backtest_command_prints_and_plots(known_log, tmp_path: Path) -> None:
    from cli.twin_commands import backtest_command

    log = tmp_path / "calls.parquet"
    known_log.to_parquet(log)
    plot = tmp_path / "bt.png"
    page = tmp_path / "bt.html"
    result = CliRunner().invoke(backtest_command, ["--records", str(log), "--test-days", "3",
                                                   "--replications", "4", "--plot", str(plot),
                                                   "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert "predicted [95%] / actual" in result.output and "definitions:" in result.output
    assert plot.read_bytes()[:4] == b"\x89PNG"
    html = page.read_text()
    assert "data:image/png;base64," in html and "predicted [95%] / actual" in html


def test_a_rates_interval_stops_at_100_percent_and_every_column_is_defined(result) -> None:
    """Replications of 96%, 99% and 100% unserved: mean ± t sd sqrt(1 + 1/R) runs to about
    108%, which had been printed; the cut (at 0 and at 100%) is now said in the definitions."""
    low, high = prediction_interval(np.array([0.96, 0.99, 1.0]), ceiling=1.0)
    assert 0.0 <= low < 0.96 and high == 1.0
    assert prediction_interval(np.array([0.96, 0.99, 1.0]))[1] > 1.0  # uncut: waits
    rates = result.hourly[result.hourly["metric"].isin(["abandonment", "unserved"])]
    assert (rates["high"] <= 1.0).all() and (rates["low"] >= 0.0).all()
    from simulator.backtest_report import backtest_table

    table = backtest_table(result)
    assert "cut at 0 (and at 100% for rates)" in table
    assert f"hour: of day on the line's clock ({result.twin.timezone}); calls: " in table


@pytest.mark.parametrize("name", ["btplot", "bt.txt"])
def test_a_plot_name_that_is_not_png_is_refused_before_the_backtest(known_log, tmp_path: Path,
                                                                    name: str) -> None:
    """`--plot btplot` had run the whole backtest, printed its table, then died with
    "unexpected error (ValueError): Format 'partial-6293' is not supported"."""
    from cli.twin_commands import backtest_command

    log = tmp_path / "calls.parquet"
    known_log.to_parquet(log)
    result = CliRunner().invoke(backtest_command, ["--records", str(log), "--test-days", "3",
                                                   "--replications", "2", "--plot",
                                                   str(tmp_path / name)])
    assert result.exit_code == 2, result.output
    assert "--plot" in result.output and ".png" in result.output
    assert "predicted [95%] / actual" not in result.output
    assert not list(tmp_path.glob(".*partial*"))


def test_a_backtest_plot_goes_down_a_pipe_and_into_the_page(known_log, tmp_path: Path) -> None:
    """matplotlib could not seek the pipe, and the page read the plot back from it."""
    log = tmp_path / "calls.parquet"
    known_log.to_parquet(log)
    fifo = tmp_path / "bt.png"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    from cli.twin_commands import backtest_command

    result = CliRunner().invoke(backtest_command, ["--records", str(log), "--test-days", "2",
                                                   "--replications", "2", "--plot", str(fifo),
                                                   "--html", str(tmp_path / "bt.html")])
    with suppress(OSError):  # a reader still waiting (the command failed first) is let go
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    reader.join(30)
    assert result.exit_code == 0, result.output
    assert received and received[0][:4] == b"\x89PNG"
    assert "data:image/png;base64," in (tmp_path / "bt.html").read_text()
