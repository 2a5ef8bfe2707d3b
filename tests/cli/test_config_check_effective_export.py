"""`holdwell config check` of a `config export --effective` (every key, defaults filled in)
of a callback queue warns of no [checkin] knob: it had named each default the export wrote
("checkin.interval_s = 60 has no effect") though nobody set one. A [checkin] knob an operator
set away from its default is still named: the callback policy ignores it."""

from __future__ import annotations

from click.testing import CliRunner

from cli.main import cli

CALLBACK_QUEUE = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.callback]
interval_s = 45
keep_key = "3"
"""
NO_EFFECT = "has no effect: the queue's callback policy checks in as"


def test_checking_an_effective_export_of_a_callback_queue_names_no_default_checkin_knob(
        sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    runner = CliRunner()
    source = tmp_path / "callback.toml"
    source.write_text(CALLBACK_QUEUE, encoding="utf-8")
    assert runner.invoke(cli, ["config", "import", str(source)]).exit_code == 0
    effective = runner.invoke(cli, ["config", "export", "--effective"])
    assert "[queues.support.checkin]\ninterval_s = 60\nkeep_key = \"1\"" in effective.output
    exported = tmp_path / "effective.toml"
    exported.write_text(effective.output, encoding="utf-8")
    checked = runner.invoke(cli, ["config", "check", str(exported)])
    assert checked.exit_code == 0 and "OK, 1 queue(s)" in checked.output
    assert NO_EFFECT not in checked.output


def test_a_checkin_knob_set_away_from_its_default_is_still_named_beside_the_defaults(
        config_file):
    written = CALLBACK_QUEUE + ('[queues.support.checkin]\ninterval_s = 90\nkeep_key = "1"\n'
                                "gather_timeout_s = 4\n")
    checked = CliRunner().invoke(cli, ["config", "check", config_file(written)])
    assert checked.exit_code == 0
    named = [line for line in checked.output.splitlines() if NO_EFFECT in line]
    assert named == ["warning: queues.support.checkin.interval_s = 90 has no effect: the "
                     "queue's callback policy checks in as [queues.support.callback] says "
                     "(interval_s = 45 there); set callback.interval_s"]
