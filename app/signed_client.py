"""Post webhooks to the app exactly as Twilio signs them (demo, tests, emulator)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse


class SignedClient:
    """A Flask test client whose POSTs carry a valid X-Twilio-Signature for `base_url`."""

    def __init__(self, client: FlaskClient, auth_token: str, base_url: str = "http://localhost"):
        self.client = client
        self.validator = RequestValidator(auth_token)
        self.base_url = base_url.rstrip("/")

    def signature(self, url: str, params: Mapping[str, str]) -> str:
        return self.validator.compute_signature(url, dict(params))

    def post(self, path: str, params: Mapping[str, str], **headers: str) -> TestResponse:
        """POST `params` to `path` (which may carry a query string or be absolute)."""
        parts = urlsplit(path)
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        url = path if parts.scheme else f"{self.base_url}{local}"
        headers = {"X-Twilio-Signature": self.signature(url, params), **headers}
        return self.client.post(local, data=dict(params), headers=headers,
                                base_url=self.base_url if not parts.scheme else
                                f"{parts.scheme}://{parts.netloc}")
