"""A background thread is started once per process, and again in a forked worker.

Why: gunicorn forks its workers after create_app, and threads do not follow a fork; the
cutoff's watchdog and the journal's replayer rely on this.
"""

from __future__ import annotations

import os
import threading

from app.storage.per_process import OncePerProcess


def test_start_runs_once_in_a_process_even_when_threads_race():
    started: list[int] = []
    once = OncePerProcess()
    threads = [threading.Thread(target=once.ensure, args=(lambda: started.append(1),))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    once.ensure(lambda: started.append(1))
    assert started == [1]


def test_a_forked_child_starts_its_own():
    once = OncePerProcess()
    once.ensure(lambda: None)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: the parent's start does not count here
        try:
            once.ensure(lambda: os.write(write, b"started"))
            once.ensure(lambda: os.write(write, b"again"))
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read, "rb") as pipe:
        assert pipe.read() == b"started"
