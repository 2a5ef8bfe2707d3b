"""Preview: what a made-up caller would hear, minute by minute (filled in by issue 14 item 6)."""

from __future__ import annotations

from flask import render_template

from app.auth.access import requires
from app.console.blueprint import bp


@bp.get("/preview")
@requires("view")
def preview() -> str:
    return render_template("console/preview.html")
