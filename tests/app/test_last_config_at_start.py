"""A worker that starts while the database is away runs the config version this host last
ran for that database, not the file (operator audit 35, D1): the file's line had no opening
hours and one queue, so callers outside hours were put in line and a console-made queue's
callers joined the default queue, until the database answered."""

from __future__ import annotations

import json
import re

from twilio.request_validator import RequestValidator

from app.console import last_config
from app.storage import config_versions
from app.storage.db import make_engine
from hold_policies.config import parse_config
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid
from tests.support.tcp_proxy import proxied_url, tcp_proxy  # noqa: F401 - fixture

FILE = '[queues.support]\npolicy = "silence"\n'


def save_version(url: str, clock) -> int:  # noqa: ANN001
    """The console's version: a second queue, `billing`, playing music_ads."""
    engine = make_engine(url)
    active = config_versions.get(engine)
    body = {**active.body, "queues": {**active.body["queues"],
                                     "billing": {"policy": "music_ads"}}}
    saved = config_versions.add(engine, parse_config(body), author="olu", note="billing",
                                now=clock.now(), after=active.number)
    engine.dispose()
    return saved.number


def test_a_worker_started_in_an_outage_runs_the_version_it_last_ran(
        make_app, postgres_url, tcp_proxy, clock, tmp_path, caplog):  # noqa: F811
    url = proxied_url(postgres_url, tcp_proxy)
    first = make_app(FILE, database_url=url)
    save_version(url, clock)
    first.extensions["holdwell_live_config"].refresh(first.extensions["holdwell"], force=True)
    assert "billing" in first.extensions["holdwell"].config.queues
    kept = json.loads((tmp_path / "journal" / last_config.FILE_NAME).read_text())
    assert kept["number"] == 2 and "password" not in json.dumps(kept)
    first.extensions["holdwell"].store.engine.dispose()

    tcp_proxy.set_mode("refuse")  # the database goes away; a worker starts meanwhile
    second = make_app(FILE, database_url=url, db_budget_s=0.5)
    svc = second.extensions["holdwell"]
    assert set(svc.config.queues) == {"support", "billing"}  # had been the file's support only
    assert "running config version 2, the last this host ran" in caplog.text
    path = "/voice/incoming?queue=billing"
    params = {"CallSid": sid("CAout"), "From": "+14155550100"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"http://localhost{path}", params)
    said = second.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert b">billing</Enqueue>" in said.data  # had been support's line

    tcp_proxy.set_mode("pass")  # back: the active version is read again, whatever its number
    live = second.extensions["holdwell_live_config"]
    live.refresh(svc, force=True)
    assert live.number == 2


def test_another_databases_version_is_never_run(make_app, postgres_url, tcp_proxy,  # noqa: F811
                                                tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("HOLDWELL_SECRET_KEY", "k" * 32)  # the seed is the first look
    folder = tmp_path / "journal"
    folder.mkdir()
    last_config.remember(str(folder), "postgresql+psycopg://postgres:secret@10.9.9.9/other"
                         "?sslpassword=hidden&password=s3cret", 7,
                         {"queues": {"elsewhere": {"policy": "music_ads"}}})
    kept = folder / last_config.FILE_NAME
    assert not {"secret", "hidden", "s3cret", "postgres"} & set(re.split(r"\W+", kept.read_text()))
    assert kept.stat().st_mode & 0o777 == 0o600  # review 35, R4: it had been 0644
    tcp_proxy.set_mode("refuse")
    app = make_app(FILE, database_url=proxied_url(postgres_url, tcp_proxy), db_budget_s=0.5)
    assert set(app.extensions["holdwell"].config.queues) == {"support"}  # the file
    assert "not of this line's database; running the file" in caplog.text
    assert "the database cannot be reached or used now" in caplog.text
    assert "run `holdwell db upgrade`" not in caplog.text  # the advice for missing tables


def test_a_worker_booting_into_a_black_hole_tries_the_database_once(
        make_app, postgres_url, tcp_proxy, monkeypatch):  # noqa: F811
    """The session key, the seed and the version look-up each waited libpq's 2 s connect
    timeout in turn: 6 s before a booting worker took a call (trust audit 35, D2). Once the
    first finds the database unreachable, the worker starts at once without the others."""
    monkeypatch.delenv("HOLDWELL_SECRET_KEY", raising=False)
    url = proxied_url(postgres_url, tcp_proxy)
    make_app(FILE, database_url=url).extensions["holdwell"].store.engine.dispose()
    tcp_proxy.set_mode("hang")
    before = tcp_proxy.accepted
    app = make_app(FILE, database_url=url, db_budget_s=0.5)
    assert tcp_proxy.accepted - before == 1
    assert set(app.extensions["holdwell"].config.queues) == {"support"}
    tcp_proxy.set_mode("pass")


def test_a_database_back_with_no_version_is_seeded_from_the_file(
        make_app, postgres_url, tcp_proxy, tmp_path, monkeypatch):  # noqa: F811
    """A worker started while the database was away never seeded: had the database come
    back empty (made anew at the same address), it ran the kept version of the old one
    until a restart (review 35, R7)."""
    monkeypatch.setenv("HOLDWELL_SECRET_KEY", "k" * 32)
    url = proxied_url(postgres_url, tcp_proxy)
    folder = tmp_path / "journal"
    folder.mkdir()
    last_config.remember(str(folder), url, 4, {"queues": {"billing": {"policy": "music_ads"}}})
    tcp_proxy.set_mode("refuse")
    app = make_app(FILE, database_url=url, db_budget_s=0.5)
    svc, live = app.extensions["holdwell"], app.extensions["holdwell_live_config"]
    assert set(svc.config.queues) == {"billing"}  # the kept version, while it is away
    tcp_proxy.set_mode("pass")
    svc.store.runner.down_until = 0.0
    live.refresh(svc, force=True)
    assert set(svc.config.queues) == {"support"} and live.number == 1  # the file's, seeded
