"""`/healthz` answers anyone (a load balancer), so it says what is wrong in this code's words
and leaves the driver's message, with the database's address, port and role, to the log
(security probe F5: a refused role had been answered word for word)."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def test_an_unreachable_database_is_said_without_its_address_or_role(make_app, caplog):
    url = "postgresql+psycopg://nosuchrole:S3cretPW@127.0.0.1:5432/test"
    client = make_app(database_url=url, db_budget_s=2.0).test_client()
    with caplog.at_level(logging.WARNING, logger="holdwell.health"):
        answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json["database"] == "unreachable"
    said = answer.get_data(as_text=True)
    for secret in ("nosuchrole", "127.0.0.1", "5432", "S3cretPW"):
        assert secret not in said
    assert "the driver's message is in this instance's log" in answer.json["problem"]
    assert "nosuchrole" in caplog.text  # the operator still finds it


@contextlib.contextmanager
def role_granted(postgres_url: str, *grants: str) -> Iterator[str]:
    """A database URL for a fresh login role holding only `grants` (each "PRIVILEGES ON
    OBJECTS"), dropped afterwards."""
    role = f"holdwell_ro_{secrets.token_hex(4)}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    database = make_url(postgres_url).database
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"'))
        conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
        for grant in grants:
            conn.execute(text(f'GRANT {grant} TO "{role}"'))
    try:
        yield make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'REASSIGN OWNED BY "{role}" TO postgres'))
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


def health_as(make_app, url: str):  # noqa: ANN001, ANN201
    return make_app(database_url=url, db_budget_s=2.0).test_client().get("/healthz")


def test_a_role_refused_a_write_is_told_to_get_a_grant_not_an_upgrade(make_app, postgres_url):
    """A permission refusal had been answered "table calls is missing: run `holdwell db
    upgrade`", which would not help (review 31 #5)."""
    with role_granted(postgres_url, "SELECT ON ALL TABLES IN SCHEMA public") as url:
        answer = health_as(make_app, url)
    assert answer.status_code == 503 and answer.json["database"] == "not writable"
    assert "lacks a privilege on table alembic_version (permission denied)" in \
        answer.json["problem"]
    assert "db upgrade" not in answer.json["problem"]


def test_a_role_that_may_read_but_not_write_the_webhook_tables_is_not_healthy(
        make_app, postgres_url):
    """Such a role had passed: every read answers, and each webhook's write would have gone
    to the journal for good (review 31b #5)."""
    with role_granted(postgres_url, "SELECT ON ALL TABLES IN SCHEMA public",
                      "UPDATE ON alembic_version") as url:
        answer = health_as(make_app, url)
    assert answer.status_code == 503 and answer.json["database"] == "not writable"
    problem = answer.json["problem"]
    for lacking in ("INSERT on calls", "UPDATE on call_events", "INSERT on callbacks",
                    "UPDATE on callback_messages"):
        assert lacking in problem
    assert "SELECT on" not in problem and "GRANT SELECT, INSERT, UPDATE" in problem


def test_a_serial_column_needs_its_sequence_too(make_app, postgres_url):
    with role_granted(postgres_url,
                      "SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public") as url:
        answer = health_as(make_app, url)
    assert answer.status_code == 503
    assert "USAGE on call_events (its sequence public.call_events_id_seq)" in \
        answer.json["problem"]


def test_a_role_granted_what_the_advice_says_is_healthy(make_app, postgres_url):
    with role_granted(postgres_url,
                      "SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public",
                      "USAGE ON ALL SEQUENCES IN SCHEMA public") as url:
        answer = health_as(make_app, url)
    assert answer.status_code == 200, answer.json


def test_column_grants_and_a_sequences_update_are_enough(make_app, postgres_url):
    """A role granted its writes column by column, and UPDATE (not USAGE) on the sequences,
    writes every webhook's rows, yet had been answered 503 (review 32 R2)."""
    from app.storage.schema import call_events, callback_messages, callbacks, calls

    columns = [f"INSERT ({', '.join(c.name for c in table.columns)}), "
               f"UPDATE ({', '.join(c.name for c in table.columns)}) ON {table.name}"
               for table in (calls, call_events, callbacks, callback_messages)]
    with role_granted(postgres_url, "SELECT ON ALL TABLES IN SCHEMA public",
                      "UPDATE ON alembic_version", *columns,
                      "UPDATE ON ALL SEQUENCES IN SCHEMA public") as url:
        answer = health_as(make_app, url)
    assert answer.status_code == 200, answer.json


def test_a_postgresql_database_with_no_tables_is_told_to_upgrade(make_app):
    """PostgreSQL's undefined_table reaches /healthz inside the deadline's DatabaseUnavailable:
    read without its cause, an empty database had been called "not writable"."""
    from tests.support.postgres import PostgresUnavailable, fresh_database

    try:
        with fresh_database(migrate=False) as url:
            answer = health_as(make_app, url)
    except PostgresUnavailable as error:
        pytest.skip(str(error))
    assert answer.status_code == 503, answer.json
    assert answer.json["database"] == "no schema"
    assert "run `holdwell db upgrade`" in answer.json["problem"]
