"""parse_config's pruning (naming every problem) keeps every bad file a ConfigError: a key
nested hundreds deep (a dotted TOML key) or thousands of bad keys are named, not a crash."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, load_config, parse_config


def test_a_deeply_nested_unknown_key_is_a_config_error_not_a_recursion_error(tmp_path):
    path = tmp_path / "holdwell.toml"
    path.write_text("[queues.support]\nbogus" + ".a" * 600 + " = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"queues\.support\.bogus: unknown key"):
        load_config(path, as_written=True)


def test_deep_variant_settings_beside_a_bad_key_is_a_config_error():
    deep: object = 1
    for _ in range(600):
        deep = {"a": deep}
    data = {"queues": {"support": {
        "max_size": 0,
        "variants": {"v1": {"policy": "checkin", "settings": {"interval_s": deep}}}}}}
    with pytest.raises(ConfigError, match=r"queues\.support\.max_size"):
        parse_config(data)


def test_many_unknown_keys_are_each_named_and_the_file_left_as_given():
    data = {"queues": {"support": {f"k{i}": 1 for i in range(3000)}}}
    with pytest.raises(ConfigError, match="3000 problem") as refused:
        parse_config(data)
    assert "queues.support.k2999: unknown key" in str(refused.value)
    assert len(data["queues"]["support"]) == 3000  # the caller's data is not pruned in place
