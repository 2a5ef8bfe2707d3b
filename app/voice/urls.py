"""Our own webhook URLs as Twilio should call them (absolute when a public URL is set)."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage.resume_writes import rejoin_queue
from app.voice.forms import RouteParams


def voice_url(path: str, params: RouteParams, **extra: str) -> str:
    base = services().settings.public_url or ""
    query = params.query(**extra)
    return f"{base}/voice/{path}" + (f"?{query}" if query else "")


def audio_url(name: str) -> str | None:
    """URL of a prepared clip, or None (then the caller hears silence of the same length)."""
    library = services().audio
    path = library.url_path(name) if library is not None else None
    if path is None:
        return None
    return f"{services().settings.public_url or ''}{path}"


def enqueue(response: VoiceResponse, params: RouteParams) -> VoiceResponse:
    """The one way a caller joins the line: our wait and queue-result URLs on the Enqueue; a
    leg continuing a dropped call (`resumes`) joins the queue's rejoin queue."""
    queue = rejoin_queue(params.queue) if params.resumes else params.queue
    response.enqueue(queue, action=voice_url("queue-result", params),
                     method="POST", wait_url=voice_url("wait", params), wait_url_method="POST")
    return response
