"""`holdwell config check -` and `config import -` read standard input, as /dev/stdin did:
`-` had been looked for as a file ("-: no such config file"). Messages name "standard input"
where they name a file."""

from __future__ import annotations

from click.testing import CliRunner

from cli.main import cli

CONFIG = '[queues.support]\npolicy = "silence"\n'


def test_config_check_dash_reads_standard_input():
    result = CliRunner().invoke(cli, ["config", "check", "-"], input=CONFIG)
    assert result.exit_code == 0, result.output
    assert "queue support: policy silence" in result.output
    assert "standard input: OK, 1 queue(s)" in result.output


def test_config_check_dash_names_standard_input_in_its_refusals():
    runner = CliRunner()
    bad = runner.invoke(cli, ["config", "check", "-"], input='[queues.support]\npolicy = "jazz"\n')
    assert bad.exit_code == 1 and bad.output.startswith("standard input: 1 problem(s)")
    broken = runner.invoke(cli, ["config", "check", "-"], input="x = [")
    assert broken.exit_code == 1 and broken.output.startswith("standard input: not valid TOML")
    empty = runner.invoke(cli, ["config", "check", "-"], input="# nothing\n")
    assert empty.exit_code == 1 and empty.output.startswith("standard input sets nothing")
    assert "-:" not in bad.output + broken.output + empty.output


def test_standard_input_is_read_as_a_file_is_with_a_byte_order_mark_and_crlf():
    text = "\ufeff" + CONFIG.replace("\n", "\r\n")
    result = CliRunner().invoke(cli, ["config", "check", "-"], input=text.encode("utf-8"))
    assert result.exit_code == 0 and "standard input: OK" in result.output


def test_config_import_dash_imports_standard_input(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    runner = CliRunner()
    imported = runner.invoke(cli, ["config", "import", "-"], input=CONFIG)
    assert imported.exit_code == 0, imported.output
    assert "standard input: imported as config version 1 (active)" in imported.output
    exported = runner.invoke(cli, ["config", "export"])
    assert "imported from standard input" in exported.output.splitlines()[0]
    assert "[queues.support]\npolicy = \"silence\"" in exported.output
    again = runner.invoke(cli, ["config", "import", "-"], input=exported.output)
    assert "standard input: no change: config version 1 (active)" in again.output
