"""A request's body read where a broken one is the client's fault: a 400 that says why.

gunicorn raises its own parse errors (a chunk size that is not hex, a chunk without its
CRLF) from the body's stream, and they are not HTTP errors: the voice blueprint answered
them with a caller's safe TwiML before any signature was checked, and the API with a 500
(API audit 35, D1 and D3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.exceptions import BadRequest, HTTPException


@contextmanager
def read_as_client_fault() -> Iterator[None]:
    """Any failure to read the body inside is a 400 naming it; HTTP errors pass as they are
    (a body over the cap stays a 413, a client gone a 400 of its own)."""
    try:
        yield
    except HTTPException:
        raise
    except Exception as error:
        raise BadRequest(f"the request body could not be read ({type(error).__name__}): its "
                         "chunked framing is broken or it ended early") from None
