"""Names that differ only in case are one name, and the database itself holds to it: two
adds at once had both passed `add_user`'s read of the names and both landed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import create_engine, select, text

from app.storage import users as people
from app.storage.console_schema import users
from app.storage.migrate import downgrade, upgrade

WHEN = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
VARIANTS = ["Ana", "ana", "ANA", "anA", "aNa", "AnA"]


def _add_all_at_once(url: str) -> tuple[list[str], list[str]]:
    """Each variant added by its own thread, all released together; added, refused."""
    engine = create_engine(url, pool_size=len(VARIANTS))
    start, added, refused = threading.Barrier(len(VARIANTS)), [], []

    def add(name: str) -> None:
        start.wait()
        try:
            people.add_user(engine, name, "analyst", "a long password", WHEN)
            added.append(name)
        except people.UserError as error:
            refused.append(str(error))

    threads = [threading.Thread(target=add, args=(name,)) for name in VARIANTS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as conn:
        stored = list(conn.execute(select(users.c.name)).scalars())
    engine.dispose()
    assert sorted(stored) == sorted(added)
    return added, refused


def test_of_six_names_added_at_once_that_differ_only_in_case_one_lands(any_url):
    for _round in range(3):
        added, refused = _add_all_at_once(any_url)
        assert len(added) == 1, added
        assert len(refused) == len(VARIANTS) - 1
        assert all("already exists" in message for message in refused)
        with create_engine(any_url).begin() as conn:
            conn.execute(text("DELETE FROM audit_log"))
            conn.execute(text("DELETE FROM users"))


def test_the_key_folds_as_python_does_not_only_ascii(any_url):
    engine = create_engine(any_url)
    people.add_user(engine, "Straße", "operator", "a long password", WHEN)
    try:
        people.add_user(engine, "STRASSE", "operator", "a long password", WHEN)
    except people.UserError as error:
        assert "'Straße' already exists" in str(error)
    else:
        raise AssertionError("STRASSE was added beside Straße")
    with engine.connect() as conn:
        assert conn.execute(select(users.c.name_key)).scalar() == "strasse"


def test_names_stored_before_the_key_that_fold_alike_keep_their_accounts(any_url, caplog):
    """The upgrade neither fails nor renames anyone: the oldest gets the key, it says which
    names clash, and new names are still checked against all of them."""
    downgrade(any_url, "0017")
    engine = create_engine(any_url)
    with engine.begin() as conn:
        for name in ("Ana", "ana", "bo"):
            conn.execute(text("INSERT INTO users (name, role, password_hash, created_at) "
                              "VALUES (:name, 'analyst', 'x', :when)"),
                         {"name": name, "when": WHEN})
    upgrade(any_url)
    assert "users 'Ana' and 'ana' differ only in case" in caplog.text
    with engine.connect() as conn:
        keys = dict(conn.execute(select(users.c.name, users.c.name_key)).all())
    assert keys == {"Ana": "ana", "ana": None, "bo": "bo"}
    for clash in ("ANA", "Bo"):
        try:
            people.add_user(engine, clash, "analyst", "a long password", WHEN)
        except people.UserError:
            continue
        raise AssertionError(f"{clash} was added")
    people.add_user(engine, "cy", "analyst", "a long password", WHEN)
    engine.dispose()
