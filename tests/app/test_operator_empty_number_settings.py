"""A number setting left empty in the environment (`HOLDWELL_DB_BUDGET_MS=` in an env file)
runs on its default, as every other variable left empty does; blanks around a number are
not part of it. Both had stopped the app ("... (got '')")."""

from __future__ import annotations

import pytest

from app.settings import Settings, SettingsError


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_number_setting_is_its_default(value):
    settings = Settings.from_env({"HOLDWELL_DB_BUDGET_MS": value,
                                  "HOLDWELL_TRUSTED_PROXIES": value,
                                  "HOLDWELL_TWIN_LIMIT_S": value})
    assert (settings.db_budget_s, settings.proxy_count, settings.twin_limit_s) == (0.5, 0, 20.0)


def test_blanks_around_a_number_are_not_part_of_it():
    settings = Settings.from_env({"HOLDWELL_DB_BUDGET_MS": " 800\n",
                                  "HOLDWELL_TRUSTED_PROXIES": "1 ",
                                  "HOLDWELL_TWIN_LIMIT_S": " 30"})
    assert (settings.db_budget_s, settings.proxy_count, settings.twin_limit_s) == (0.8, 1, 30.0)


@pytest.mark.parametrize(("name", "value"), [("HOLDWELL_DB_BUDGET_MS", "5 00"),
                                             ("HOLDWELL_TRUSTED_PROXIES", "x"),
                                             ("HOLDWELL_TWIN_LIMIT_S", "0")])
def test_a_bad_number_is_still_refused_by_name(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})
