"""The policy form tells "the default" from "empty on purpose" (a prompt that says nothing,
voice = "" for Twilio's own voice): an empty box with its tick saves the empty value, without
it the default; posting the form back as shown changes nothing."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from app.console import policy_form
from hold_policies.config import QueueConfig

SILENT = QueueConfig.model_validate({"voice": "", "prompts": {"apology": ""}})


def as_posted(queue: QueueConfig) -> MultiDict:
    """What a browser posts for the form as rendered: each box's value, hidden 'false' then
    'true' for a ticked checkbox (the last wins)."""
    posted = MultiDict()
    for section in policy_form.describe(queue).values():
        for f in section:
            posted.add(f.name, "true" if f.value is True else "false" if f.value is False
                       else str(f.value))
            if f.empty_label:
                posted.add(f.name + policy_form.EMPTY, "true" if f.empty_set else "false")
    return posted


def test_the_form_shows_which_empty_boxes_are_empty_on_purpose():
    fields = {f.name: f for section in policy_form.describe(SILENT).values() for f in section}
    assert fields["prompts.apology"].empty_set and fields["prompts.apology"].value == ""
    assert not fields["prompts.welcome"].empty_set  # the default words
    assert fields["voice"].empty_set and fields["voice"].empty_label.startswith("none")
    assert fields["checkin.interval_s"].empty_label == ""  # a number has no such state


def test_posting_the_form_back_as_shown_changes_nothing():
    assert policy_form.parse(as_posted(SILENT), SILENT) == SILENT


def test_unticking_an_empty_box_restores_the_default():
    posted = as_posted(SILENT)
    posted.setlist("prompts.apology" + policy_form.EMPTY, ["false"])
    posted.setlist("voice" + policy_form.EMPTY, ["false"])
    saved = policy_form.parse(posted, SILENT)
    assert saved.prompts.apology is None and saved.voice == "Polly.Joanna"


def test_words_in_the_box_win_over_the_tick():
    posted = as_posted(SILENT)
    posted.setlist("prompts.apology", ["Sorry for the wait."])
    assert policy_form.parse(posted, SILENT).prompts.apology == "Sorry for the wait."


def test_an_empty_box_shows_the_default_of_the_queues_language():
    """A Spanish queue's empty box had shown the English default greyed in it, and said
    "empty and unticked: the default": its callers hear the Spanish one."""
    spanish = {f.name: f for section in policy_form.describe(
        QueueConfig.model_validate({"language": "es-MX"})).values() for f in section}
    assert spanish["prompts.apology"].example == "Disculpe la espera."
    english = {f.name: f for section in policy_form.describe(QueueConfig()).values()
               for f in section}
    assert english["prompts.apology"].example == "Sorry to keep you waiting."
