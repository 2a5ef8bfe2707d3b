"""Callers who were not served in a period, with their numbers (masked for analysts)."""

from __future__ import annotations

from flask import Response, render_template, request
from pydantic import ValidationError

from app.api.params import period
from app.api.registry import field_errors
from app.auth.access import allowed, requires
from app.console.blueprint import bp
from app.console.lists import unserved_csv, unserved_response
from app.services import services


@bp.get("/unserved")
@requires("view")
def unserved() -> str | tuple[str, int]:
    try:
        start, end = period()
    except ValidationError as error:
        problems = "; ".join(f"{name}: {why}" for name, why in field_errors(error).items())
        return render_template("console/unserved.html", data=None,
                               error=f"Not a usable date and time: {problems} "
                                     "(use 2026-12-01T09:00)"), 422
    data = unserved_response(services(), start, end, mask=not allowed("see_numbers"))
    return render_template("console/unserved.html", data=data, error=None,
                           query=request.query_string.decode())


@bp.get("/unserved.csv")
@requires("view")
def unserved_download() -> Response:
    start, end = period()
    data = unserved_response(services(), start, end, mask=not allowed("see_numbers"))
    return Response(unserved_csv(data), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=unserved.csv"})
