"""One call a virtual caller makes, as the emulator tracks it (a person may make several)."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.behaviour import Listener


@dataclass
class VirtualCaller:
    index: int
    call_sid: str
    from_number: str
    wait_url: str = ""
    action_url: str = ""
    enqueued_at: float = 0.0
    rang_at: float = 0.0
    listener: Listener | None = None
    live: int = 0  # sequence number of the caller's one pending event
    done: bool = False
    entries: list[str] = field(default_factory=list)  # numbers to key in for a callback
    heard: list[str] = field(default_factory=list)
    queue: str = ""  # the Twilio queue it waits in (the name in its <Enqueue>)
    first: VirtualCaller | None = None  # for a later call of the same person: their first
    patience_from: float | None = None  # counts their patience from then (else from entry)
    called_back: bool = False  # a callback reached them (nothing left to ring about)

    @property
    def person(self) -> VirtualCaller:
        """The person's first call (this one, unless they rang again)."""
        return self.first or self
