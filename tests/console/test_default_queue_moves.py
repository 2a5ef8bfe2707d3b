"""A roll-back to a version stored by the code that sorted its queues brings back an
alphabetical default queue: calls that name no queue go elsewhere, while no queue's line
changes in the diff. The confirmation and the roll-back's answer say so (review 31b, left
in session 31), and so does `config import` of a file whose first queue differs."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.storage import config_versions
from app.storage.console_schema import config_versions as versions_table

MOVED_TO_SALES = ("calls that name no queue (no ?queue= on the number&#39;s webhook) will be "
                  "answered by queue &#39;sales&#39; (the first [queues] table, "
                  "line.default_queue not being set), no longer by &#39;support&#39;")


def store_sorted_copy_of_active(app) -> int:  # noqa: ANN001
    """The active version stored again as the old code stored it (sorted keys), as the
    next version; its number."""
    engine = app.extensions["holdwell"].store.engine
    active = config_versions.get(engine)
    with engine.begin() as conn:
        number = conn.execute(select(func.max(versions_table.c.number))).scalar() + 1
        conn.execute(versions_table.insert().values(
            number=number, created_at=active.created_at, author="old code", note="sorted",
            body=json.dumps(active.body, sort_keys=True)))
    assert config_versions.get(engine).config().default_queue == "sales"
    return number


def test_the_rollback_confirmation_and_its_answer_say_the_default_queue_moves(as_role,
                                                                              console_app):
    sorted_number = store_sorted_copy_of_active(console_app)  # version 2, "sales" first
    operator = as_role("operator")
    back = operator.post("/console/versions/rollback", {"version": "1", "active": "2"},
                         follow_redirects=True).get_data(as_text=True)
    assert "will be answered by queue &#39;support&#39;" in back  # the move back, said too
    assert "no longer by &#39;sales&#39;" in back
    page = operator.get(f"/console/versions/{sorted_number}/rollback").get_data(as_text=True)
    assert MOVED_TO_SALES in page
    done = operator.post("/console/versions/rollback",
                         {"version": str(sorted_number), "active": "3"}, follow_redirects=True)
    assert MOVED_TO_SALES in done.get_data(as_text=True)


def test_a_rollback_that_keeps_the_default_queue_says_nothing_of_it(as_role, console_app):
    operator = as_role("operator")
    operator.post("/console/policies/support", {"policy": "silence", "note": "quiet"})
    page = operator.get("/console/versions/1/rollback").get_data(as_text=True)
    assert "calls that name no queue" not in page


def test_the_api_rollback_answers_the_move_among_its_warnings(as_role, console_app):
    store_sorted_copy_of_active(console_app)
    answer = as_role("operator").api("POST", "/api/v1/config/rollback", {"version": 1})
    assert answer.status_code == 200, answer.get_json()
    assert any("answered by queue 'support'" in warning
               for warning in answer.get_json()["warnings"])


def fresh_log(tmp_path, monkeypatch) -> str:  # noqa: ANN001
    """DATABASE_URL set to a new, upgraded SQLite log (its URL), as `config import` reads."""
    from app.storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'holdwell.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_config_import_of_a_file_whose_first_queue_differs_warns(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cli.main import cli

    fresh_log(tmp_path, monkeypatch)
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    first.write_text('[queues.support]\npolicy = "checkin"\n[queues.sales]\npolicy = "silence"\n')
    second.write_text('[queues.sales]\npolicy = "silence"\n[queues.support]\npolicy = "checkin"\n')
    runner = CliRunner()
    assert "calls that name no queue" not in runner.invoke(
        cli, ["config", "import", str(first)]).output
    moved = runner.invoke(cli, ["config", "import", str(second)])
    assert moved.exit_code == 0, moved.output
    assert "warning: calls that name no queue (no ?queue= on the number's webhook) will be " \
        "answered by queue 'sales'" in moved.output


def test_a_removed_queue_is_said_with_where_its_calls_now_go(as_role, console_app, tmp_path,
                                                             monkeypatch):
    """A roll-back to a version without a queue removed it with only the diff's lines, while
    a number still naming it (?queue=billing) was answered by the default queue unseen."""
    from click.testing import CliRunner

    from cli.main import cli

    engine = console_app.extensions["holdwell"].store.engine
    active = config_versions.get(engine).config()
    with_billing = active.model_copy(update={"queues": {
        **active.queues, "billing": active.queues["sales"]}})
    config_versions.add(engine, with_billing, author="test", note="billing added",
                        now=config_versions.get(engine).created_at)
    removed = ("queue 'billing' is removed: calls whose webhook names it (?queue=billing) "
               "will be answered by queue 'support'")
    operator = as_role("operator")
    page = operator.get("/console/versions/1/rollback").get_data(as_text=True)
    assert removed.replace("'", "&#39;") in page
    assert "calls that name no queue" not in page  # the default stays
    answer = operator.api("POST", "/api/v1/config/rollback", {"version": 1})
    assert any(warning.startswith(removed) for warning in answer.get_json()["warnings"])
    kept = operator.get("/console/versions/2/rollback").get_data(as_text=True)
    assert "is removed" not in kept  # adding a queue back moves nobody
    url = console_app.extensions["holdwell"].settings.database_url
    monkeypatch.setenv("DATABASE_URL", url)
    only_support = tmp_path / "support.toml"
    only_support.write_text('[queues.support]\npolicy = "checkin"\n')
    cut = CliRunner().invoke(cli, ["config", "import", str(only_support),
                                   "--remove-queue", "sales"])
    assert cut.exit_code == 0, cut.output
    assert "warning: queue 'sales' is removed: calls whose webhook names it (?queue=sales) " \
        "will be answered by queue 'support'" in cut.output


def test_config_import_of_a_file_that_sets_nothing_is_refused_unless_meant(tmp_path,
                                                                          monkeypatch):
    """An empty or comments-only file (a truncated copy, a `>` mistake) had become the active
    version, every policy, prompt and opening hour back to defaults, with only "queue support:
    changed" said (operator audit 33, D3)."""
    from click.testing import CliRunner
    from sqlalchemy import create_engine

    from cli.main import cli

    url = fresh_log(tmp_path, monkeypatch)
    rich, empty = tmp_path / "rich.toml", tmp_path / "empty.toml"
    rich.write_text('[queues.support]\npolicy = "silence"\n')
    empty.write_text("# nothing yet\n")
    runner = CliRunner()
    assert runner.invoke(cli, ["config", "import", str(rich)]).exit_code == 0
    refused = runner.invoke(cli, ["config", "import", str(empty)])
    assert refused.exit_code == 1 and "sets nothing" in refused.output
    assert "--all-defaults" in refused.output and "nothing imported" in refused.output
    engine = create_engine(url)
    assert config_versions.get(engine).config().queues["support"].policy == "silence"
    engine.dispose()
    meant = runner.invoke(cli, ["config", "import", str(empty), "--all-defaults"])
    assert meant.exit_code == 0 and "imported as config version 2" in meant.output



def test_config_import_reads_a_piped_file_once(tmp_path, monkeypatch):
    """`cat f.toml | holdwell config import /dev/stdin`: a second read of the file (to see
    whether it set anything) found the pipe empty and refused it (review 33, R1)."""
    import os
    import threading

    from click.testing import CliRunner

    from cli.main import cli

    fresh_log(tmp_path, monkeypatch)
    first = tmp_path / "first.toml"
    first.write_text('[queues.support]\npolicy = "silence"\n')
    assert CliRunner().invoke(cli, ["config", "import", str(first)]).exit_code == 0
    piped = tmp_path / "piped.toml"
    os.mkfifo(piped)
    threading.Thread(target=lambda: piped.write_text('[queues.support]\npolicy = "checkin"\n'),
                     daemon=True).start()
    done: list = []
    importing = threading.Thread(target=lambda: done.append(
        CliRunner().invoke(cli, ["config", "import", str(piped)])), daemon=True)
    importing.start()
    importing.join(timeout=20)
    assert done, "the import waited on the pipe a second time"
    assert done[0].exit_code == 0, done[0].output
    assert "imported as config version 2" in done[0].output
