"""Experiments: start and stop a split (as config versions), live counts per arm, and the
intention-to-treat comparison computed by analytics."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert

from app.storage import config_versions
from app.storage.schema import calls
from tests.console.conftest import Console, bearer


def test_start_and_stop_a_split_as_versions(console_app, tokens, as_role):
    client = console_app.test_client()
    started = client.put("/api/v1/experiments/support", headers=bearer(tokens["operator"]),
                         json={"arms": {"checkin": 50, "music_ads": 50}, "note": "A/B"})
    assert started.status_code == 200 and started.get_json()["running"] is True
    svc = console_app.extensions["holdwell"]
    assert dict(svc.config.queues["support"].experiment.arms) == {"checkin": 50,
                                                                 "music_ads": 50}
    assert ("support", "music_ads") in svc.policies
    one_arm = client.put("/api/v1/experiments/support", headers=bearer(tokens["operator"]),
                         json={"arms": {"checkin": 50}})
    assert one_arm.status_code == 422 and "arms" in one_arm.get_json()["fields"]
    page = as_role("operator")
    stopped = page.post("/console/experiments/support", {"action": "stop"},
                        follow_redirects=True)
    assert "stopped" in stopped.get_data(as_text=True)
    assert svc.config.queues["support"].experiment is None
    assert page.post("/console/experiments/support", {"weight_checkin": "1",
                                                      "weight_silence": "2"}).status_code == 303
    assert dict(svc.config.queues["support"].experiment.arms) == {"checkin": 1, "silence": 2}


@pytest.mark.parametrize("chunk_rows", [50_000, 7])
def test_arms_are_counted_and_compared_by_intention_to_treat(console_app, tokens, clock,
                                                              chunk_rows, monkeypatch):
    """Read a chunk at a time (a long split held a worker's gigabyte), the same answer."""
    from app.console import experiments

    monkeypatch.setattr(experiments, "CHUNK_ROWS", chunk_rows)
    client = console_app.test_client()
    client.put("/api/v1/experiments/support", headers=bearer(tokens["operator"]),
               json={"arms": {"checkin": 1, "music_ads": 1}})
    clock.advance(600)
    now = clock.now()
    rows = []
    for arm, unserved in (("checkin", 20), ("music_ads", 80)):
        for n in range(200):
            outcome = "abandoned" if n < unserved else "answered"
            rows.append({"call_id": f"{arm}{n}", "queue": "support", "policy": arm, "arm": arm,
                         "arrived_at": now - timedelta(seconds=n), "entered_at": now,
                         "outcome": outcome, "wait_s": 30.0})
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(calls), rows)
    state = client.get("/api/v1/experiments/support", headers=bearer(tokens["analyst"])).get_json()
    by_arm = {r["arm"]: r for r in state["results"]}
    assert by_arm["checkin"]["calls"] == 200 and by_arm["checkin"]["unserved_rate"] == 0.1
    assert by_arm["music_ads"]["unserved_rate"] == 0.4
    checkin = by_arm["checkin"]
    assert checkin["unserved_rate_ci_low"] < 0.1 < checkin["unserved_rate_ci_high"]
    (comparison,) = state["comparisons"]
    assert abs(abs(comparison["difference"]) - 0.3) < 1e-9
    assert comparison["ci_low"] < comparison["difference"] < comparison["ci_high"]
    assert comparison["verdict"].startswith("checkin leaves fewer callers unserved")
    page = Console(console_app, "analyst").get("/console/experiments").get_data(as_text=True)
    assert "10.0%" in page and "40.0%" in page  # the arms' unserved rates
    assert re.search(r"[+-]30\.0 pp\s+\(95% CI [+-]\d+\.\d pp to [+-]\d+\.\d pp\)", page)


def test_the_split_keeps_its_start_however_many_versions_follow(console_app, tokens, clock):
    """Edits to another queue add versions; the split's start is still its first version."""
    from app.storage import config_versions

    client = console_app.test_client()
    client.put("/api/v1/experiments/sales", headers=bearer(tokens["operator"]),
               json={"arms": {"checkin": 1, "silence": 1}})
    clock.advance(60)
    rows = [{"call_id": f"early{n}", "queue": "sales", "policy": arm, "arm": arm,
             "arrived_at": clock.now(), "entered_at": clock.now(), "outcome": "answered",
             "wait_s": 10.0} for n, arm in enumerate(["checkin", "silence"] * 5)]
    svc = console_app.extensions["holdwell"]
    with svc.store.engine.begin() as conn:
        conn.execute(insert(calls), rows)
    active = config_versions.get(svc.store.engine).config()
    for n in range(config_versions.LIST_LIMIT + 5):  # more than the versions page lists
        clock.advance(60)
        config_versions.add(svc.store.engine, active, author="operator",
                            note=f"support tweak {n}", now=clock.now())
    state = client.get("/api/v1/experiments/sales", headers=bearer(tokens["analyst"])).get_json()
    assert {r["arm"]: r["calls"] for r in state["results"]} == {"checkin": 5, "silence": 5}


def test_a_handful_of_calls_per_arm_gets_no_winner(console_app, tokens, clock):
    """Three calls each, all lost in one arm and none in the other: the page named a winner
    (z-test p = 0.014); Fisher's exact p is 0.10 and three calls are too few to judge."""
    client = console_app.test_client()
    client.put("/api/v1/experiments/support", headers=bearer(tokens["operator"]),
               json={"arms": {"checkin": 1, "music_ads": 1}})
    clock.advance(600)
    now = clock.now()
    rows = [{"call_id": f"{arm}{n}", "queue": "support", "policy": arm, "arm": arm,
             "arrived_at": now - timedelta(seconds=n), "entered_at": now,
             "outcome": outcome, "wait_s": 30.0}
            for arm, outcome in (("checkin", "answered"), ("music_ads", "abandoned"))
            for n in range(3)]
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(calls), rows)
    state = client.get("/api/v1/experiments/support", headers=bearer(tokens["analyst"])).get_json()
    (comparison,) = state["comparisons"]
    assert comparison["p_value_holm"] == comparison["p_value"] == pytest.approx(0.1)
    assert comparison["verdict"].startswith("Too few calls to judge yet")


def test_each_arms_outcomes_add_up_to_its_calls(console_app, tokens, clock, as_role):
    """The arm table had answered, abandoned and callback failed only: a callback arm's
    connected callbacks, errors and overflow were in its calls and in no column (console
    audit 36, D1)."""
    client = console_app.test_client()
    client.put("/api/v1/experiments/support", headers=bearer(tokens["operator"]),
               json={"arms": {"checkin": 1, "callback": 1}})
    clock.advance(600)
    now = clock.now()
    outcomes = ["answered", "abandoned", "callback_connected", "callback_failed", "left",
                "error", "overflow", "voicemail"]
    rows = [{"call_id": f"{arm}{n}", "queue": "support", "policy": arm, "arm": arm,
             "arrived_at": now - timedelta(seconds=n), "entered_at": now, "outcome": outcome,
             "wait_s": 30.0, "callback_wait_s": 300.0 if outcome == "callback_connected"
             else None} for arm in ("checkin", "callback")
            for n, outcome in enumerate(outcomes)]
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(calls), rows)
    state = client.get("/api/v1/experiments/support", headers=bearer(tokens["analyst"])).get_json()
    for arm in state["results"]:
        counted = sum(arm[name] for name in ("answered", "abandoned", "callbacks_connected",
                                             "callbacks_failed", "left", "errors", "overflow",
                                             "voicemail"))
        assert counted == arm["calls"] == len(outcomes), arm
        assert arm["unserved_rate"] == pytest.approx(4 / 8)  # abandoned, failed, error, overflow
    page = as_role("analyst").get("/console/experiments").get_data(as_text=True)
    assert 'data-label="called back">1<' in page and "p (Holm-adjusted)" in page


def test_a_refused_split_keeps_the_weights_and_note_typed(as_role):
    """One weight only is refused; the page shows it with the weights and the note still in
    that queue's form (a redirect emptied them), and the other queues' forms as they were."""
    page = as_role("operator")
    refused = page.post("/console/experiments/support", {"action": "start",
                                                        "weight_checkin": "3",
                                                        "note": "trying one arm"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Not started" in html
    form = html[html.index('action="/console/experiments/support"'):]
    form = form[:form.index("</form>")]
    assert 'name="weight_checkin" value="3"' in form
    assert 'name="note" maxlength="500" value="trying one arm"' in form
    other = html[html.index('action="/console/experiments/sales"'):]
    assert 'value="trying one arm"' not in other[:other.index("</form>")]


def test_a_weight_of_zero_in_any_spelling_leaves_the_arm_out(console_app, as_role):
    """The number box (min 0, step any) lets an operator type 0.0; it was a refused split."""
    page = as_role("operator")
    started = page.post("/console/experiments/support", {
        "weight_checkin": "1", "weight_silence": "1.5", "weight_callback": "0.0",
        "weight_music_ads": "0e0"})
    assert started.status_code == 303
    svc = console_app.extensions["holdwell"]
    assert dict(svc.config.queues["support"].experiment.arms) == {"checkin": 1, "silence": 1.5}
    refused = page.post("/console/experiments/support", {"weight_checkin": "1",
                                                        "weight_silence": "lots"})
    assert refused.status_code == 422 and "weight" in refused.get_data(as_text=True).lower()


def test_every_reader_of_a_split_gets_the_shares_of_weights_too_big_to_add():
    """The draw had been fixed, but the preview's bar read 0% and 0%, and the saved
    version's note "(nan%)"."""
    from app.console.experiments import describe_arms
    from hold_policies.experiment import shares

    arms = {"checkin": 1e308, "music_ads": 1e308}
    assert shares(arms) == {"checkin": 0.5, "music_ads": 0.5}
    assert describe_arms(arms) == "checkin 1e+308 (50%), music_ads 1e+308 (50%)"
    assert shares({"checkin": 1.0, "silence": 3.0}) == {"checkin": 0.25, "silence": 0.75}


def test_a_save_that_restarts_the_count_says_so_and_the_page_says_since_when(
        console_app, tokens, clock, as_role):
    """After an edit to what a split's callers hear its results vanished from the page, with
    no word before or after (browser walk-through U12)."""
    client, token = console_app.test_client(), bearer(tokens["operator"])
    started = client.put("/api/v1/experiments/support", headers=token,
                         json={"arms": {"checkin": 1, "music_ads": 1}})
    assert started.get_json()["counting_since"] is not None
    clock.advance(600)
    size = client.patch("/api/v1/policies/support", headers=token,
                        json={"settings": {"max_size": 900}})  # no caller hears the size
    assert not [w for w in size.get_json()["warnings"] if "A/B split" in w]
    words = client.patch("/api/v1/policies/support", headers=token,
                         json={"settings": {"prompts": {"apology": "Sorry, truly."}}})
    assert [w for w in words.get_json()["warnings"]
            if w.startswith("queues.support runs an A/B split, and this changes what its "
                            "callers hear: the split's counts start again")]
    state = client.get("/api/v1/experiments/support", headers=token).get_json()
    assert state["counting_since"].startswith(clock.now().strftime("%Y-%m-%dT%H:%M"))
    page = as_role("analyst").get("/console/experiments").get_data(as_text=True)
    assert "Counting since " in page and "No finished calls in an experiment arm since then" \
        in page


def test_a_refused_weight_is_said_in_the_forms_words_at_its_box(as_role):
    """"Dictionary should have at least 2 items after validation" and "Input should be less
    than or equal to 1000" had stood in a banner, with no box marked (walk-through U11)."""
    import html

    page = as_role("operator")
    one = html.unescape(page.post("/console/experiments/support", {
        "action": "start", "weight_callback": "100"}).get_data(as_text=True))
    assert "Not started on support: give at least two arms a weight above 0 (you gave 1); " \
        "weights are relative (1 and 3 give 25% and 75%)" in one  # the queue named (X2)
    assert "Dictionary should have" not in one
    card = one[one.index('action="/console/experiments/support"'):]  # said at its form,
    card = card[:card.index("</form>")]  # not in a banner at the page's top (audit X2)
    said = re.search(r'<p class="field-error" id="(refused-\d+)" role="alert"[^>]*>'
                     r'Not started on support: give at least two', card)
    assert said and f'aria-describedby="{said.group(1)}"' in card
    assert 'class="flash error"' not in one and "<title>Error: Experiments" in one
    huge = html.unescape(page.post("/console/experiments/support", {
        "action": "start", "weight_silence": "1e308", "weight_checkin": "1"}
    ).get_data(as_text=True))
    assert "silence weight '1e308': weights are relative" in huge
    assert "Input should be" not in huge
    form = huge[huge.index('action="/console/experiments/support"'):]
    assert re.search(r'<label class="invalid">silence weight <input[^>]*aria-invalid="true"',
                     form[:form.index("</form>")])


def test_weights_show_as_they_round_trip_and_a_pin_of_the_heard_voice_restarts_nothing(
        console_app, tokens, clock, as_role):
    """"%g" had shown 0.1234567 as 0.123457, which an untouched form then stored as a new
    split; pinning the voice the language had chosen anyway restarted the count (review
    31b #2, #3)."""
    client, token = console_app.test_client(), bearer(tokens["operator"])
    client.patch("/api/v1/policies/support", headers=token,
                 json={"settings": {"language": "en-GB"}})
    client.put("/api/v1/experiments/support", headers=token,
               json={"arms": {"checkin": 0.1234567, "music_ads": 1}})
    page = as_role("operator").get("/console/experiments").get_data(as_text=True)
    assert 'name="weight_checkin" value="0.1234567"' in page
    assert 'name="weight_music_ads" value="1"' in page
    since = client.get("/api/v1/experiments/support", headers=token).get_json()
    clock.advance(600)
    pinned = client.patch("/api/v1/policies/support", headers=token,
                          json={"settings": {"voice": "Polly.Amy"}})  # en-GB's own
    assert pinned.get_json()["changed"] is True
    assert not [w for w in pinned.get_json()["warnings"] if "A/B split" in w]
    after = client.get("/api/v1/experiments/support", headers=token).get_json()
    assert after["counting_since"] == since["counting_since"]


def test_a_weight_that_is_not_a_number_is_said_to_be_one(console_app, tokens):
    """NaN (which Python's json reads) had been refused as "less than or equal to 1000 (got
    nan)" (API audit 33, D7)."""
    answer = console_app.test_client().put(
        "/api/v1/experiments/support", headers=bearer(tokens["operator"]),
        data='{"arms": {"checkin": NaN, "silence": 1}}', content_type="application/json")
    assert answer.status_code == 422
    assert answer.get_json()["fields"]["arms.checkin"].startswith("Input should be a finite "
                                                                  "number")


def test_a_refused_split_for_a_queue_gone_since_is_said_at_the_top(as_role, console_app):
    """Its card is gone, and the refusal had been said nowhere (review 33, R6)."""
    import html

    from app.storage import config_versions

    engine = console_app.extensions["holdwell"].store.engine
    config = config_versions.get(engine).config()
    config_versions.add(engine, config.model_copy(update={"queues": {
        "support": config.queues["support"]}}), author="test", note="sales gone",
        now=config_versions.get(engine).created_at)  # sales leaves after the page was read
    page = html.unescape(as_role("operator").post("/console/experiments/sales", {
        "action": "start", "weight_checkin": "1"}).get_data(as_text=True))
    top = page[page.index("<h1>"):page.index("<section")]
    assert "Not started on sales:" in top and "no longer in the config" in top


def test_an_arm_no_caller_would_get_is_refused_at_its_box(as_role, console_app, tokens):
    """Weights 1e-300 and 1 had started a split whose checkin arm nobody ever gets, as
    "checkin 1e-300 (0%)" (operator audit B3)."""
    import html

    page = html.unescape(as_role("operator").post("/console/experiments/support", {
        "action": "start", "weight_silence": "1000", "weight_checkin": "0.001"}
    ).get_data(as_text=True))
    assert "checkin weight '0.001': arm 'checkin' would get under 1% of callers" in page
    form = page[page.index('action="/console/experiments/support"'):]
    assert re.search(r'<label class="invalid">checkin weight <input[^>]*aria-invalid="true"',
                     form[:form.index("</form>")])
    api = console_app.test_client().put("/api/v1/experiments/support",
                                        headers=bearer(tokens["operator"]),
                                        json={"arms": {"checkin": 1e-300, "silence": 1}})
    assert api.status_code == 422 and "arm 'checkin' would get under 1%" in api.get_data(
        as_text=True)


def test_a_stored_split_with_an_unheard_arm_runs_and_a_save_names_it_until_mended(
        console_app, tokens, clock):
    """A version stored before the 1% rule still loads and runs; a save of any queue is then
    refused naming the split's key, as an unplaced timezone is (README), until it is mended."""
    from app.storage import config_versions
    from hold_policies.config import parse_config

    engine = console_app.extensions["holdwell"].store.engine
    body = {"line": {"support_number": "+14155550000"}, "queues": {
        "support": {"policy": "callback"},
        "sales": {"policy": "checkin", "experiment": {"arms": {"checkin": 0.001, "silence": 1}}}}}
    config_versions.add(engine, parse_config(body), author="before", note="", now=clock.now())
    api = console_app.test_client()
    patched = api.patch("/api/v1/policies/support", headers=bearer(tokens["operator"]),
                        json={"settings": {"prompts": {"apology": "Sorry."}}})
    assert patched.status_code == 422
    assert "queues.sales.experiment.arms" in patched.get_data(as_text=True)
    mended = api.put("/api/v1/experiments/sales", headers=bearer(tokens["operator"]),
                     json={"arms": {"checkin": 1, "silence": 1}})
    assert mended.status_code == 200, mended.get_data(as_text=True)
    assert api.patch("/api/v1/policies/support", headers=bearer(tokens["operator"]),
                     json={"settings": {"prompts": {"apology": "Sorry."}}}).status_code == 200


def test_the_flash_and_the_versions_note_list_arms_by_name_as_stored(console_app, as_role):
    """Typed silence first, stored checkin first: the note and the flash follow the store."""
    page = as_role("operator")
    started = page.post("/console/experiments/support", {"weight_silence": "1",
                                                         "weight_checkin": "3"},
                        follow_redirects=True).get_data(as_text=True)
    assert "started: checkin 3 (75%), silence 1 (25%)." in started
    with console_app.extensions["holdwell"].store.engine.connect() as conn:
        newest = next(iter(config_versions.newest_first(conn)))
    assert newest.note == "support: start A/B split: checkin 3 (75%), silence 1 (25%)"


def test_a_running_split_says_its_arms_and_shares_to_every_role(console_app, tokens, as_role):
    """The card said only "running": an analyst (no weight boxes) could not tell which arms
    ran, nor at what share, until each had finished calls, and an operator read raw weights."""
    client = console_app.test_client()
    client.put("/api/v1/experiments/support", headers=bearer(tokens["operator"]),
               json={"arms": {"checkin": 3, "music_ads": 1}, "note": "A/B"})
    for role in ("analyst", "operator"):
        page = as_role(role).get("/console/experiments").get_data(as_text=True)
        card = page[page.index('data-queue="support"'):page.index('data-queue="sales"')]
        assert "Running now: checkin 3 (75%), music_ads 1 (25%)." in card
        assert "Running now" not in page[page.index('data-queue="sales"'):]


def test_changing_a_running_splits_weights_says_changed_and_that_counts_restart(as_role):
    """New weights for a running split were flashed as "A/B split on support started", with
    no word that its counts (the page's results) start again from that version."""
    page = as_role("operator")
    page.post("/console/experiments/support", {"action": "start", "weight_checkin": "1",
                                                "weight_silence": "1"}, follow_redirects=True)
    changed = page.post("/console/experiments/support", {
        "action": "start", "weight_checkin": "3", "weight_silence": "1"},
        follow_redirects=True).get_data(as_text=True)
    assert ("A/B split on support changed: checkin 3 (75%), silence 1 (25%) (was checkin 1 "
            "(50%), silence 1 (50%)); its counts start again from this version") in changed
    assert "split on support started" not in changed


def test_a_refused_change_to_a_running_split_says_not_changed(as_role):
    """A refused weight for a running split was said as "Not started on support", of a split
    that was running all along."""
    page = as_role("operator")
    page.post("/console/experiments/support", {"action": "start", "weight_checkin": "1",
                                                "weight_silence": "1"}, follow_redirects=True)
    refused = page.post("/console/experiments/support", {
        "action": "start", "weight_checkin": "-1", "weight_silence": "1"})
    said = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Not changed on support: checkin weight" in said
    assert "Not started on support" not in said
