"""The welcome says when the first check-in comes where that is later than the rhythm it
promises: a queue checking in every minute, first after 5 minutes, welcomed callers with
"about once a minute" and then gave them five minutes of silence (caller audit 34, defect 3)."""

from __future__ import annotations

import pytest

from hold_policies.callback import CallbackPolicy
from hold_policies.checkin import CheckinPolicy
from hold_policies.prompts import Prompts, check_in_times


def welcome_words(policy) -> str:  # noqa: ANN001
    return " ".join(step.text for step in policy.welcome().steps if hasattr(step, "text"))


@pytest.mark.parametrize("kind", [CheckinPolicy, CallbackPolicy])
def test_a_late_first_check_in_is_announced(kind):
    words = welcome_words(kind(interval_s=60, first_checkin_s=300))
    assert "in about 5 minutes, and then about once a minute" in words


@pytest.mark.parametrize(("interval_s", "first_s", "said"), [
    (60, None, "about once a minute"),
    (60, 30, "about once a minute"),  # sooner than promised is no broken promise
    (60, 70, "about once a minute"),  # the same words either way
    (60, 90, "in about a minute and a half, and then about once a minute"),
    (90, 600, "in about 10 minutes, and then about every minute and a half"),
    (30, 120, "in about 2 minutes, and then about every 30 seconds"),
])
def test_the_words_for_each_rhythm(interval_s, first_s, said):
    assert check_in_times(interval_s, first_s) == said


def test_an_operators_own_welcome_is_said_as_written():
    own = Prompts(welcome="Hello there.")
    assert welcome_words(CheckinPolicy(prompts=own, first_checkin_s=300)) == "Hello there."
