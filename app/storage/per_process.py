"""Background threads started once per process, and again in a forked child.

gunicorn forks its workers after create_app, and threads do not follow a fork: a thread the
parent started (the cutoff's watchdog, the journal's replayer) is not running in the worker,
so each is started on first use in every process that needs it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable


class OncePerProcess:
    """Runs `start` the first time `ensure` is called in each process (after a fork, again)."""

    def __init__(self) -> None:
        self._pid: int | None = None
        self._lock = threading.Lock()

    def ensure(self, start: Callable[[], None]) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            start()
            self._pid = os.getpid()
