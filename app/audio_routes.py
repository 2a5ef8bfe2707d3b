"""Serve prepared audio to Twilio's ``<Play>`` under content-hashed names, cacheable forever.

The name changes whenever the bytes do, so ``immutable`` caching is safe and Twilio's caching
proxies fetch each file once. Unknown or stale names are a plain 404: policies only ever emit URLs
the library gave them, and a failing file never gets one (the caller hears silence instead).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort, current_app, request

if TYPE_CHECKING:  # the audio tools (scipy) load only where audio files exist
    from audio.library import AudioLibrary

bp = Blueprint("audio", __name__, url_prefix="/audio")

CACHE_FOREVER = "public, max-age=31536000, immutable"


@bp.get("/<filename>")
def serve(filename: str) -> Response:
    """One prepared WAV, with a strong ETag so revalidation costs a 304 and no bytes."""
    library: AudioLibrary | None = current_app.extensions.get("holdwell_audio")
    entry = library.entry_for_filename(filename) if library is not None else None
    if entry is None:
        abort(404)
    response = Response(entry.data, mimetype="audio/wav")
    response.set_etag(entry.sha256)
    response.headers["Cache-Control"] = CACHE_FOREVER
    response = response.make_conditional(request)
    if response.status_code == 412:  # werkzeug keeps the whole clip as the 412's body
        return Response(f"If-Match names no version of {filename}: its ETag is "
                        f'"{entry.sha256}"\n', status=412, mimetype="text/plain")
    return response
