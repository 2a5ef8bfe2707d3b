"""benchmarks/no_database.py is the benchmarks' "app with no database" (the most database work
could bring, README "Webhook throughput"): that figure means something only if, once its first
poll is read, the app really touches no database and still answers every poll as the app does
(signature checked, the policy deciding, TwiML)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, func, select

from app import create_app
from app.storage.migrate import upgrade
from app.storage.schema import call_events, calls
from benchmarks.bench_request_cost import WAIT, headers, signed
from benchmarks.bench_webhooks import make_callers
from benchmarks.no_database import RememberedView, WriteBehind
from tests.conftest import AUTH_TOKEN

ROOT = Path(__file__).resolve().parents[1]


def log_size(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        size = (conn.execute(select(func.sum(calls.c.polls))).scalar_one(),
                conn.execute(select(func.count()).select_from(call_events)).scalar_one())
    engine.dispose()
    return size


def seeded(tmp_path: Path):  # noqa: ANN201 - (url, app, post, callers)
    """The example config's app on a fresh SQLite file, three callers in line and polled
    once; `post(path, params)` sends a signed request."""
    url = f"sqlite:///{tmp_path / 'holdwell.db'}"
    upgrade(url)
    config = tmp_path / "holdwell.toml"
    config.write_text((ROOT / "holdwell.example.toml").read_text())
    app = create_app({"auth_token": AUTH_TOKEN, "database_url": url,
                      "config_path": str(config), "journal_dir": str(tmp_path / "journal"),
                      "db_budget_s": 5.0})
    client, people = app.test_client(), make_callers(3)

    def post(path: str, params: dict[str, str]):  # noqa: ANN202 - a test response
        path, body, signature = signed(path, params)
        return client.post(path, data=body, headers=headers(signature))

    for caller in people:
        assert post("/voice/incoming", caller.incoming()).status_code == 200
        assert post(WAIT, caller.poll(0, len(people))).status_code == 200
    return url, app, post, people


def test_after_its_first_poll_the_app_answers_from_memory_and_writes_nothing(tmp_path):
    url, app, post, people = seeded(tmp_path)
    remembered = RememberedView(app.extensions["holdwell"].store)
    with remembered.installed():
        assert post(WAIT, people[0].poll(1, len(people))).status_code == 200  # real
        before = log_size(url)
        answers = [post(WAIT, caller.poll(round_, len(people)))
                   for round_ in range(2, 6) for caller in people]
        forged = app.test_client().post(WAIT, data="CallSid=CA1", headers=headers("forged"))
    assert log_size(url) == before  # nothing counted, nothing logged
    assert not (tmp_path / "journal" / "journal.jsonl").exists()  # nor journaled instead
    assert all(answer.status_code == 200 and b"<Response>" in answer.data for answer in answers)
    assert any(b"<Say" in answer.data for answer in answers)  # the policy still checks in
    assert forged.status_code == 403  # and the signature is still checked
    assert post(WAIT, people[1].poll(6, len(people))).status_code == 200
    assert log_size(url)[0] == before[0] + 1  # uninstalled: the real store again


def test_written_behind_every_poll_is_counted_and_every_check_in_logged_once_drained(tmp_path):
    """The "writes behind" row measures a design that still writes: each poll answered from
    memory is counted, and each check-in it served logged, when the queue is drained."""
    url, app, post, people = seeded(tmp_path)
    behind = WriteBehind(app.extensions["holdwell"].store, flush_s=3600)
    with behind.installed():
        assert post(WAIT, people[0].poll(1, len(people))).status_code == 200  # real
        before = log_size(url)
        answers = [post(WAIT, caller.poll(round_, len(people)))
                   for round_ in range(2, 6) for caller in people]
        assert log_size(url) == before  # answered before anything is written
        behind.drain()
    check_ins = sum(b"<Say" in answer.data for answer in answers)
    assert check_ins > 0
    assert log_size(url) == (before[0] + len(answers), before[1] + check_ins)


def test_a_failed_batch_is_reported_and_the_next_is_written(tmp_path, monkeypatch, capsys):
    url, app, post, people = seeded(tmp_path)
    behind = WriteBehind(app.extensions["holdwell"].store, flush_s=3600)
    with behind.installed():
        post(WAIT, people[0].poll(1, len(people)))  # real
        before = log_size(url)
        post(WAIT, people[1].poll(1, len(people)))
        with monkeypatch.context() as patched:
            patched.setattr(behind.store.engine, "begin", lambda: 1 / 0)
            behind.flush_once()
        assert "writes behind: a batch failed: ZeroDivisionError" in capsys.readouterr().err
        post(WAIT, people[2].poll(1, len(people)))
        behind.flush_once()
    assert log_size(url)[0] == before[0] + 1  # the failed batch lost, the next one written
