"""A script that puts `…T09:00:00+02:00` in a URL unencoded sends a space where the `+` was:
the 422 says so and how to send it, rather than "unexpected extra characters"."""

from __future__ import annotations

import pytest

from app.storage import users


@pytest.fixture
def analyst(make_app, clock, monkeypatch):
    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")
    app = make_app()
    engine = app.extensions["holdwell"].store.engine
    users.add_user(engine, "ana", "analyst", "a long passphrase", clock.now())
    token = users.issue_token(engine, "ana", clock.now())
    return app.test_client(), {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", ["/api/v1/unserved", "/api/v1/unserved.csv"])
@pytest.mark.parametrize("sent", ["2026-01-05T00:00:00+02:00", "2026-01-05T09:30+0530",
                                  "2026-01-05 00:00:00+02"])
def test_an_offsets_plus_sent_unencoded_is_named(analyst, path, sent):
    client, headers = analyst
    answer = client.get(f"{path}?start={sent}&end=2026-01-06T00:00:00Z", headers=headers)
    assert answer.status_code == 422
    said = answer.get_json()["fields"]["start"]
    assert "%2B" in said and "arrived as a space" in said


def test_the_same_time_encoded_is_taken(analyst):
    client, headers = analyst
    answer = client.get("/api/v1/unserved?start=2026-01-05T00:00:00%2B02:00"
                        "&end=2026-01-06T00:00:00-01:00", headers=headers)
    assert answer.status_code == 200
    assert answer.get_json()["start"] == "2026-01-05T00:00:00+02:00"
