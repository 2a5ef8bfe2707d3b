"""A key a table cannot do without is said missing in words naming the table and how the key
is written, not as pydantic's "Field required" (`[queues.support.hours]` without a
timezone, a variant without its policy, an experiment without its arms)."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, parse_config


@pytest.mark.parametrize(("queue", "line"), [
    ({"hours": {"monday": "08:00-18:00"}},
     'queues.support.hours.timezone: missing: [queues.support.hours] needs this key, e.g. '
     'timezone = "Europe/London"'),
    ({"variants": {"v": {"prompts": {}}}},
     'queues.support.variants.v.policy: missing: [queues.support.variants.v] needs this key, '
     'e.g. policy = "checkin"'),
    ({"experiment": {"salt": "x"}},
     "queues.support.experiment.arms: missing: [queues.support.experiment] needs this key, "
     "e.g. arms = { checkin = 50, music_ads = 50 }"),
])
def test_a_missing_key_is_said_with_its_table_and_an_example(queue, line):
    with pytest.raises(ConfigError) as refused:
        parse_config({"queues": {"support": queue}}, "f.toml", as_written=True)
    assert f"  {line}" in str(refused.value).splitlines()
    assert "Field required" not in str(refused.value)
