""""Stop the split" stops the split its confirmation page showed, or nothing.

The page posted neither the arms nor the version it showed, so a split someone else started
meanwhile was the one stopped, and Back then Stop again added a second "stop" version. The
form now posts the version it showed (`active`), and a queue changed since is refused, back
on the page with what runs now (as a roll-back is).
"""

from __future__ import annotations

import re

from app.console import config_changes
from app.storage import config_versions
from tests.console.conftest import bearer


def reviewed(page: str) -> dict[str, str]:
    """The confirmation form's fields, as the browser would post them."""
    fields = dict(re.findall(r'<input type="hidden" name="(action|active)" value="([^"]*)"',
                             page))
    return {**fields, "note": "stop trial X"}


def arms_of(app) -> dict | None:  # noqa: ANN001
    experiment = config_changes.active_config(app.extensions["holdwell"]).queues[
        "sales"].experiment
    return experiment.arms if experiment else None


def test_a_split_started_after_the_page_was_read_is_not_stopped(as_role, console_app, tokens):
    client, token = console_app.test_client(), bearer(tokens["admin"])
    client.put("/api/v1/experiments/sales", headers=token,
               json={"arms": {"checkin": 1, "silence": 1}, "note": "trial X"})
    operator = as_role("operator")
    page = operator.get("/console/experiments/sales/stop").get_data(as_text=True)
    assert "Running now: checkin 1 (50%), silence 1 (50%)" in page
    client.put("/api/v1/experiments/sales", headers=token,  # meanwhile, another split
               json={"arms": {"checkin": 1, "music_ads": 1}, "note": "trial Y"})
    refused = operator.post("/console/experiments/sales", reviewed(page))
    assert refused.status_code == 303
    assert refused.headers["Location"].endswith("/console/experiments/sales/stop")
    again = operator.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Not stopped: the split on sales changed since you looked (version 3 by admin); " \
           "here is what runs now." in again
    assert "Running now: checkin 1 (50%), music_ads 1 (50%)" in again
    assert arms_of(console_app) == {"checkin": 1, "music_ads": 1}
    assert operator.post("/console/experiments/sales", reviewed(again)).status_code == 303
    assert arms_of(console_app) is None  # confirmed on the page that showed it: stopped


def test_back_then_stop_again_adds_no_second_version(as_role, console_app):
    operator = as_role("operator")
    operator.post("/console/experiments/sales", {
        "action": "start", "weight_checkin": "1", "weight_silence": "1"})
    page = operator.get("/console/experiments/sales/stop").get_data(as_text=True)
    assert operator.post("/console/experiments/sales", reviewed(page)).status_code == 303
    engine = console_app.extensions["holdwell"].store.engine
    stopped = config_versions.get(engine).number
    again = operator.post("/console/experiments/sales", reviewed(page), follow_redirects=True)
    assert "Not stopped: the split on sales changed since you looked" in again.get_data(
        as_text=True)
    assert "No split is running on sales." in again.get_data(as_text=True)
    assert config_versions.get(engine).number == stopped


def test_a_split_changed_from_a_page_read_before_another_change_is_refused(as_role, console_app,
                                                                            tokens):
    """The start/change form posts the version its page showed too: two operators setting
    the split at once no longer see the last one silently win."""
    operator = as_role("operator")
    page = operator.get("/console/experiments").get_data(as_text=True)
    shown = re.search(r'<input type="hidden" name="active" value="(\d+)"', page).group(1)
    console_app.test_client().put(  # meanwhile another operator starts a split
        "/api/v1/experiments/sales", headers=bearer(tokens["admin"]),
        json={"arms": {"checkin": 1, "music_ads": 1}, "note": "theirs"})
    refused = operator.post("/console/experiments/sales", {
        "action": "start", "active": shown, "weight_checkin": "1", "weight_silence": "1"},
        follow_redirects=True)
    assert "Not changed: the queue sales changed since you looked" in \
        refused.get_data(as_text=True)
    assert arms_of(console_app) == {"checkin": 1, "music_ads": 1}
    fresh = operator.get("/console/experiments").get_data(as_text=True)
    now = re.search(r'<input type="hidden" name="active" value="(\d+)"', fresh).group(1)
    operator.post("/console/experiments/sales", {
        "action": "start", "active": now, "weight_checkin": "1", "weight_silence": "1"})
    assert arms_of(console_app) == {"checkin": 1, "silence": 1}
