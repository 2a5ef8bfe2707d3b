"""Stopping a split in Chromium: a stop confirmed on a page that showed another split is
refused, and a stale confirmation posted again adds no second version."""

from __future__ import annotations

from tests.browser.test_console_pages import sign_in


def start_split(page, base: str, queue: str, **weights: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/console/experiments")
    card = page.locator(f"section[data-queue={queue}]")
    for arm, weight in weights.items():
        card.locator(f"input[name=weight_{arm}]").fill(weight)
    card.locator("button[value=start]").click()
    page.wait_for_selector(f"text=/A\\/B split on {queue} (started|changed)/")


def test_a_split_started_while_the_stop_was_reviewed_keeps_running(served, browser, shot):
    a, b = (browser.new_context().new_page() for _ in range(2))
    sign_in(a, served, "operator")
    sign_in(b, served, "admin")
    start_split(a, served, "sales", checkin="1", silence="1")
    a.goto(f"{served}/console/experiments")
    # the way to stop a split looks as the stop itself does: in the danger colour (--bad)
    assert a.eval_on_selector("text=Stop the split on sales",
                              "el => getComputedStyle(el).color") == "rgb(180, 35, 24)"
    a.click("text=Stop the split on sales")
    running = "Running now: checkin 1 (50%), silence 1 (50%)"  # stored by name
    assert running in a.inner_text("main")
    start_split(b, served, "sales", silence="", music_ads="1")  # meanwhile, B's split
    a.fill("input[name=note]", "stop trial X")
    a.click("main button[type=submit]")
    a.wait_for_selector(".flash.error")
    assert a.url.endswith("/console/experiments/sales/stop")
    assert "Not stopped: the split on sales changed since you looked" in a.inner_text(".flash")
    assert "Running now: checkin 1 (50%), music_ads 1 (50%)" in a.inner_text("main")
    b.goto(f"{served}/console/experiments")
    assert "running" in b.inner_text("section[data-queue=sales] h2")
    a.context.close()
    b.context.close()


def test_a_stale_confirmation_posted_again_adds_no_second_version(served, browser_page, shot):
    """The reviewer's Back then Stop again: a page kept from before the stop (here a second
    tab; Chromium's back-forward cache keeps one the same way) is posted once more."""
    page = browser_page
    sign_in(page, served, "operator")
    start_split(page, served, "sales", checkin="1", silence="1")
    page.click("text=Stop the split on sales")
    stale = page.context.new_page()
    stale.goto(page.url)
    page.fill("input[name=note]", "stop before real calls")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=The split on sales is stopped")
    stale.click("main button[type=submit]")
    stale.wait_for_selector(".flash.error")
    assert "No split is running on sales." in stale.inner_text("main")
    page.goto(f"{served}/console/versions")
    assert page.locator("tbody tr").count() == 3  # the seed, the start, one stop
    assert page.locator("td:has-text('stop before real calls')").count() == 1
    shot("stop-twice-refused")


def test_enter_pressed_twice_on_the_policy_form_is_saved_once_and_no_conflict(served,
                                                                               browser_page):
    """Two POSTs from the same form: the page had said "Saved as config version 2" and
    "Not saved: this queue changed since you opened it (version 2 by operator)" at once,
    titled "Error: " (console audit 34, D3). The two POSTs race, so on that code this
    caught it in about half the runs; test_policy_lost_update's test of the repeat always
    does."""
    page = browser_page
    sign_in(page, served, "operator")
    page.goto(f"{served}/console/policies/sales")
    page.fill("[name='prompts.apology']", "Sorry, we are busy today.")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.focus("[name=note]")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.wait_for_timeout(1500)
    page.wait_for_selector("main h1")
    said = " ".join(page.locator(".flash").all_inner_texts())
    assert len(posts) >= 1 and page.locator("#conflict").count() == 0, (len(posts), said)
    assert not page.title().startswith("Error"), said
    assert "Saved as config version 2" in said or "No change" in said, said
