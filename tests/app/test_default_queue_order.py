"""The first queue of the file takes calls with no `?queue=` (README: `[line] default_queue`,
default "first queue"), in the app as `config check` reads it: versions had been stored with
sorted keys, so once the file was seeded or imported, "sales" (alphabetically first) took
every unqualified call meant for "support", under another policy, without a word."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import create_engine

from app.signed_client import SignedClient
from app.storage import config_versions
from app.storage.console_schema import config_versions as config_versions_table
from app.storage.migrate import upgrade
from hold_policies.config import load_config
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

FILE = '[queues.support]\npolicy = "checkin"\n[queues.sales]\npolicy = "silence"\n'
WHEN = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def test_the_seeded_app_sends_unqualified_calls_to_the_files_first_queue(make_app):
    twilio = SignedClient(make_app(FILE).test_client(), AUTH_TOKEN)
    answer = parse(twilio.post("/voice/incoming", {"CallSid": sid("CAdefault"),
                                                   "From": "+14155550100"}).data)
    assert answer.find("Enqueue").text == "support"


def test_an_imported_version_keeps_the_files_first_queue_on_both_databases(any_url, tmp_path):
    path = tmp_path / "holdwell.toml"
    path.write_text(FILE)
    from_file = load_config(path)
    assert from_file.default_queue == "support"
    if any_url.startswith("sqlite"):
        upgrade(any_url)
    engine = create_engine(any_url)
    config_versions.add(engine, from_file, author="t", note="import", now=WHEN)
    stored = config_versions.get(engine)
    assert stored.config().default_queue == "support"
    assert list(stored.body["queues"]) == ["support", "sales"]
    engine.dispose()


def test_a_version_stored_sorted_is_mended_by_importing_the_file_again(any_url, tmp_path,
                                                                       monkeypatch):
    """Versions stored before the order was kept (sorted keys) still run "sales" first: the
    file imported again had been "no change" (compared without order), so nothing mended it."""
    from click.testing import CliRunner

    from cli.main import cli

    path = tmp_path / "holdwell.toml"
    path.write_text(FILE)
    if any_url.startswith("sqlite"):
        upgrade(any_url)
    engine = create_engine(any_url)
    with engine.begin() as conn:  # as the code before kept the file: sorted
        conn.execute(config_versions_table.insert().values(
            number=1, created_at=WHEN, author="HOLDWELL_CONFIG", note="seeded",
            body=json.dumps(config_versions.body_of(load_config(path)), sort_keys=True)))
    assert config_versions.get(engine).config().default_queue == "sales"
    monkeypatch.setenv("DATABASE_URL", any_url)
    result = CliRunner().invoke(cli, ["config", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported as config version 2" in result.output
    assert config_versions.get(engine).config().default_queue == "support"
    engine.dispose()
