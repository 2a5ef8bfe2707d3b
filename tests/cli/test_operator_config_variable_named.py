"""`holdwell serve` and `holdwell callbacks` refusing a config file named by HOLDWELL_CONFIG
say that the variable named it: "holdwell cannot start: x.toml: no such config file" had not
said where the name came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli


@pytest.mark.parametrize("args", [["serve", "--port", "5998"], ["callbacks", "--once"]])
@pytest.mark.parametrize(("text", "said"), [
    (None, "no such config file"),
    ("[queues.support]\npolcy = 'silence'\n", "1 problem(s)"),
])
def test_the_variable_that_named_the_file_is_said(tmp_path: Path, monkeypatch, args, text,
                                                    said):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "line.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, args, env={
        "HOLDWELL_CONFIG": str(path), "TWILIO_AUTH_TOKEN": "0" * 32,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}",
        "HOLDWELL_JOURNAL_DIR": str(tmp_path / "journal")})
    assert result.exit_code == 1, result.output
    assert f"cannot start: HOLDWELL_CONFIG={path}: {said}" in result.output, result.output
