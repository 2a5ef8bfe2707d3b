"""Query parameters shared by API endpoints and console pages (a bad one is a 422 by name)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import request

from app.api.models import Model
from app.services import services

PERIOD_QUERY = {
    "start": {"type": "string", "format": "date-time",
              "description": "ISO-8601, default: 24 hours before `end`"},
    "end": {"type": "string", "format": "date-time", "description": "ISO-8601, default: now"},
}


class Period(Model):
    start: datetime | None = None
    end: datetime | None = None


def _utc(moment: datetime | None) -> datetime | None:
    """A time without a zone (the console's date pickers) is read as UTC, like every time here."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def period() -> tuple[datetime, datetime]:
    """?start=&end= (ISO-8601); pydantic's ValidationError names a bad one."""
    given = Period.model_validate({k: v for k, v in request.args.items() if k in PERIOD_QUERY})
    end = _utc(given.end) or services().clock.now()
    start = _utc(given.start) or end - timedelta(days=1)
    return start, end
