"""Without a music_ads group the sample size plans from one queue's calls, the busiest's: an
experiment splits one queue's callers. Every queue's calls pooled had planned from a rate
no queue had (50% from a queue that lost none and one that lost every caller), beside a
design effect measured on one group alone."""

from __future__ import annotations

import pytest

from analytics.compare import sample_size_per_arm, sample_size_plan
from analytics.metrics import all_metrics
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame


def test_the_plan_is_the_busiest_queues_own():
    calls = [call(f"s{k}", Outcome.ANSWERED if k % 5 else Outcome.ABANDONED, 20, queue="sales",
                  at_s=60.0 * k) for k in range(60)]  # 20% unserved
    calls += [call(f"h{k}", Outcome.ABANDONED, 20, queue="help", at_s=60.0 * k)
              for k in range(40)]  # every caller lost
    plan = sample_size_plan(all_metrics(frame(calls)))
    assert plan["baseline"] == "all calls of queue sales"
    assert plan["baseline_rate"] == pytest.approx(0.2)  # not 52% pooled
    assert plan["calls_per_arm_if_independent"] == sample_size_per_arm(0.2, 0.03)


def test_one_queue_still_plans_from_all_its_calls():
    calls = [call(f"c{k}", Outcome.ANSWERED if k % 4 else Outcome.ABANDONED, 20,
                  policy="checkin" if k % 2 else "callback", at_s=60.0 * k) for k in range(80)]
    plan = sample_size_plan(all_metrics(frame(calls)))
    assert plan["baseline"] == "all calls"
    assert plan["baseline_rate"] == pytest.approx(0.25)
