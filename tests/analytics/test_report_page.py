"""The report page an analyst trusts (issue 13, item 4): per-queue small multiples, downloadable
chart data, survival at fixed times, CIs on service level and ASA, breakdowns, period filters."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from lifelines import KaplanMeierFitter
from scipy import stats

from analytics.breakdowns import breakdown
from analytics.render_html import render_html
from analytics.report import build_report
from analytics.survival import patience_fits, survival_at
from analytics.synthetic import arm_for_rate, synthetic_records
from analytics.validation import validate_records
from cli.report_commands import report_command
from tests.analytics.builders import call, frame
from tests.support.browser import browser, browser_page  # noqa: F401


@pytest.fixture(scope="module")
def records():
    arms = [
        arm_for_rate("checkin", 0.2, checkin_every_s=60, arm="A"),
        arm_for_rate("callback", 0.18, callback_share=0.25, checkin_every_s=60, arm="B"),
        arm_for_rate("silence", 0.25, queue="sales"),
        arm_for_rate("music_ads", 0.3, queue="sales"),
    ]
    return validate_records(synthetic_records(arms, 1500, np.random.default_rng(8)))


@pytest.fixture(scope="module")
def report(records):
    return build_report(records)


@pytest.fixture(scope="module")
def page(report, records):
    return render_html(report, records)


def _downloads(page: str) -> dict[str, pd.DataFrame]:
    found = re.findall(r'download="([^"]+)\.csv" href="data:text/csv;base64,([^"]+)"', page)
    return {slug: pd.read_csv(io.BytesIO(base64.b64decode(data))) for slug, data in found}


def test_every_chart_is_per_queue_and_offers_its_svg_and_data(page):
    charts = _downloads(page)
    assert sorted(charts) == sorted(
        ["forest"] + [f"{kind}-{q}" for q in ("sales", "support")
                      for kind in ("rates", "patience", "hazard", "waits")]  # fmt: skip
    )
    assert page.count('download="') == 2 * len(charts)  # an SVG and a CSV each
    for slug, data in charts.items():
        if slug != "forest":
            queue = slug.split("-", 1)[1]
            assert data["group"].str.startswith(f"{queue} · ").all(), slug
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)
    assert "<script" not in page


def test_chart_data_say_what_the_charts_draw(page, records):
    charts = _downloads(page)
    waits = charts["waits-support"]
    assert set(waits["outcome"]) == {"answered", "abandoned"}
    answered = records[(records["queue"] == "support") & (records["outcome"] == "answered")
                       & ~records["callback_requested"]]  # fmt: skip
    assert waits.loc[waits["outcome"] == "answered", "calls"].sum() == len(answered)
    hazard = charts["hazard-support"].dropna(subset=["hazard_per_min"])
    assert (hazard["ci_low_per_min"] <= hazard["hazard_per_min"] + 1e-12).all()
    assert (hazard["hazard_per_min"] <= hazard["ci_high_per_min"] + 1e-12).all()
    patience = charts["patience-support"]
    assert patience.groupby("group")["still_waiting"].first().eq(1.0).all()


def test_survival_at_fixed_times_matches_lifelines(records):
    fits = patience_fits(records)
    table = survival_at(fits, (60.0, 120.0))
    rows = records[records["queue"] == "sales"]
    rows = rows[rows["policy"] == "silence"]
    reference = KaplanMeierFitter().fit(rows["wait_s"], rows["outcome"] == "abandoned")
    expected = reference.survival_function_at_times([60.0, 120.0]).to_numpy()
    got = table.loc["sales · silence", ["still_waiting_60s", "still_waiting_120s"]]
    assert got.to_numpy() == pytest.approx(expected)
    bands = reference.confidence_interval_
    low = bands.iloc[np.searchsorted(bands.index, 60.0, side="right") - 1, 0]
    assert table.loc["sales · silence", "still_waiting_60s_ci_low"] == pytest.approx(low)


def test_service_level_and_asa_carry_confidence_intervals():
    waits = [12, 15, 19, 45, 60]
    report = build_report(frame([call(f"c{i}", "answered", w) for i, w in enumerate(waits)]))
    (entry,) = report["policies"]
    low, high = stats.t.interval(0.95, len(waits) - 1, np.mean(waits), stats.sem(waits))
    assert entry["asa_ci"] == pytest.approx([low, high])
    assert entry["service_level"] == pytest.approx(3 / 5)  # 12, 15 and 19 s within 20 s
    assert entry["service_level_ci"][0] < 0.6 < entry["service_level_ci"][1]


def test_breakdowns_add_up_to_the_totals(records, report):
    for bucket in ("hour_of_day", "day"):
        table = breakdown(records, bucket)
        sums = table.groupby("group")[["calls", "unserved"]].sum()
        for entry in report["policies"]:
            assert sums.loc[entry["group"], "calls"] == entry["calls"]
            assert sums.loc[entry["group"], "unserved"] == entry["unserved"]
    assert {row["group"] for row in report["breakdowns"]["day"]} == {
        p["group"] for p in report["policies"]
    }


def test_from_and_to_keep_calls_that_entered_in_the_period(tmp_path):
    from analytics.records import write_records

    calls = [call(f"c{i}", "answered", 10, at_s=3600.0 * i) for i in range(6)]  # 09:00..14:00
    path = write_records(calls, tmp_path / "day.csv")
    args = ["--records", str(path), "--json", "--from", "2025-03-03T10:00", "--to",
            "2025-03-03T13:00:00Z"]  # fmt: skip
    result = CliRunner().invoke(report_command, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["period"]["calls"] == 3  # 10:00, 11:00, 12:00; 13:00 is excluded
    assert report["period"]["requested_from"] == "2025-03-03T10:00"
    bad = CliRunner().invoke(report_command, ["--records", str(path), "--from", "yesterday"])
    assert bad.exit_code == 2 and "ISO-8601" in bad.output


def test_the_page_reads_well_in_chromium(browser_page, page, tmp_path):  # noqa: F811
    """Headless Chromium: nothing overflows the window, every chart loads, verdicts come first."""
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    browser_page.goto(path.as_uri())
    width = browser_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280
    images = browser_page.evaluate(
        "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.clientWidth])"
    )
    assert len(images) == 9 and all(ok and natural > 0 and shown > 400
                                     for ok, natural, shown in images)  # fmt: skip
    first_heading = browser_page.locator("h2").first.bounding_box()
    assert browser_page.locator(".verdicts").bounding_box()["y"] < first_heading["y"]
    assert "arm B lower" in browser_page.locator(".verdicts").inner_text()
    shot = browser_page.screenshot(full_page=True, path=str(tmp_path / "report.png"))
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 50_000
