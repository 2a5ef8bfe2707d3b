"""A form's errors name its fields by their labels only where a message names a field, marked
`like_this`: every whole word matching a field had been swapped, so the Twin's refusal of a
young log read "the log's last 28 “Day”(s) hold 1 finished call(s); the “Twin” needs ..."
(operator audit D)."""

from __future__ import annotations

from app.console.form_words import in_form_words
from app.console.twin_views import LABELS
from app.console.unserved_views import LABELS as PERIOD_LABELS


def test_only_a_field_the_message_names_is_said_as_its_label():
    said = in_form_words({"twin": "the log's last 28 day(s) hold 1 call(s); the twin needs "
                                  "100 policies, any seed: choose fewer days (`window_days`)"},
                         LABELS)
    assert said == {"Twin": "the log's last 28 day(s) hold 1 call(s); the twin needs 100 "
                            "policies, any seed: choose fewer days (“Days of log”)"}
    assert in_form_words({"day": "run `holdwell fit`"}, LABELS) == {"Day": "run `holdwell fit`"}


def test_the_period_names_its_pickers_and_leaves_the_word_end_alone():
    said = in_form_words({"end": "must not be before `start` (09:00); the period runs from "
                                 "`start` to `end`, at the end of the day"}, PERIOD_LABELS)
    assert said == {"To": "must not be before “From” (09:00); the period runs from “From” to "
                          "“To”, at the end of the day"}
