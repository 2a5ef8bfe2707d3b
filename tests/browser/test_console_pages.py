"""The console in Chromium: sign in, watch a caller appear while signed webhooks arrive, change
a policy and hear the next /voice/wait follow it, cancel a callback, play a preview."""

from __future__ import annotations

from xml.etree import ElementTree

from tests.console.conftest import PASSWORD
from tests.support.live_server import post_signed
from tests.support.sids import sid

FROM = "+14155550100"


def sign_in(page, base: str, name: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/console/")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Wallboard')")
    page.wait_for_load_state("load")  # its stylesheet too: a loaded box had laid tiles out
    # before console.css came, and a test measuring them saw one tile a row


def webhook(base: str, path: str, **form: str):  # noqa: ANN202
    answer = post_signed(f"{base}{path}", {"From": FROM, **form}, timeout=10)
    assert answer.status == 200, (path, answer.status, answer.body)
    return answer


def wait_poll(base: str, call_id: str, queue_time: int, policy: str = "callback"):  # noqa: ANN201
    return webhook(base, f"/voice/wait?queue=support&policy={policy}", CallSid=call_id,
                   QueueTime=str(queue_time), QueuePosition="1", CurrentQueueSize="1")


def test_a_caller_appears_on_the_wallboard_while_webhooks_arrive(served, browser_page, shot):
    sign_in(browser_page, served, "analyst")
    assert browser_page.locator("tr[data-call]").count() == 0
    webhook(served, "/voice/incoming?queue=support", CallSid=sid("CAlive1"))
    wait_poll(served, sid("CAlive1"), 0)
    wait_poll(served, sid("CAlive1"), 70)  # a check-in: "what they were last told"
    row = browser_page.wait_for_selector(f"tr[data-call={sid('CAlive1')}]", timeout=8000)
    assert "Sorry" in row.inner_text()
    assert browser_page.locator("[data-queue=support] [data-metric=waiting]").inner_text() == "1"
    shot("wallboard")


def test_a_policy_change_is_what_the_next_wait_plays(served, browser_page, shot):
    sign_in(browser_page, served, "operator")
    webhook(served, "/voice/incoming?queue=support", CallSid=sid("CApol1"))
    before = wait_poll(served, sid("CApol1"), 70).body
    assert b"<Say" in before  # a callback policy's check-in
    browser_page.goto(f"{served}/console/policies/support")
    browser_page.select_option("select[name=policy]", "silence")
    browser_page.fill("input[name=note]", "quiet night")
    shot("policy-form")
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("text=Saved as config version 2")
    after = ElementTree.fromstring(wait_poll(served, sid("CApol1"), 140, policy="silence").body)
    assert after.find(".//Say") is None and after.find(".//Pause") is not None
    browser_page.goto(f"{served}/console/versions?show=2")
    assert '+policy = "silence"' in browser_page.inner_text("pre.diff")
    shot("versions")


def test_an_operator_cancels_a_callback(served, browser_page, shot, console_app):
    webhook(served, "/voice/incoming?queue=support", CallSid=sid("CAcb1"))
    wait_poll(served, sid("CAcb1"), 0)
    offer = webhook(served, "/voice/choice?queue=support&policy=callback", CallSid=sid("CAcb1"),
                    QueueTime="70", QueuePosition="1", CurrentQueueSize="1", Digits="2")
    action = ElementTree.fromstring(offer.body).find(".//Gather").get("action")
    webhook(served, action.removeprefix(served), CallSid=sid("CAcb1"), QueueTime="75",
            QueuePosition="1", CurrentQueueSize="1", Digits="1")
    from tests.support.callback_rows import attach_message

    recording = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"
    attach_message(console_app.extensions["holdwell"].store.engine, sid("CAcb1"),  # a message
                   recording, "my router is down")
    sign_in(browser_page, served, "operator")
    browser_page.goto(f"{served}/console/callbacks")
    row = browser_page.locator(f"tr[data-call={sid('CAcb1')}]")
    assert "pending" in row.inner_text()
    assert row.locator("a:has-text('listen')").get_attribute("href") == recording
    assert "my router is down" in row.locator("td.message").inner_text()
    row.locator("input[name=reason]").fill("customer emailed instead")
    shot("callbacks")
    row.locator("button:has-text('Cancel callback')").click()  # the tick box is required:
    assert "pending" in row.inner_text()  # the browser keeps the form from being sent
    browser_page.evaluate("document.querySelectorAll('form.stacked')"
                          ".forEach(f => f.noValidate = true)")  # the server's refusal:
    row.locator("button:has-text('Cancel callback')").click()  # said at the row (audit X2)
    error = row.locator("p.field-error")
    error.wait_for()
    assert error.inner_text().startswith("Not cancelled: tick the box")
    browser_page.wait_for_load_state("domcontentloaded")  # focus_error.js is deferred
    assert browser_page.evaluate("document.activeElement.id") == error.get_attribute("id")
    assert row.locator("input[name=reason]").input_value() == "customer emailed instead"
    assert row.locator("input[name=confirm]").get_attribute("aria-invalid") == "true"
    row.locator("input[name=confirm]").check()
    row.locator("button:has-text('Cancel callback')").click()
    browser_page.wait_for_selector(f"text=Callback {sid('CAcb1')} cancelled")
    assert "cancelled" in browser_page.locator(f"tr[data-call={sid('CAcb1')}]").inner_text()
    agent = webhook(served, "/voice/agent?queue=support", CallSid=sid("CAagent"))
    assert FROM.encode() not in agent.body  # the agent is not sent to ring them


def test_a_preview_plays_in_the_page(served, browser_page, shot):
    sign_in(browser_page, served, "analyst")
    browser_page.goto(f"{served}/console/preview")
    browser_page.fill("input[name=position]", "2")
    browser_page.fill("input[name=minutes]", "2")
    browser_page.select_option("select[name=queue]", "sales")
    browser_page.click("button:has-text('Preview')")
    browser_page.wait_for_selector("audio")
    assert "You are number 2 in line" in browser_page.inner_text("table")
    played = browser_page.evaluate("""async () => {
        const audio = document.querySelector('audio');
        audio.muted = true;
        await audio.play();
        await new Promise(done => setTimeout(done, 1500));
        return {time: audio.currentTime, duration: audio.duration};
    }""")
    assert played["time"] > 0.5 and played["duration"] > 60
    shot("preview")


def test_every_page_reads_well_with_data(served, console_app, browser_page, shot, clock):
    """Screenshots of each page with a day's worth of rows, for a person to look at."""
    from datetime import timedelta

    from sqlalchemy import insert

    from app.storage.schema import calls

    sign_in(browser_page, served, "admin")
    browser_page.goto(f"{served}/console/experiments")
    browser_page.fill("[data-queue=support] input[name=weight_checkin]", "1")
    browser_page.fill("[data-queue=support] input[name=weight_music_ads]", "1")
    browser_page.click("[data-queue=support] button:has-text('Start split')")
    browser_page.wait_for_selector("text=A/B split on support started")
    clock.advance(3 * 3600)  # two hours of calls after the split started
    now = clock.now()
    rows = [{"call_id": f"CAd{n}", "queue": "support", "policy": arm, "arm": arm,
             "from_number": f"+1415555{n:04d}", "arrived_at": now - timedelta(minutes=n),
             "entered_at": now - timedelta(minutes=n), "wait_s": 20.0 + n,
             "outcome": "abandoned" if n % (3 if arm == "music_ads" else 9) == 0 else "answered"}
            for n in range(1, 120) for arm in [("checkin", "music_ads")[n % 2]]]
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(calls), rows)
    browser_page.goto(f"{served}/console/experiments")
    assert browser_page.locator("text=leaves fewer callers unserved").count() == 1
    shot("experiments")
    for name, path in [("unserved", "/console/unserved"), ("people", "/console/people"),
                       ("policies", "/console/policies"), ("versions", "/console/versions"),
                       ("wallboard-today", "/console/")]:
        response = browser_page.goto(f"{served}{path}")
        assert response.status == 200, path
        shot(name)
    browser_page.goto(f"{served}/console/unserved")
    assert browser_page.locator("tr[data-call]").count() > 10


def test_saving_an_untouched_form_keeps_a_silent_prompt_and_no_voice(served, browser_page,
                                                                      console_app):
    """A prompt set to say nothing ("") and voice = "" (Twilio's own) survive a save that
    changes only another field: an empty box is the default only when its tick is off."""
    from app.storage import config_versions

    engine = console_app.extensions["holdwell"].store.engine
    active = config_versions.get(engine).config()
    support = active.queues["support"].model_copy(update={
        "voice": None, "prompts": active.queues["support"].prompts.model_copy(
            update={"apology": ""})})
    config_versions.add(engine, active.model_copy(
        update={"queues": {**active.queues, "support": support}}), author="operator",
        note="silent apology, Twilio's voice", now=console_app.extensions["holdwell"].clock.now())
    sign_in(browser_page, served, "operator")
    browser_page.goto(f"{served}/console/policies/support")
    browser_page.fill("input[name='checkin.interval_s']", "90")
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("text=Saved as config version")
    saved = config_versions.get(engine).config().queues["support"]
    assert saved.checkin.interval_s == 90
    assert saved.voice is None and saved.prompts.apology == ""
