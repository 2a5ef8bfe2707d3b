"""The Twin on a log it cannot fit answers 409 with the reason, and a staffing plan that
stops short of its target says so in the JSON (never a 500, never a silent miss)."""

from __future__ import annotations

from simulator import staff_plan
from tests.console.conftest import bearer
from tests.console.twin_seed import seed_log


def test_a_log_with_one_answered_call_is_a_409_that_says_why(console_app, tokens, log):
    thin = log.head(300).copy()
    answered = thin.index[thin["outcome"] == "answered"]
    thin.loc[answered[1:], "outcome"] = "abandoned"
    seed_log(console_app.extensions["holdwell"].settings.database_url, thin)
    client = console_app.test_client()
    for reply in (client.get("/api/v1/twin", headers=bearer(tokens["analyst"])),
                  client.post("/api/v1/twin/whatif", json={"replications": 2},
                              headers=bearer(tokens["analyst"]))):
        assert reply.status_code == 409, reply.get_data(as_text=True)
        assert "cannot be fitted" in reply.get_json()["error"]
        assert "talk time: 1 answered call" in reply.get_json()["error"]


def strict_staffing(console_app, tokens, log):  # noqa: ANN001, ANN201 - fixtures, a reply
    """The known log seeded, and a what-if asked for a 0.1% unserved staffing target."""
    seed_log(console_app.extensions["holdwell"].settings.database_url, log)
    body = {"policies": ["music_ads"], "replications": 2, "target_unserved": 0.001}
    reply = console_app.test_client().post("/api/v1/twin/whatif", json=body,
                                           headers=bearer(tokens["analyst"]))
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return reply


def test_a_staffing_plan_short_of_its_target_says_not_met(console_app, tokens, log,
                                                          monkeypatch):
    monkeypatch.setattr(staff_plan, "MAX_ROUNDS", 1)
    reply = strict_staffing(console_app, tokens, log)
    plan = reply.get_json()["staffing"]
    assert plan["target_met"] == {"music_ads": False}
    missed = plan["missed_half_hours"]["music_ads"]
    assert missed and all(not row["met"]["music_ads"] for row in plan["rows"]
                          if row["start"] in missed)
    assert any("NOT MET" in note for note in reply.get_json()["notes"])


def test_the_page_marks_a_staffing_plan_short_of_its_target(console_app, as_role, log,
                                                            monkeypatch):
    monkeypatch.setattr(staff_plan, "MAX_ROUNDS", 1)
    seed_log(console_app.extensions["holdwell"].settings.database_url, log)
    page = as_role("analyst").get("/console/twin?run=1&policies=music_ads&replications=2"
                                  "&target_unserved=0.001")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "music_ads: target NOT MET in" in text
    assert "lower bound" in text and "≥ " in text


def test_a_target_too_tight_for_the_simulated_calls_is_not_called_plainly_met(
        console_app, tokens, as_role, log):
    reply = strict_staffing(console_app, tokens, log)
    plan = reply.get_json()["staffing"]
    unsure = plan["too_few_calls_half_hours"]["music_ads"]
    assert plan["target_met"] == {"music_ads": True} and unsure
    for row in plan["rows"]:
        bound = row["too_few_calls_bound"]["music_ads"]
        assert (bound is not None) == (row["start"] in unsure)
        assert bound is None or (bound > 0.001 and row["figure"]["music_ads"]["mean"] == 0)
    assert any("too few were simulated" in note for note in reply.get_json()["notes"])
    page = as_role("analyst").get("/console/twin?run=1&policies=music_ads&replications=2"
                                  "&target_unserved=0.001")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "music_ads: too few simulated calls to show the target met in" in text
    assert "0.00% ±0.00" not in text and "0.0% ≤" in text
