"""Our own webhook URLs as Twilio should call them (absolute when a public URL is set)."""

from __future__ import annotations

from app.services import services
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
