"""Values in `config check`'s lines are said as the file writes them: `true`, not Python's
`True` (a warning had advised "set callback.ask_reason" beside "ask_reason = False", which,
copied into the file, is no TOML), and a date or time as TOML spells it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hold_policies.config import ConfigError, parse_config

LINE = {"line": {"support_number": "+14155550100"}}


def test_an_ineffective_knob_is_warned_of_in_toml():
    config = parse_config({**LINE, "queues": {"support": {
        "policy": "callback", "checkin": {"ask_reason": True, "first_checkin_s": 30},
        "callback": {}}}}, as_written=True)
    warnings = config.warnings()
    assert any("checkin.ask_reason = true has no effect" in w and "(ask_reason = false there)"
               in w for w in warnings), warnings
    assert any("checkin.first_checkin_s = 30 has no effect" in w
               and "(first_checkin_s = (not set) there)" in w for w in warnings), warnings
    assert not any("True" in w or "False" in w or "None" in w for w in warnings)


@pytest.mark.parametrize(("data", "got"), [
    ({"queues": {"support": {"max_size": True}}}, "(got true)"),
    ({"queues": {"support": {"hours": {"timezone": "UTC", "monday": "08:00-18:00",
                                       "closed": [datetime(2026, 12, 25, 9, 0)]}}}},
     "(got 2026-12-25T09:00:00)"),
    ({"queues": {"support": {"hours": {"timezone": "UTC", "monday": "08:00-18:00",
                                       "closed": date(2026, 12, 25)}}}}, "(got 2026-12-25)"),
])
def test_a_refused_value_is_shown_as_the_file_wrote_it(data, got):
    with pytest.raises(ConfigError) as refused:
        parse_config(data, as_written=True)
    assert got in str(refused.value), str(refused.value)
    assert "datetime" not in str(refused.value) and "True" not in str(refused.value)
