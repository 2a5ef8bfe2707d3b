"""A queue's own policy set while a split without it runs: nobody hears it until the split
stops. The save had said only "Saved", and the wallboard headed the queue with the policy
nobody heard, where the preview said "not in the split" (console audit 34, D6)."""

from __future__ import annotations

import html

from hold_policies.config import parse_config
from tests.console.conftest import bearer

LINE = {"support_number": "+14155550000"}
UNHEARD = "queues.support.policy = 'music_ads': no caller hears it while the split runs"


def test_the_config_warns_of_a_policy_no_caller_hears():
    config = parse_config({"line": LINE, "queues": {"support": {
        "policy": "music_ads", "experiment": {"arms": {"checkin": 1, "callback": 1}}}}})
    assert any(line.startswith(UNHEARD) for line in config.queues["support"].warnings("support"))
    heard = parse_config({"line": LINE, "queues": {"support": {
        "policy": "checkin", "experiment": {"arms": {"checkin": 1, "callback": 1}}}}})
    assert not any("no caller hears" in line
                   for line in heard.queues["support"].warnings("support"))


def test_saving_it_warns_and_the_wallboard_shows_the_split(console_app, as_role, tokens):
    operator = as_role("operator")
    assert operator.post("/console/experiments/support", {
        "weight_checkin": "1", "weight_callback": "1"}).status_code == 303
    saved = operator.post("/console/policies/support", {"policy": "music_ads"},
                          follow_redirects=True)
    said = html.unescape(saved.get_data(as_text=True))
    assert "Saved as config version" in said and f"Warning: {UNHEARD}" in said
    board = html.unescape(operator.get("/console/").get_data(as_text=True))
    support = board.split('data-queue="support"')[1].split("</section>")[0]
    assert "split: callback 50% · checkin 50%" in support
    assert "Its own policy, music_ads, is not in the split: nobody hears it now." in support
    queues = console_app.test_client().get("/api/v1/queues",
                                           headers=bearer(tokens["analyst"])).get_json()
    mine = {q["queue"]: q for q in queues["queues"]}
    assert mine["support"]["split"] == {"callback": 0.5, "checkin": 0.5}
    assert mine["sales"]["split"] == {} and mine["sales"]["policy"] == "checkin"
