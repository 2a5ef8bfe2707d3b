"""`timezone = "Etc/GMT+2"` is UTC−2, two hours behind UTC (the tz database reverses the
sign); an operator whose "UTC+2" was refused as unknown tries exactly that name next, and the
line opened four hours late without a word (operator audit 35, D7). `config check`, `config
import` and the console's and the API's saves warn, naming the key and a place to use."""

from __future__ import annotations

from click.testing import CliRunner

from cli.main import cli
from tests.console.conftest import bearer

HOURS = '[queues.support.hours]\ntimezone = "{zone}"\nmonday = "08:00-18:00"\n'
BEHIND = ("queues.support.hours.timezone = 'Etc/GMT+2' is two hours behind UTC (UTC−2), "
          "not UTC+2")


def test_config_check_says_etc_gmt_plus_two_is_two_hours_behind_utc(config_file):
    checked = CliRunner().invoke(cli, ["config", "check", config_file(HOURS.format(
        zone="Etc/GMT+2"))])
    assert checked.exit_code == 0 and "OK, 1 queue(s)" in checked.output  # said, not refused
    assert f"warning: {BEHIND}" in checked.output
    assert "e.g. 'Europe/Athens' for UTC+2" in checked.output
    ahead = CliRunner().invoke(cli, ["config", "check", config_file(HOURS.format(
        zone="Etc/GMT-3"))])
    assert "'Etc/GMT-3' is three hours ahead of UTC (UTC+3), not UTC−3" in ahead.output
    assert "'America/Sao_Paulo' for UTC−3" in ahead.output
    for plain in ("Etc/GMT+0", "Etc/GMT", "Europe/Athens"):  # nothing reversed to say
        quiet = CliRunner().invoke(cli, ["config", "check", config_file(HOURS.format(
            zone=plain))])
        assert quiet.exit_code == 0 and "warning" not in quiet.output, plain


def test_config_import_warns_too(config_file, sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    imported = CliRunner().invoke(cli, ["config", "import", config_file(HOURS.format(
        zone="Etc/GMT+2"))])
    assert imported.exit_code == 0 and f"warning: {BEHIND}" in imported.output


def test_the_console_and_the_api_warn_on_save(console_app, tokens, as_role):
    hours = {"timezone": "Etc/GMT+2", "monday": "08:00-18:00"}
    saved = console_app.test_client().patch("/api/v1/policies/support",
                                            headers=bearer(tokens["operator"]),
                                            json={"settings": {"hours": hours}})
    assert saved.status_code == 200
    assert [w for w in saved.get_json()["warnings"] if w.startswith(BEHIND)]
    page = as_role("operator").post("/console/policies/sales", {
        "hours.timezone": "Etc/GMT+2", "hours.monday": "08:00-18:00"}, follow_redirects=True)
    assert "queues.sales.hours.timezone = &#39;Etc/GMT+2&#39; is two hours behind UTC" \
        in page.get_data(as_text=True)
