"""A problem of the queue itself, across its own keys (a voice that cannot speak the queue's
language), marks the boxes it names: the form had said "Not saved: 1 problem" with neither
the voice nor the language box marked, and no "Go to" link to either (operator walk-through,
2026-12-07)."""

from __future__ import annotations

import html
import re

CLASH = "voice Polly.Joanna speaks en-US, but language is fr-FR"


def said(answer) -> str:  # noqa: ANN001 - a test client's response
    return html.unescape(answer.get_data(as_text=True))


def marked(page: str) -> list[str]:
    """The boxes the page marks as wrong."""
    return sorted(re.findall(r'<div class="invalid">(?:(?!</div>).)*?name="([^"]+)"', page,
                             re.S))


def test_a_voice_that_cannot_speak_the_language_marks_both_boxes(as_role):
    answer = as_role("operator").post("/console/policies/sales", {
        "voice": "Polly.Joanna", "language": "fr-FR"})
    page = said(answer)
    assert answer.status_code == 422
    assert CLASH in page
    assert "Not saved: 1 problem, marked below." in page
    assert marked(page) == ["language", "voice"]
    assert 'href="#f-voice"' in page and 'href="#f-language"' in page  # the summary's links
    assert re.search(r'name="voice"[^>]*aria-invalid="true"', page)


def test_a_prompt_too_long_for_the_voice_marks_the_prompt_not_the_voice(as_role):
    """"this queue's voice: Polly.Joanna" in a prompt's problem names no box to mend."""
    page = said(as_role("operator").post("/console/policies/sales", {
        "prompts.apology": "Sorry to keep you waiting. " * 120}))
    assert "this queue's voice" in page
    assert "prompts.apology" in marked(page) and "voice" not in marked(page)


def test_the_summary_links_the_marked_boxes_in_the_order_the_form_shows_them(as_role):
    """The "Go to" links had followed the order the problems were found in, so a keyboard
    user's first link could jump past boxes marked above it."""
    page = said(as_role("operator").post("/console/policies/sales", {
        "prompts.apology": "Sorry to keep you waiting. " * 120, "voice": "Polly.Joanna",
        "language": "fr-FR", "segment_s": "-5"}))
    links = re.findall(r'<a href="#f-([^"]+)">', page.split("Go to:", 1)[1].split("</p>", 1)[0])
    assert len(links) >= 3, links
    boxes = re.findall(r'id="f-([^"]+)"', page.split('id="problems"', 1)[1])
    shown = [box for box in boxes if box in links]
    assert links == shown
