"""Headers on every console page and API answer: never shown inside another site's frame (a
framed page could trick an operator into a save, a roll-back or a cancel), no script or
style but our own files (and the pages' few inline styles), no MIME sniffing, no address
sent to other sites, and nothing kept by a browser or a proxy (pages, answers and CSV files
show callers' numbers; the back button after sign-out must not show them again) unless the
answer says how it may be kept (the console's own static files do)."""

from __future__ import annotations

from flask import Flask, Response, request

POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:", "media-src 'self'", "object-src 'none'", "base-uri 'none'",
    "form-action 'self'", "frame-ancestors 'none'"))
HEADERS = {"Content-Security-Policy": POLICY, "X-Frame-Options": "DENY",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
           "Cache-Control": "no-store"}
ROOMS = ("/console", "/api/v1", "/ops")  # /ops: the old callbacks page shows numbers too


def request_under(prefix: str | None) -> bool:
    """Whether this request's path is `prefix` or below it (with or without a last slash)."""
    path = request.path.rstrip("/")
    return bool(prefix) and (path == prefix or path.startswith(f"{prefix}/"))


HSTS = "max-age=31536000"
"""A year of https only for this host (not its subdomains: other services may live there);
sent on answers that came over https, as browsers ignore it over http anyway. A first
visit typed as http:// could otherwise be downgraded before the Secure cookie is set."""


def protect(response: Response) -> Response:
    if any(request_under(room) for room in ROOMS):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:  # ProxyFix, when configured, has restored the proxy's scheme
            response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(protect)
