"""An upgrade stopped part-way (Ctrl-C, SIGTERM, a deploy's timeout) leaves the database as it
was. On SQLite each CREATE, DROP and ALTER of a table rebuild had committed on its own: a stop
during one left `_alembic_tmp_calls` beside `calls` and the revision one step on, and every
later `db upgrade`, `serve` and `callbacks` failed with "table _alembic_tmp_calls already
exists" until someone dropped it by hand."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from app.storage.migrate import head_revision, upgrade
from cli.main import cli


def _tables_and_revision(url: str) -> tuple[set[str], str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return set(inspect(engine).get_table_names()), revision
    finally:
        engine.dispose()


def _calls(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM calls")).scalar()
    engine.dispose()
    return count


@pytest.fixture
def old_log(tmp_path) -> str:
    """A revision-0005 call log with calls in it (0011 and 0014 rebuild its tables)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0005")
    engine = create_engine(url)
    with engine.begin() as conn:
        for i in range(50):
            conn.execute(text(
                "INSERT INTO calls (call_id, queue, policy, arrived_at, from_number) "
                "VALUES (:id, 'support', 'checkin', '2026-01-05 09:00:00', '+14155550100')"),
                {"id": f"CA{i:032d}"})
    engine.dispose()
    return url


def test_an_upgrade_stopped_after_some_steps_leaves_the_database_as_it_was(old_log) -> None:
    def stop_after(step: str) -> None:
        if step.startswith("0013"):  # after 0011's rebuild of calls, before 0014's
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        upgrade(old_log, progress=stop_after)
    tables, revision = _tables_and_revision(old_log)
    assert revision == "0005" and not any(name.startswith("_alembic_tmp_") for name in tables)
    assert "console_users" not in tables  # 0006's tables rolled back too
    assert _calls(old_log) == 50
    upgrade(old_log)  # and it upgrades cleanly afterwards
    assert _tables_and_revision(old_log)[1] == head_revision()
    assert _calls(old_log) == 50


def test_db_upgrade_names_each_step_as_it_finishes(old_log, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", old_log)
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "from revision 0005 in one transaction" in result.stderr
    assert "ran 0014: An experiment arm's name as long as the config allows" in result.stderr
    again = CliRunner().invoke(cli, ["db", "upgrade"])  # nothing to do: nothing said of steps
    assert again.exit_code == 0 and "ran " not in again.stderr


def test_a_copy_left_by_an_older_stopped_upgrade_is_dropped_when_its_table_is_intact(
    old_log, monkeypatch
) -> None:
    upgrade(old_log, "0013")
    engine = create_engine(old_log)
    with engine.begin() as conn:  # what an upgrade stopped inside 0014's rebuild left
        conn.execute(text("CREATE TABLE _alembic_tmp_calls AS SELECT * FROM calls"))
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", old_log)
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    tables, _ = _tables_and_revision(old_log)
    assert "_alembic_tmp_calls" not in tables and _calls(old_log) == 50


def test_a_copy_holding_the_only_rows_is_refused_by_name(old_log, monkeypatch) -> None:
    upgrade(old_log, "0013")
    engine = create_engine(old_log)
    with engine.begin() as conn:  # stopped after dropping the table, before the rename
        conn.execute(text("CREATE TABLE _alembic_tmp_calls AS SELECT * FROM calls"))
        conn.execute(text("DROP TABLE calls"))
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", old_log)
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "stopped while rebuilding table calls" in result.output
    assert "ALTER TABLE _alembic_tmp_calls RENAME TO calls" in result.output
    assert "_alembic_tmp_calls" in _tables_and_revision(old_log)[0]  # nothing was dropped
