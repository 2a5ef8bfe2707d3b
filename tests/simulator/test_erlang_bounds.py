"""The staffing search is bounded: a load no real queue carries is refused at once, not searched."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from simulator.erlang import fewest_agents


@contextmanager
def within_seconds(limit_s: int) -> Iterator[None]:
    """Fail (rather than hang) when the block runs longer than `limit_s`."""
    def too_slow(*_: object) -> None:
        raise AssertionError(f"still searching after {limit_s} s")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(limit_s)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("target", [{"max_abandon": 0.05}, {"min_service_level": 0.8}])
def test_a_billion_erlang_is_refused_at_once_naming_the_bound(target) -> None:
    with within_seconds(5), pytest.raises(ValueError, match="more than 1,000,000 agents"):
        fewest_agents(1e9, 1.0, 1.0, **target)
