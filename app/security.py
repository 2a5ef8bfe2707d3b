"""X-Twilio-Signature validation over the public URL Twilio actually requested."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator, Mapping

from flask import Request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from app.number_mask import without_numbers

log = logging.getLogger("holdwell.security")


class SignedParams:
    """Form values as RequestValidator.compute_signature reads them at its first try.

    Its `get_values` asks `getall`, then `getlist`, then indexes: a plain dict costs two
    caught AttributeErrors per parameter and werkzeug's MultiDict one, a third of the
    signature's time. Same names, same values (all of a repeated name), same signature.
    """

    __slots__ = ("_getlist", "_names")

    def __init__(self, params: Mapping[str, str] | MultiDict) -> None:
        if isinstance(params, MultiDict):
            self._names, self._getlist = params, params.getlist
        else:
            self._names, self._getlist = params, lambda name: [params[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def getall(self, name: str) -> list[str]:
        return self._getlist(name)


def public_url(request: Request, configured_base: str | None) -> str:
    """The URL as Twilio saw it: the configured public base plus path and exact query string."""
    query = request.query_string.decode("latin-1")
    suffix = f"{request.path}" + (f"?{query}" if query else "")
    if configured_base:
        return f"{configured_base}{suffix}"
    # Scheme and host as the request carried them (ProxyFix, when configured, has already
    # restored what the proxy saw), and the query string exactly as sent.
    return f"{request.scheme}://{request.host}{request.root_path}{suffix}"


FORWARDED = ("X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port")


def untrusted_proxy(request: Request) -> str:
    """What a proxy said of the URL that was not used (no ProxyFix: HOLDWELL_TRUSTED_PROXIES
    is 0), in words for the 403; "" when none said anything or it was trusted. Behind a TLS
    proxy the URL built is http://internal-host, and the 403 had only asked whether
    HOLDWELL_PUBLIC_URL, which was not set, was right."""
    if "werkzeug.proxy_fix.orig" in request.environ:
        return ""
    said = [f"{name}: {one_line(value)[:80]}" for name in FORWARDED
            if (value := request.headers.get(name))]
    if not said:
        return ""
    return (f" (a proxy forwarded it, saying {', '.join(said)}: holdwell trusts those "
            "headers only with HOLDWELL_TRUSTED_PROXIES set)")


def one_line(text: str) -> str:
    """A header's value as one printable line (a 403's words and a log line's)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


class SignatureCheck:
    """Validates requests with Twilio's own RequestValidator; never raises, answers a bool."""

    def __init__(self, auth_token: str | None, configured_base: str | None) -> None:
        self.validator = RequestValidator(auth_token) if auth_token else None
        self.configured_base = configured_base

    def problem(self, request: Request) -> str | None:
        """Why `request` is not Twilio's (None: it is), in words safe to answer with: what
        Twilio's debugger shows an operator whose HOLDWELL_PUBLIC_URL or auth token is wrong.
        Names the header and the URL checked, never the token or the expected signature."""
        signature = request.headers.get("X-Twilio-Signature", "")
        if self.validator is None or not signature or not signature.isascii():
            # Twilio's signatures are base64; anything else is forged
            log.warning("rejected request %s for %s", "with a signature that is not Twilio's"
                        if signature else "without a Twilio signature", request.path)
            if self.validator is None:
                return "no TWILIO_AUTH_TOKEN is configured, so no request can be verified"
            return ("X-Twilio-Signature is not a Twilio signature" if signature
                    else "missing X-Twilio-Signature header")
        params = request.form if request.method == "POST" else {}
        url = public_url(request, self.configured_base)
        try:
            # Fast path: the URL exactly as built (the usual case) takes one HMAC; anything
            # else goes through RequestValidator.validate, which also tries the URL
            # with/without port.
            expected = self.validator.compute_signature(url, SignedParams(params))
            if hmac.compare_digest(expected, signature) or self.validator.validate(
                    url, params, signature):
                return None
        except Exception as error:  # noqa: BLE001 - a form no Twilio request has
            # (a multipart part without a name reads as None, which the HMAC cannot join):
            # it raised out of the signature check, and the route's safe TwiML answered
            log.warning("rejected request for %s: its form cannot be signed (%s)",
                        request.path, type(error).__name__)
            return ("X-Twilio-Signature cannot be checked: this request's form cannot be "
                    f"read as Twilio sends one ({type(error).__name__}; Twilio posts "
                    "application/x-www-form-urlencoded)")
        shown = without_numbers(url)  # the callback confirmation's URL carries the number
        log.warning("rejected request with a bad Twilio signature for %s", shown)
        if self.configured_base:
            return (f"X-Twilio-Signature does not match this request as signed for {shown} "
                    "(is HOLDWELL_PUBLIC_URL the base URL Twilio calls, and TWILIO_AUTH_TOKEN "
                    "this account's?)")
        return (f"X-Twilio-Signature does not match this request as signed for {shown}: "
                "HOLDWELL_PUBLIC_URL is not set, so that URL is built from the request's own "
                f"scheme and Host{untrusted_proxy(request)}; set HOLDWELL_PUBLIC_URL to the "
                "base URL Twilio calls (and is TWILIO_AUTH_TOKEN this account's?)")
