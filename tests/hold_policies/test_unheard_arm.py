"""An arm whose share of callers is below 1% is refused by name: weights 1e-300 and 1 had
been accepted ("checkin 1e-300 (0%)"), a split one of whose arms no caller ever gets
(operator audit B3). Checked as written (console, API, `holdwell config check`); a version
stored before still loads."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import cli
from hold_policies.config import ConfigError, parse_config


def split(**arms: float) -> dict:
    return {"queues": {"sales": {"experiment": {"arms": arms}}}}


def test_an_arm_under_one_percent_is_refused_by_name(tmp_path):
    with pytest.raises(ConfigError) as refused:
        parse_config(split(checkin=1e-300, silence=1), as_written=True)
    assert "queues.sales.experiment.arms: arm 'checkin' would get under 1% of callers " \
        "(weight 1e-300: 0.00% of callers)" in str(refused.value)
    assert parse_config(split(checkin=1, silence=99), as_written=True)  # 1% exactly
    assert parse_config(split(checkin=1e-300, silence=1)).queues["sales"].experiment  # stored
    path = tmp_path / "holdwell.toml"
    path.write_text('[queues.sales.experiment]\narms = { checkin = 0.001, silence = 1 }\n',
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code and "arm 'checkin' would get under 1% of callers" in result.output


def test_weights_too_large_to_add_up_are_refused_in_shares_never_as_infinite():
    """1e308 twice adds up to inf: the message had said "of inf in all"."""
    with pytest.raises(ConfigError) as refused:
        parse_config(split(checkin=1e306, silence=1e308, music=1e308), as_written=True)
    said = str(refused.value)
    assert "arm 'checkin' would get under 1% of callers (weight 1e+306: 0.50% of " \
        "callers)" in said and "inf" not in said
