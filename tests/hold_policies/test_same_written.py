"""What "stored alike" means: a table's keys in any order where order means nothing, the
queues in theirs (the first takes the calls that name no queue)."""

from __future__ import annotations

from hold_policies.config import HoldwellConfig, QueueConfig, same_written

VARIANTS = {"short": {"policy": "checkin", "settings": {"interval_s": 90, "keep_key": "1"}},
            "calm": {"policy": "silence"}}


def queue(arms: dict[str, float], variants: dict) -> QueueConfig:  # noqa: ANN001
    return QueueConfig.model_validate({"variants": variants,
                                       "experiment": {"arms": arms}})


def test_arms_variants_and_a_variants_settings_in_another_order_are_alike():
    one = queue({"silence": 1, "checkin": 1, "short": 2}, VARIANTS)
    other = queue({"short": 2, "checkin": 1, "silence": 1}, {
        "calm": VARIANTS["calm"],
        "short": {"policy": "checkin", "settings": {"keep_key": "1", "interval_s": 90}}})
    assert same_written(one, other)
    assert not same_written(one, queue({"silence": 1, "checkin": 2, "short": 2}, VARIANTS))


def test_the_queues_order_still_counts():
    first = HoldwellConfig.model_validate({"queues": {"a": {}, "b": {}}})
    assert not same_written(first, HoldwellConfig.model_validate({"queues": {"b": {}, "a": {}}}))
    assert same_written(first, HoldwellConfig.model_validate({"queues": {"a": {}, "b": {}}}))
