"""Roll-back confirmation with nothing to roll back (console walk-through)."""

from __future__ import annotations

import pytest

PROMISE = "Rolling back adds a new version with its settings"


@pytest.mark.parametrize("number", [1, 3])  # same settings as the active one; the active one
def test_nothing_to_roll_back_promises_no_new_version(three_versions, number):
    """The page had said "Rolling back adds a new version with its settings; every worker
    runs it within 5 seconds", then, below it, that rolling back would add none, and
    offered to "Cancel" with nothing to cancel."""
    text = three_versions.get(f"/console/versions/{number}/rollback").get_data(as_text=True)
    assert PROMISE not in text
    assert "Cancel" not in text and ">Back to the versions</a>" in text


def test_a_roll_back_to_do_still_says_what_it_does(three_versions):
    text = three_versions.get("/console/versions/2/rollback").get_data(as_text=True)
    assert PROMISE in text and ">Cancel: back to the versions</a>" in text
