"""Run several threads at once and wait for them all (concurrency tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable


def run_together(target: Callable[..., object], args: Iterable[tuple] = ((),)) -> None:
    """One thread per argument tuple, all started before any is joined."""
    threads = [threading.Thread(target=target, args=each) for each in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
