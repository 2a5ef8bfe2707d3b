"""A SQLSTATE is read through the errors an error was raised from (a DatabaseUnavailable's
cause), and a loop of causes ends: one built by hand had recursed without end."""

from __future__ import annotations

from app.storage.deadline import DatabaseUnavailable
from app.storage.sqlstates import UNDEFINED_TABLE, sqlstate_of


class Driver(Exception):
    sqlstate = UNDEFINED_TABLE


def test_the_state_is_found_through_the_cause_and_a_loop_ends():
    try:
        try:
            raise Driver('relation "calls" does not exist')
        except Driver as error:
            raise DatabaseUnavailable("database failed") from error
    except DatabaseUnavailable as wrapped:
        assert sqlstate_of(wrapped) == UNDEFINED_TABLE
    first, second = RuntimeError("a"), RuntimeError("b")
    first.__cause__, second.__cause__ = second, first
    assert sqlstate_of(first) is None
