"""One heavy computation at a time per worker process, refused at once when taken.

Heavy console work (a Twin fit or what-if, a preview's audio) runs in a web request thread
beside Twilio's webhooks, which must be answered within 15 s: holding a slot per kind of work,
never waiting for it, keeps a worker's other threads free to answer them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class Slot(Protocol):
    """A threading.Lock or RLock, made once per process: gunicorn's threads share it."""

    def acquire(self, blocking: bool = ...) -> bool: ...

    def release(self) -> None: ...


@contextmanager
def held_or_refused(slot: Slot, refusal: Callable[[], Exception]) -> Iterator[None]:
    """Hold `slot` for the block, or raise `refusal()` at once if another request has it."""
    if not slot.acquire(blocking=False):
        raise refusal()
    try:
        yield
    finally:
        slot.release()
