"""The holdwell command, through click's runner."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from app.storage.migrate import alembic_config
from cli.main import cli


def test_config_check_accepts_a_good_file(config_file):
    path = config_file('[line]\nsupport_number = "+14155550000"\n'
                       '[queues.support]\npolicy = "callback"\n')
    result = CliRunner().invoke(cli, ["config", "check", path])
    assert result.exit_code == 0
    assert "queue support: policy callback" in result.output and "OK" in result.output


def test_config_check_names_the_bad_key_and_exits_nonzero(config_file):
    path = config_file('[queues.support]\npolicy = "jazz"\nvolume = 11\n')
    result = CliRunner().invoke(cli, ["config", "check", path])
    assert result.exit_code == 1
    assert "queues.support.policy" in result.output and "queues.support.volume" in result.output


def test_db_upgrade_creates_the_tables(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"calls", "call_events", "callbacks"} <= tables


def test_db_upgrade_on_tables_made_another_way_says_how_to_mark_them(tmp_path, monkeypatch):
    """Tables made by create_all (no Alembic revision): upgrade cannot create them again and
    says so with the way out; `db stamp head` marks them, then upgrade has nothing to do."""
    from app.storage import console_schema  # noqa: F401 - its tables join the metadata
    from app.storage.schema import metadata

    url = f"sqlite:///{tmp_path / 'made.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    refused = CliRunner().invoke(cli, ["db", "upgrade"])
    assert refused.exit_code == 1
    assert "already exists" in refused.output and "no Alembic revision" in refused.output
    assert "holdwell db stamp head" in refused.output
    unknown = CliRunner().invoke(cli, ["db", "stamp", "nonsense"])
    assert unknown.exit_code == 1 and "REVISION" in unknown.output, unknown.output
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    marked = CliRunner().invoke(cli, ["db", "stamp", "head"])
    assert marked.exit_code == 0 and f"marked at revision {head}" in marked.output, marked.output
    again = CliRunner().invoke(cli, ["db", "upgrade"])
    assert again.exit_code == 0 and f"is at revision {head}" in again.output, again.output


def test_stamp_never_moves_an_upgraded_database(tmp_path, monkeypatch):
    """`db stamp 0001` on an upgraded database had succeeded without a word; every command
    then asked for an upgrade that failed on its own columns (operator audit 33, D2)."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    for revision in ("0001", "base"):
        refused = CliRunner().invoke(cli, ["db", "stamp", revision])
        assert refused.exit_code == 1, refused.output
        assert f"is already at revision {head}" in refused.output
        assert "`holdwell db upgrade` takes it forward" in refused.output
    same = CliRunner().invoke(cli, ["db", "stamp", "head"])
    assert same.exit_code == 0 and "nothing to mark" in same.output
    again = CliRunner().invoke(cli, ["db", "upgrade"])
    assert again.exit_code == 0 and f"is at revision {head}" in again.output, again.output
    wrongly = CliRunner().invoke(cli, ["db", "stamp", "0018", "--again"])  # on purpose: a
    assert wrongly.exit_code == 0 and "marked at revision 0018" in wrongly.output  # repair
    assert "--again" in refused.output


def test_a_failed_upgrade_of_a_new_database_gives_no_stamp_hint(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 1 and "stamp" not in result.output, result.output


def test_stamp_touches_no_database_it_cannot_mark(tmp_path, monkeypatch):
    """A stamp of an unknown revision, of a missing file or of a database without the call log
    had left a new database holding only a revision (and a later upgrade "recreated" eleven
    tables "dropped after its migration ran")."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///holdwell.db")
    for revision in ("9999", "head"):
        refused = CliRunner().invoke(cli, ["db", "stamp", revision])
        assert refused.exit_code == 1
    assert "'9999' is not a revision this code ships" in CliRunner().invoke(
        cli, ["db", "stamp", "9999"]).output
    assert "holdwell.db does not exist (`holdwell db upgrade` creates it)" in refused.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    engine = create_engine("sqlite:///other.db")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (x)")
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", "sqlite:///other.db")
    refused = CliRunner().invoke(cli, ["db", "stamp", "head"])
    assert refused.exit_code == 1 and "holds no call log to mark" in refused.output
    assert inspect(create_engine("sqlite:///other.db")).get_table_names() == ["notes"]
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/x")
    refused = CliRunner().invoke(cli, ["db", "stamp", "head"])  # no server: said so
    assert refused.exit_code == 1 and "cannot stamp the database at" in refused.output
    assert "no call log" not in refused.output


def test_a_sqlite_url_in_a_missing_folder_is_named_not_a_bug(tmp_path, monkeypatch):
    """The migration's lock file beside the database could not be made either, and said
    "unexpected error (FileNotFoundError)" instead of naming DATABASE_URL."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///typo/x.db")
    for args in (["db", "upgrade"], ["serve", "--port", "1"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert "DATABASE_URL: cannot" in result.output
        assert "sqlite:///typo/x.db" in result.output and "unable to open" in result.output
    assert list(tmp_path.iterdir()) == []


def test_demo_shows_what_callers_heard_and_what_was_logged(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'line.db'}"
    monkeypatch.setenv("DATABASE_URL", url)  # the line's log: the demo must not touch it
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Sorry to keep you waiting" in result.output
    assert "[presses 2]" in result.output and "call you back" in result.output
    read_back = next(line for line in result.output.splitlines()
                     if "[presses 2] We will call you back at the number ending in" in line)
    assert read_back.endswith("or press 2 to key in another number.")  # not the no-key words
    rows = [line.split() for line in result.output.splitlines() if line.startswith("CA")]
    outcomes = {row[1]: set() for row in rows}
    for row in rows:
        outcomes[row[1]].add(row[2])
    assert outcomes["callback"] == {"answered", "abandoned", "callback_connected"}
    assert "[called back, picks up]" in result.output
    assert outcomes["silence"] == {"answered", "abandoned"}
    assert (tmp_path / "holdwell-demo.db").exists() and not (tmp_path / "line.db").exists()


def test_the_demos_log_defines_every_column_and_counts_its_runs(tmp_path, monkeypatch):
    """`demo --calls 30` runs two minutes: each run says which of how many it is, and every
    column of the log it prints is defined above it (two had not been)."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--calls", "2"])
    assert result.exit_code == 0, result.output
    runs = [line for line in result.output.splitlines() if line.startswith("######## policy")]
    assert runs[0].endswith("(run 1 of 8) ########") and "(run 8 of 8)" in runs[-1]
    header = next(line for line in result.output.splitlines() if line.startswith("call_id"))
    legend = next(line for line in result.output.splitlines() if line.startswith("Call log ("))
    for column in header.split()[3:]:
        assert f"{column} = " in legend, column
    assert "first_announced_wait_s = the first wait estimate told" in legend
    told = [line.split() for line in result.output.splitlines() if line.startswith("CA")]
    assert told and all(len(row) == 5 for row in told)  # no estimate is made: all blank
