"""`holdwell twilio setup` with Twilio out of reach says why in a few words and what to
check: the line had been urllib3's whole chain ("HTTPSConnectionPool(host='api.twilio.com',
port=443): Max retries exceeded with url: /2010-04-01/Accounts/AC…/Queues.json (Caused by
NameResolutionError(…))")."""

from __future__ import annotations

import pytest
import requests

from app.twilio_setup import explain

CHAIN = ("HTTPSConnectionPool(host='api.twilio.com', port=443): Max retries exceeded with url: "
         "/2010-04-01/Accounts/AC{}/Queues.json (Caused by {}")


@pytest.mark.parametrize(("error", "reason"), [
    (requests.exceptions.ConnectionError(CHAIN.format(
        "1" * 32, "NameResolutionError(\"Failed to resolve 'api.twilio.com' ([Errno -2] Name "
        "or service not known)\"))")), "api.twilio.com could not be looked up"),
    (requests.exceptions.ProxyError(CHAIN.format(
        "1" * 32, "ProxyError('Unable to connect to proxy', ConnectionRefusedError(111, "
        "'Connection refused')))")), "the proxy (HTTPS_PROXY) refused or dropped"),
    (requests.exceptions.ConnectTimeout(CHAIN.format("1" * 32, "ConnectTimeoutError())")),
     "api.twilio.com did not answer within 10 s"),
    (requests.exceptions.SSLError(CHAIN.format("1" * 32, "SSLError(...))")),
     "the TLS handshake failed"),
])
def test_twilio_out_of_reach_is_said_in_a_few_words(error, reason):
    said = explain(error)
    assert said.startswith(f"cannot reach Twilio: {reason}"), said
    assert said.endswith("check this machine's network, DNS and proxy settings")
    assert "HTTPSConnectionPool" not in said and "Max retries" not in said


def test_an_unforeseen_failure_keeps_its_first_line():
    assert explain(OSError("disk on fire\nmore")) == (
        "cannot reach Twilio: disk on fire; check this machine's network, DNS and proxy "
        "settings")
