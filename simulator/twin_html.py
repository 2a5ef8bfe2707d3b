"""The twin's results as one self-contained HTML page (tables as text, plots inlined), for
analysts until the console's pages show them (issue 14). The page is a Jinja2 template,
`templates/twin.html`; this module only fills it."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))


def render_twin_html(title: str, command: str, sections: Sequence[tuple[str, str]],
                     images: Sequence[tuple[str, bytes]] = ()) -> str:
    """A page of (heading, preformatted text) sections and (caption, PNG bytes) images."""
    return _TEMPLATES.get_template("twin.html").render(
        title=title, command=command, sections=sections,
        images=[(caption, base64.b64encode(png).decode("ascii")) for caption, png in images],
        written_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M"))
