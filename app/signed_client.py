"""Post webhooks to the app exactly as Twilio signs them (demo, tests, emulator)."""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from app.security import SignedParams


class SignedClient:
    """A Flask test client whose POSTs carry a valid X-Twilio-Signature for `base_url`."""

    def __init__(self, client: FlaskClient, auth_token: str, base_url: str = "http://localhost"):
        self.client = client
        self.validator = RequestValidator(auth_token)
        self.base_url = base_url.rstrip("/")

    @property
    def application(self):  # noqa: ANN201 - the Flask app under test
        return self.client.application

    def get(self, path: str) -> TestResponse:
        return self.client.get(path)

    def signature(self, url: str, params: Mapping[str, str]) -> str:
        return self.validator.compute_signature(url, SignedParams(params))

    def post(self, path: str, params: Mapping[str, str], **headers: str) -> TestResponse:
        """POST `params` to `path` (which may carry a query string or be absolute)."""
        parts = urlsplit(path)
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        url = path if parts.scheme else f"{self.base_url}{local}"
        headers = {"X-Twilio-Signature": self.signature(url, params), **headers}
        return self.client.post(local, data=dict(params), headers=headers,
                                base_url=self.base_url if not parts.scheme else
                                f"{parts.scheme}://{parts.netloc}")


class WsgiResponse:
    """The parts of a response the emulator reads."""

    def __init__(self, status: str, headers: list[tuple[str, str]], data: bytes) -> None:
        self.status_code = int(status.split(" ", 1)[0])
        self.headers = dict(headers)
        self.data = data


class SignedWsgiClient:
    """Like SignedClient, but calls the WSGI app directly: the same app, a leaner client.

    Werkzeug's test client builds a full request model per call; a simulated day makes
    hundreds of thousands of requests, so this one builds the WSGI environ by hand.
    """

    def __init__(self, app, auth_token: str, base_url: str = "http://localhost") -> None:  # noqa: ANN001
        self.application = app
        self.validator = RequestValidator(auth_token)
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self.scheme, self.host = parts.scheme, parts.netloc

    def post(self, path: str, params: Mapping[str, str]) -> WsgiResponse:
        parts = urlsplit(path)
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        body = urlencode(params).encode()
        signature = self.validator.compute_signature(f"{self.base_url}{local}",
                                                     SignedParams(params))
        return self._call("POST", parts.path, parts.query, body, signature)

    def get(self, path: str) -> WsgiResponse:
        parts = urlsplit(path)
        return self._call("GET", parts.path, parts.query, b"", "")

    def _call(self, method: str, path: str, query: str, body: bytes,
              signature: str) -> WsgiResponse:
        environ = {
            "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path,
            "QUERY_STRING": query, "SERVER_NAME": self.host.split(":")[0],
            "SERVER_PORT": "443" if self.scheme == "https" else "80",
            "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": self.host,
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)), "HTTP_X_TWILIO_SIGNATURE": signature,
            "wsgi.version": (1, 0), "wsgi.url_scheme": self.scheme,
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        }
        captured: list = []

        def start_response(status: str, headers: list, exc_info=None) -> None:  # noqa: ANN001
            captured[:] = [status, headers]

        chunks = self.application(environ, start_response)
        try:
            data = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return WsgiResponse(captured[0], captured[1], data)
