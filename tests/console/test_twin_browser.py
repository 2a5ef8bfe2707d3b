"""The Twin page in Debian's Chromium: open it on a seeded log, run a what-if, read the table,
and read every table on a phone."""

from __future__ import annotations

from tests.browser.conftest import served, shot  # noqa: F401
from tests.console.conftest import PASSWORD
from tests.console.twin_seed import known_log, seed_log
from tests.support.browser import browser, browser_page  # noqa: F401


def test_an_analyst_runs_a_whatif_and_sees_the_table(console_app, served, browser_page,  # noqa: F811
                                                     shot):  # noqa: F811
    seed_log(console_app.extensions["holdwell"].settings.database_url, known_log())
    page = browser_page
    page.goto(f"{served}/console/twin")
    page.fill("input[name=name]", "analyst")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{served}/console/twin")
    page.wait_for_selector("#fit h2:has-text('6,660 calls')")
    assert "lognormal" in page.inner_text("#fit")
    page.uncheck("input[name=policies][value=silence]")
    page.fill("input[name=replications]", "3")
    page.fill("input[name=target_unserved]", "0.05")
    page.click("button:has-text('Run what-if')")
    page.wait_for_selector("#whatif-result tr[data-policy=callback]", timeout=60_000)
    rows = page.locator("#whatif-result tbody tr")
    assert rows.count() == 3 and page.locator("tr[data-policy=silence]").count() == 0
    music = page.inner_text("tr[data-policy=music_ads]")
    assert "%" in music and "±" in music and " s " in music
    assert "3 replications" in page.inner_text("#whatif-result h2")
    assert "Erlang-A" in page.inner_text("#staffing")
    # the form offered a backtest of as many days as the log allows (7 dates: 5)
    assert "predicted" in page.inner_text("#backtest h2")
    assert page.locator("#backtest tbody tr").count() > 10
    shot("twin")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: each table a card per
    wide = page.evaluate(  # row; the staffing, backtest and patience tables had scrolled
        "Array.from(document.querySelectorAll('main table')).map(t => ["  # inside their card
        "t.closest('section').id, t.scrollWidth, t.parentElement.clientWidth])")
    assert {section for section, *_ in wide} >= {"whatif-result", "staffing", "backtest", "fit"}
    assert all(width <= room for _, width, room in wide), wide
    first = page.locator("#staffing tbody tr").first
    assert first.locator("td[data-label=Erlang-A]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Sunday after 08:00 was never logged: its borrowed rates are marked, and the mark said
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{served}/console/twin?run=1&policies=music_ads&replications=2"
              "&target_unserved=0.3&day=sun")
    page.wait_for_selector("#staffing", timeout=60_000)
    marked = page.locator("#staffing td.borrowed[data-label='calls/min']")
    assert marked.count() > 10 and marked.first.inner_text().endswith("*")
    assert "borrowed: a half-hour the log never covered" in page.inner_text("#staffing .hint")
