"""The one write side of the call log: `apply(conn, command)` for every kind of command.

The live routes, the journal's replay and the tests all write through here, so a command
applied late (after an outage) does exactly what it would have done on time. `stored` reads
back what a write that must not be journaled did when its COMMIT was cut off.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from app.storage import (
    call_writes,
    callback_requests,
    callback_writes,
    closed_writes,
    reason_writes,
    resume_writes,
    returning_writes,
    voicemail_writes,
)
from app.storage.commands import Command
from app.storage.locks import hold_call

WRITES = {**call_writes.WRITES, **callback_requests.WRITES, **callback_writes.WRITES,
          **closed_writes.WRITES, **returning_writes.WRITES, **voicemail_writes.WRITES,
          **reason_writes.WRITES, **resume_writes.WRITES}


def apply(conn: Connection, command: Command) -> Any:
    """Apply one command in the caller's transaction, holding its call's lock until that
    ends (app.storage.locks); applying it again changes nothing."""
    hold_call(conn, command.call_id)
    return WRITES[type(command)](conn, command)


STORED = {**callback_requests.STORED, **closed_writes.STORED, **returning_writes.STORED,
          **voicemail_writes.STORED}


def stored(conn: Connection, command: Command) -> Any:
    """What `apply` did with a never-journaled command whose COMMIT was cut off, read back
    under its call's lock (so after that transaction ended, whichever way), or None if it
    is not in the database. Each read-back sits beside its write, in the write's terms."""
    hold_call(conn, command.call_id)
    return STORED[type(command)](conn, command)
