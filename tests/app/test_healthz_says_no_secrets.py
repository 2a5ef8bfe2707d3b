"""`/healthz` answers anyone (a load balancer), so it says what is wrong in this code's words
and leaves the driver's message, with the database's address, port and role, to the log
(security probe F5: a refused role had been answered word for word)."""

from __future__ import annotations

import logging


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
