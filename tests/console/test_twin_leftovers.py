"""Twin leftovers: an oversized backtest is refused before any simulation; the page's service
level threshold defaults to the wallboard's."""

from __future__ import annotations

import simulator.whatif
from app.api.twin_models import TwinAsk
from app.console.live_state import SERVICE_THRESHOLD_S
from hold_policies.records import SERVICE_LEVEL_S
from tests.console.conftest import bearer
from tests.console.twin_seed import seed_log


def test_an_oversized_backtest_is_refused_before_the_whatif_runs(console_app, tokens, log,
                                                                 monkeypatch):
    seed_log(console_app.extensions["holdwell"].settings.database_url, log)

    def no_simulation(*_: object, **__: object) -> None:
        raise AssertionError("the what-if ran before backtest_days was checked")

    monkeypatch.setattr(simulator.whatif, "whatif", no_simulation)
    refused = console_app.test_client().post(
        "/api/v1/twin/whatif", headers=bearer(tokens["analyst"]),
        json={"policies": ["music_ads"], "replications": 2, "backtest_days": 14})
    body = refused.get_json()
    assert refused.status_code == 422 and "backtest_days" in body["fields"]
    assert "a backtest can hold out at most" in body["error"]
    fit = console_app.test_client().get("/api/v1/twin", headers=bearer(
        tokens["analyst"])).get_json()
    # days with calls, as `holdwell backtest` counts them (it had said "the window spans")
    assert f"the window has calls on {fit['days']} day(s)" in body["error"]


def test_the_twin_form_and_api_default_to_the_wallboards_threshold(as_role):
    assert TwinAsk().sl_seconds == SERVICE_THRESHOLD_S == SERVICE_LEVEL_S
    page = as_role("analyst").get("/console/twin").get_data(as_text=True)
    assert f'name="sl_seconds" min="1" value="{SERVICE_LEVEL_S:g}"' in page  # 20, not 20.0


def test_one_service_level_threshold_everywhere(as_role):
    """The report, the simulator and its CLI, the twin and the wallboard: one day's service
    level is one number (they defaulted to 20 s in some places and 60 s in others)."""
    from analytics.metrics import SERVICE_THRESHOLD_S as REPORT_S
    from cli.simulate_commands import erlang_command
    from cli.twin_commands import staffing_command
    from simulator.scenario import Scenario

    scenario_default = Scenario.__dataclass_fields__["service_level_s"].default
    defaults = {REPORT_S, SERVICE_THRESHOLD_S, scenario_default,
                TwinAsk().sl_seconds}
    defaults |= {next(p.default for p in command.params if p.name == "sl_seconds")
                 for command in (erlang_command, staffing_command)}
    assert defaults == {SERVICE_LEVEL_S}
    page = as_role("analyst").get("/console/").get_data(as_text=True)
    assert f"within {SERVICE_LEVEL_S:g} s of entering" in page


def test_a_refused_form_keeps_the_fit_of_its_window_beneath(seeded, as_role):
    """The fit section had vanished whenever the what-if form was refused (a bad number of
    replications hid the whole fitted line until it was put right)."""
    analyst = as_role("analyst")
    refused = analyst.get("/console/twin?run=1&replications=99&window_days=20")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Replications:" in text
    assert "<h2>The fit: " in text and "window 20 days" in text
    bad_window = analyst.get("/console/twin?run=1&window_days=0").get_data(as_text=True)
    assert "Days of log:" in bad_window and "<h2>The fit: " not in bad_window
