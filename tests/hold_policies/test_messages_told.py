"""The agent's brief of a callback's messages never outlasts what its claim is sized for: a
claim released while its agent still hears the brief lets a second agent dial the customer
(fault audit 42, finding 1: three 120 s messages under a claim sized for one)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hold_policies.overflow_rules import MESSAGES_TOLD, brief_s, messages_told

lengths = st.lists(st.one_of(st.none(), st.integers(0, 4000)), max_size=8)


@given(lengths, st.integers(5, 3600), st.booleans())
def test_what_is_told_fits_the_brief_at_real_lengths_and_is_the_latest(seconds, most_s,
                                                                       transcribe):
    """Lengths run past `message_max_s` too: recorded before it was lowered (review 42, 6)."""
    told = messages_told(seconds, most_s, transcribe)
    assert 0 <= told <= min(MESSAGES_TOLD, len(seconds))
    played_s = sum(most_s if s is None else s for s in seconds[len(seconds) - told:])
    assert played_s * (1.5 if transcribe else 1) <= brief_s(most_s, transcribe) + 1e-9
    if seconds and (seconds[-1] is None or seconds[-1] <= most_s):
        assert told >= 1  # the newest, recorded under today's limit, is always told


def test_short_messages_are_all_told_up_to_the_few_and_long_ones_alone():
    assert messages_told([20, 30, 40, 10], 120, False) == 3  # 80 s of the latest three
    assert messages_told([120, 120, 120], 120, False) == 1
    assert messages_told([100, 15], 120, True) == 2  # (100 + 15) x 1.5 <= 180
    assert messages_told([None, 5], 120, False) == 1  # an unknown length is the longest
    assert messages_told([120, 120, 120], 60, False) == 0  # longer than today's limit
