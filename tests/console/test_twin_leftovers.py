"""Twin leftovers: an oversized backtest is refused before any simulation; the page's service
level threshold defaults to the wallboard's."""

from __future__ import annotations

import pytest

import simulator.whatif
from app.api.twin_models import TwinAsk
from app.console.live_state import SERVICE_THRESHOLD_S
from tests.console.conftest import bearer
from tests.console.twin_seed import known_log, seed_log


@pytest.fixture(scope="module")
def log():
    return known_log()


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


def test_the_twin_form_and_api_default_to_the_wallboards_threshold(as_role):
    assert TwinAsk().sl_seconds == SERVICE_THRESHOLD_S == 60.0
    page = as_role("analyst").get("/console/twin").get_data(as_text=True)
    assert 'name="sl_seconds" min="1" value="60.0"' in page
