"""The preview page with words under test, in Debian's Chromium: each arm's column beside the
queue's own, the split bar sized by the weights, the changed lines marked, and a screenshot
(out/console-screenshots/preview-variants.png) to read."""

from __future__ import annotations

import pytest

from app.storage import users
from tests.browser.test_console_pages import sign_in
from tests.console.conftest import PASSWORD
from tests.console.test_preview_variants import APOLOGY, CONFIG


@pytest.fixture
def console_app(make_app, clock):  # the app `served` serves: this one has variants and a split
    app = make_app(CONFIG)
    users.add_user(app.extensions["holdwell"].store.engine, "analyst", "analyst", PASSWORD,
                   clock.now())
    return app


def test_the_arms_read_side_by_side_with_the_split(served, browser_page, shot):
    page = browser_page
    sign_in(page, served, "analyst")
    page.goto(f"{served}/console/preview")
    page.select_option("select[name=queue]", "support")
    page.fill("input[name=position]", "6")
    page.fill("input[name=minutes]", "4")
    page.click("button:has-text('Preview')")
    page.wait_for_selector("section.arm[data-arm=warm]")
    page.wait_for_load_state("load")  # the whole page parsed and styled before anything is measured

    # One layout snapshot of all three columns: measured one call at a time, a reflow between
    # the calls (CI once saw tops 409 and 503 px on a busy box) reads as columns in two rows.
    boxes = page.evaluate("""arms => arms.map(arm => {
        const box = document.querySelector(`section.arm[data-arm=${arm}]`).getBoundingClientRect();
        return {x: box.x, y: box.y, width: box.width};
    })""", ["checkin", "no_apology", "warm"])
    assert len({round(box["y"]) for box in boxes}) == 1  # one row of columns, side by side
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert all(box["width"] >= 340 for box in boxes)

    def check_ins(arm: str) -> list[str]:
        return page.locator(f"section.arm[data-arm={arm}] tr.offer").all_inner_texts()

    assert all("Sorry to keep you waiting." in row for row in check_ins("checkin"))
    assert check_ins("no_apology") and all("orry" not in row for row in check_ins("no_apology"))
    assert all(APOLOGY in row for row in check_ins("warm"))

    bar = page.locator(".splitbar").bounding_box()
    quarter = page.locator(".splitbar [data-arm=checkin]").bounding_box()
    assert quarter["width"] == pytest.approx(bar["width"] / 4, abs=2)
    assert page.locator(".splitbar [data-arm=no_apology]").inner_text() == "no_apology · 75%"
    assert "not in the split" in page.inner_text("section.arm[data-arm=warm] .share")

    marked = page.locator("section.arm[data-arm=no_apology] tr.differs td").first
    plain = page.locator("section.arm[data-arm=checkin] tr.offer td").first
    background = "getComputedStyle(el).backgroundColor"
    assert marked.evaluate(f"el => {background}") != plain.evaluate(f"el => {background}")
    assert page.locator("section.arm[data-arm=checkin] tr.differs").count() == 0
    shot("preview-variants")


def test_the_players_of_the_page_opened_from_the_nav_load_their_audio(served, browser_page):
    """Opened with no query (the nav's link), the page defaults its queue; the players' URLs
    had left it out, and each answered 422 where the browser expected a WAV."""
    page = browser_page
    sign_in(page, served, "analyst")
    page.goto(f"{served}/console/preview")
    page.wait_for_selector("audio")
    answers = page.evaluate("""async () => {  // one after another, as players are played
        const answers = [];  // (preload="none"; a worker renders one preview at a time, and
        for (const audio of document.querySelectorAll('audio')) {  // all at once had 429s)
            const reply = await fetch(audio.src);
            answers.push([reply.status, reply.headers.get('content-type')]);
        }
        return answers;
    }""")
    assert answers and all(status == 200 and kind.startswith("audio/wav")
                           for status, kind in answers), answers
