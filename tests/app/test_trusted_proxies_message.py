"""HOLDWELL_TRUSTED_PROXIES=-1 had been told "must be a whole number", which it is: the
refusal says what is allowed (operator audit 35, D11)."""

from __future__ import annotations

import pytest

from app.settings import Settings, SettingsError


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_a_bad_proxy_count_is_refused_saying_what_is_allowed(value):
    with pytest.raises(SettingsError, match=r"^HOLDWELL_TRUSTED_PROXIES must be a whole "
                                            r"number, 0 or more \(the reverse proxies"):
        Settings.from_env({"HOLDWELL_TRUSTED_PROXIES": value})
