"""A phone key refused in words, not as a regular expression (walk-through F10): config
check had said "String should match pattern '^[0-9*#]$'" for keep_key = "11", and the
preview API the same for keys=x."""

from __future__ import annotations

from click.testing import CliRunner

from cli.main import cli
from tests.console.conftest import bearer


def test_config_check_says_a_key_is_one_phone_key(config_file):
    result = CliRunner().invoke(cli, ["config", "check", config_file(
        '[queues.support]\npolicy = "callback"\n[queues.support.callback]\nkeep_key = "11"\n'
        '[line]\nsupport_number = "+14155550100"\n')])
    assert result.exit_code != 0
    assert "queues.support.callback.keep_key: one phone key: a digit 0-9, * or # (got '11')" \
        in result.output
    assert "pattern" not in result.output


def test_the_preview_says_what_keys_may_be(console_app, tokens):
    answer = console_app.test_client().get("/api/v1/preview?queue=support&keys=x",
                                           headers=bearer(tokens["operator"]))
    assert answer.status_code == 422
    assert answer.get_json()["fields"]["keys"].startswith(
        "up to 10 phone keys, each a digit 0-9, * or # (got 'x')")
    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    keys = next(p for p in document["paths"]["/api/v1/preview"]["get"]["parameters"]
                if p["name"] == "keys")
    assert keys["schema"]["pattern"] == "^[0-9*#]{0,10}$"  # the document still states it


def test_the_form_says_a_refused_key_once_under_its_box(as_role):
    """"(got 'A')" had stood twice under the box (browser walk-through U7); the key's name
    stays, as the TOML file and the API spell it."""
    import html
    import re

    page = html.unescape(as_role("operator").post("/console/policies/support", {
        "checkin.keep_key": "A"}).get_data(as_text=True))
    said = re.search(r'<p class="field-error" id="[^"]*">([^<]*)</p>', page).group(1)
    assert said == "checkin.keep_key: one phone key: a digit 0-9, * or # (got 'A')"
