"""Callers who were not served in a period, with their numbers (masked for analysts)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Response, render_template, request
from pydantic import ValidationError

from app.api.params import IN_FUTURE, REVERSED, period
from app.auth.access import allowed, requires
from app.console.blueprint import bp
from app.console.form_words import form_errors
from app.console.line_clock import page_clock
from app.console.lists import unserved_csv, unserved_response
from app.services import services


@bp.get("/unserved")
@requires("view")
def unserved() -> str | tuple[str, int]:
    zone = page_clock()[1]  # the pickers are read on the clock the times are shown on: an
    try:  # operator in Sydney had picked and read UTC
        start, end = period(zone)
    except ValidationError as error:  # what was typed stays in the pickers to be mended
        return render_template("console/unserved.html", data=None, error=_not_usable(error),
                               typed=request.args), 422
    data = unserved_response(services(), start, end, mask=not allowed("see_numbers"))
    return render_template("console/unserved.html", data=data, error=None,
                           twice=happened_twice(zone))


def happened_twice(zone: ZoneInfo) -> list[dict[str, str]]:
    """The picked times the line's clock showed twice (the hour the clocks went back): the
    period takes the first, and the page says so with a link to the second. It had taken
    the first without a word (browser walk-through U20)."""
    said = []
    for field in ("start", "end"):
        try:
            typed = datetime.fromisoformat(request.args.get(field, ""))
        except ValueError:
            continue
        if typed.tzinfo is not None:
            continue
        first, second = typed.replace(tzinfo=zone, fold=0), typed.replace(tzinfo=zone, fold=1)
        if first.utcoffset() == second.utcoffset():
            continue
        other = {**request.args.to_dict(), field: second.isoformat()}
        said.append({"field": "From" if field == "start" else "To",
                     "typed": typed.strftime("%Y-%m-%d %H:%M"), "first": first.tzname() or "",
                     "second": second.tzname() or "", "query": urlencode(other)})
    return said


LABELS = {"start": "From", "end": "To"}
"""The pickers' labels, by the field each fills: the period's errors are said with them."""


def _not_usable(error: ValidationError) -> str:
    """What is wrong with the period asked for, naming From or To as the pickers do."""
    problems = "; ".join(f"{name}: {why}" for name, why
                         in form_errors(error, LABELS).items())
    if any(item["type"] == REVERSED for item in error.errors()):
        return f"Not a usable period: {problems}. Put the earlier time in From."
    if any(item["type"] == IN_FUTURE for item in error.errors()):
        return f"Not a usable period: {problems}. Pick a From in the past, or a To as well."
    unreadable = any(item["type"].startswith(("datetime", "date_")) for item in error.errors())
    return f"Not a usable date and time: {problems}" + (
        " (a date and time such as 2026-12-01T09:00)" if unreadable else ".")  # a time the
    # clocks skipped is no format problem: its sentence had ended in a format to use


@bp.get("/unserved.csv")
@requires("view")
def unserved_download() -> Response:
    start, end = period(page_clock()[1])  # the page's link: its pickers' clock
    data = unserved_response(services(), start, end, mask=not allowed("see_numbers"))
    return unserved_csv(data)
