"""HOLDWELL_TWIN_LIMIT_S is an environment variable, read and checked with the other settings."""

from __future__ import annotations

import pytest

from app.settings import Settings, SettingsError
from tests.console.conftest import bearer
from tests.console.twin_seed import known_log, seed_log


def test_the_limit_is_read_from_the_environment() -> None:
    assert Settings.from_env({"HOLDWELL_TWIN_LIMIT_S": "45"}).twin_limit_s == 45.0
    assert Settings.from_env({}).twin_limit_s == 20.0


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "0", "-5", "601"])
def test_a_bad_limit_names_the_variable(text: str) -> None:
    with pytest.raises(SettingsError, match="HOLDWELL_TWIN_LIMIT_S must be a number of seconds"):
        Settings.from_env({"HOLDWELL_TWIN_LIMIT_S": text})


def test_the_whatif_stops_at_the_limit_from_settings(make_app, console_app, tokens):
    settings = console_app.extensions["holdwell"].settings
    seed_log(settings.database_url, known_log())
    console_app.extensions["holdwell"].settings = type(settings)(
        **{**settings.__dict__, "twin_limit_s": 1e-9})
    reply = console_app.test_client().post(
        "/api/v1/twin/whatif", json={"policies": ["music_ads"], "replications": 4},
        headers=bearer(tokens["analyst"]))
    assert reply.status_code == 409 and "stopped after 1e-09 s" in reply.get_json()["error"]
