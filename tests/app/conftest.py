"""Fixtures of the app's tests: a callback line's app (tests.app.test_callbacks.CONFIG) and its
signed Twilio client, shared by the files that test callbacks through the real routes."""

from __future__ import annotations

import pytest

from app.signed_client import SignedClient
from tests.conftest import AUTH_TOKEN


@pytest.fixture
def cb_app(make_app):
    from tests.app.test_callbacks import CONFIG

    return make_app(CONFIG)


@pytest.fixture
def twilio_cb(cb_app) -> SignedClient:
    return SignedClient(cb_app.test_client(), AUTH_TOKEN)
