"""Whole-number query values of console pages (`?page=`, `?before=`, `?show=`), read strictly.

Flask's `type=int` turns a value it cannot read into None, so `?page=abc` or `?before=x7`
showed the first page with a 200 as if nothing had been asked: bad input is to be a 4xx
that says why. Absent or empty still means the default, as a link left empty does.
"""

from __future__ import annotations

import re

from flask import abort, request

WHOLE_NUMBER = re.compile(r"-?[0-9]{1,100}")
"""Digits only (ASCII: int() also reads "٣" and "1_000"); a number past any version or page
is the view's to refuse (a 404 naming no such version, a last page)."""


def whole_number(name: str) -> int | None:
    """The query's `name` as an int; None when absent or empty; otherwise a 422 naming it."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not WHOLE_NUMBER.fullmatch(raw):
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        abort(422, description=f"Invalid input: {name}: a whole number, not {shown!r}.")
    return int(raw)
