"""The wallboard can be paused and keeps a reader's place (accessibility audit X4, X5): each
round had rebuilt it every few seconds with no way to stop, taking focus, selection and
sideways scroll, and on a phone its callers' rows had been a thousand pixels tall."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SHOTS
from tests.browser.test_console_pages import sign_in


def mark_board(page) -> None:  # noqa: ANN001
    page.evaluate("document.querySelector('#wallboard .asof').dataset.marked = 'yes'")


def still_marked(page) -> bool:  # noqa: ANN001
    return page.evaluate("!!document.querySelector('#wallboard .asof').dataset.marked")


def rebuilt_within(page, seconds: float) -> bool:  # noqa: ANN001
    """Whether a round rebuilds the board within `seconds` (polled from here: the page's
    policy refuses the evaluated predicates wait_for_function would run)."""
    for _ in range(int(seconds * 10)):
        if not still_marked(page):
            return True
        page.wait_for_timeout(100)
    return False


def test_pausing_holds_the_board_and_resuming_refreshes_it(served, browser_page):
    page = browser_page
    sign_in(page, served, "analyst")
    pause = page.locator("#pause-updates")
    pause.click()
    assert pause.get_attribute("aria-pressed") == "true" and pause.inner_text() == \
        "Resume updates"
    mark_board(page)
    page.wait_for_timeout(2500)  # two and a half rounds at the test's 1 s
    assert still_marked(page)
    pause.click()
    assert rebuilt_within(page, 5)


def test_text_selected_in_the_board_is_not_taken_away(served, browser_page):
    page = browser_page
    sign_in(page, served, "analyst")
    mark_board(page)
    page.evaluate("""() => { const range = document.createRange();
        range.selectNodeContents(document.querySelector('#wallboard .asof'));
        const chosen = window.getSelection(); chosen.removeAllRanges();
        chosen.addRange(range); }""")
    page.wait_for_timeout(2500)
    assert still_marked(page)
    assert page.evaluate("window.getSelection().toString()").startswith("As of")
    assert page.inner_text("#stale").startswith("Held while text is selected")  # said


def test_a_double_click_that_selects_no_text_does_not_hold_the_board(served, browser_page):
    """A double-click on a figure had left a selection of no text that froze the board
    without a word (review 32 R1)."""
    page = browser_page
    sign_in(page, served, "analyst")
    page.dblclick("#wallboard [data-metric=waiting]")
    mark_board(page)
    assert rebuilt_within(page, 5)


def test_a_focused_queue_card_keeps_focus_across_rounds(served, browser_page):
    page = browser_page
    sign_in(page, served, "analyst")
    page.locator("#wallboard section[data-queue]").first.focus()
    queue = page.evaluate("document.activeElement.dataset.queue")
    assert queue  # a card takes focus (it is scrolled sideways by keys on a phone)
    mark_board(page)
    assert rebuilt_within(page, 5)
    assert page.evaluate("document.activeElement.dataset.queue") == queue


def test_on_a_phone_a_waiting_caller_is_a_card(served, console_app, browser):
    from app.signed_client import SignedClient
    from tests.conftest import AUTH_TOKEN
    from tests.support.sids import sid

    twilio = SignedClient(console_app.test_client(), AUTH_TOKEN)
    call = sid("CAwallphone")
    twilio.post("/voice/incoming?queue=support", {"CallSid": call, "From": "+14155550123"})
    twilio.post("/voice/wait?queue=support", {"CallSid": call, "QueuePosition": "1",
                                               "QueueTime": "30"})
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, served, "analyst")
    row = page.locator(f"tr[data-call='{call}']")
    told = row.locator("td.told").bounding_box()
    assert told is not None and told["x"] + told["width"] <= 390, told
    assert row.bounding_box()["height"] < 400, row.bounding_box()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "wallboard-phone.png"), full_page=True)
    page.context.close()


def test_on_a_phone_many_waiting_callers_stay_short(served, console_app, browser):
    """Each waiting caller is a short card on a phone: position and wait on one line, the
    call and what it was last told under them (four labelled lines each had made 32 waiting
    callers 8,000 px tall)."""
    from app.signed_client import SignedClient
    from tests.conftest import AUTH_TOKEN
    from tests.support.sids import sid

    twilio = SignedClient(console_app.test_client(), AUTH_TOKEN)
    calls = [sid(f"CAshort{n}") for n in range(12)]
    for n, call in enumerate(calls):
        twilio.post("/voice/incoming?queue=support", {"CallSid": call, "From": "+14155550123"})
        twilio.post("/voice/wait?queue=support", {"CallSid": call, "QueuePosition": str(n + 1),
                                                   "QueueTime": str(30 + n)})
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, server := served, "analyst")
    assert server
    page.locator("#pause-updates").click()  # measured as it stands: a refresh mid-measure
    rows = page.locator("table.callers tbody tr")  # had swapped a row out (no box, in CI)
    assert rows.count() == len(calls)
    heights = [rows.nth(n).bounding_box()["height"] for n in range(rows.count())]
    assert max(heights) < 110, heights
    first = rows.first
    place, waited = (first.locator(f"td[data-label='{label}']").bounding_box()
                     for label in ("#", "waited"))
    assert abs(place["y"] - waited["y"]) < 2  # side by side
    for cell in ("call", "last told"):
        box = first.locator(f"td[data-label='{cell}']").bounding_box()
        assert box["x"] + box["width"] <= 390, (cell, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.context.close()


TILE_ROWS = """kind => Array.from(document.querySelectorAll('#wallboard .tiles' + kind)).map(
    row => Array.from(row.children).map(tile => Math.round(tile.getBoundingClientRect().top)))"""


@pytest.mark.parametrize(("kind", "tiles", "rows_wide", "rows_phone"),
                         [(".today", 6, 2, 2), (":not(.today)", 4, 1, 2)], ids=["today", "now"])
def test_a_queues_tiles_fill_whole_rows(served, browser, kind, tiles, rows_wide, rows_phone):
    """Today's six in two rows of three in a queue card of a 1,280 px window (one tile had
    been left alone on a third row), and on a phone too; the four of now in a row, or two
    and two on a phone (they had been three and one). (One row of six needs a card 760 px
    wide: a line with one queue.)"""
    for width, rows in ((1280, rows_wide), (390, rows_phone)):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        sign_in(page, served, "analyst")
        for tops in page.evaluate(TILE_ROWS, kind):
            assert len(tops) == tiles
            assert len(set(tops)) == rows, (width, tops)
            assert all(tops.count(top) == tiles // rows for top in set(tops)), (width, tops)
        page.context.close()
