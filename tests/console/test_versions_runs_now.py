"""Versions page: no roll-back offered to a version whose settings run now (console walk)."""

from __future__ import annotations

from app.console import config_changes


def _row(html: str, number: int) -> str:
    start = html.index(f'<tr><td data-label="#">{number}')
    return html[start:html.index("</tr>", start)]


def test_a_version_the_active_one_runs_offers_no_roll_back(three_versions):
    """Version 1 offered "Roll back to version 1…", whose page then said "same settings"
    and had no button."""
    html = three_versions.get("/console/versions").get_data(as_text=True)
    assert "Roll back to version 1" not in _row(html, 1)
    assert "holds the settings that run now" in _row(html, 1)
    assert "Roll back to version 2…</a>" in _row(html, 2)
    assert "holds the settings that run now" not in _row(html, 2)
    assert "Roll back" not in _row(html, 3) and "settings that run now" not in _row(html, 3)


def test_the_page_and_the_confirmation_agree_on_same_settings(three_versions, console_app):
    """One rule decides both: what the page leaves unoffered is what the confirmation
    calls the same settings."""
    html = three_versions.get("/console/versions").get_data(as_text=True)
    with console_app.test_request_context():
        previews = {n: config_changes.rollback_preview(console_app.extensions["holdwell"], n)
                    for n in (1, 2)}
    for number, preview in previews.items():
        assert preview.same == ("settings that run now" in _row(html, number))


def test_analysts_are_told_too_but_offered_nothing(three_versions, as_role):
    html = as_role("analyst").get("/console/versions").get_data(as_text=True)
    assert "holds the settings that run now" in _row(html, 1)
    assert "Roll back" not in html
