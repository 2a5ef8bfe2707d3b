"""Shared helpers for the simulator tests: small scenarios and batch-means standard errors."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.behaviour import Reactions
from simulator.scenario import Scenario, simple_scenario


def batch_se(values: np.ndarray, batches: int = 40) -> float:
    """Standard error of a mean over consecutive calls, from batch means.

    Waits of neighbouring callers are correlated (they share a queue), so the binomial
    formula would be too small; means of long consecutive batches are nearly independent.
    """
    means = np.array([chunk.mean() for chunk in np.array_split(values, batches)])
    return float(means.std(ddof=1) / np.sqrt(batches))


@pytest.fixture(name="batch_se")
def batch_se_fixture():
    """The batch-means standard error, for tests comparing a simulated mean with theory."""
    return batch_se


@pytest.fixture
def small_queue() -> Scenario:
    """Five agents, long enough waits that callers hear check-ins and offers."""
    return simple_scenario(calls=3000, agents=5, arrivals_per_min=1.0, service_mean_min=5,
                           patience_mean_min=8, reactions=Reactions())
