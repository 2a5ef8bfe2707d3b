"""A form's errors in the form's own words: the API's models validate the console's GET forms
(twin, preview), and their field names ("window_days", "agents.2") meant nothing to someone
looking at boxes labelled "Days of log" and "Agents per half-hour"."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import ValidationError

from app.api.registry import NO_FIELD, field_errors, field_key
from app.console.blueprint import bp

NAMED = re.compile(r"`([^`\s]+)`")
"""A field a message names, marked as the API's documents mark one: `window_days`."""
WHOLE_CONFIG = NO_FIELD
"""field_errors' key for a problem of no one field (a check across fields)."""
WHOLE_FORM = {WHOLE_CONFIG: "The form"}
"""How a GET form (twin, preview) names it."""


def form_errors(error: ValidationError, labels: Mapping[str, str]) -> dict[str, str]:
    """A model's refusal of a form (`ticked_field_errors`) in the form's words."""
    return in_form_words(ticked_field_errors(error), labels)


def ticked_field_errors(error: ValidationError) -> dict[str, str]:
    """api.registry.field_errors, but a list of ticks with too few ticked says how many to
    tick: pydantic's "List should have at least 1 item after validation, not 0 (got [])" had
    been shown to an analyst who ran the twin with no policy ticked."""
    fields = field_errors(error)
    for item in error.errors():
        if item["type"] == "too_short" and isinstance(item.get("input"), list):
            least = item.get("ctx", {}).get("min_length", 1)
            fields[field_key(item)] = (
                f"tick at least {least}" if least > 1 else "tick at least one")
    return fields


def in_form_words(errors: Mapping[str, str], labels: Mapping[str, str]) -> dict[str, str]:
    """`errors` keyed by each field's label ("agents.2" -> "Agents per half-hour, number 3"),
    with each field a message names in backticks ("`window_days`") said as its label,
    quoted; names without a label are kept. Only a marked name: any whole word had been
    swapped, so "the log's last 28 day(s)" read "28 “Day”(s)" and "the twin" "the “Twin”"."""
    labels = {**WHOLE_FORM, **labels}

    def said(message: str) -> str:
        return NAMED.sub(lambda found: f"“{labels[found.group(1)]}”"
                         if found.group(1) in labels else found.group(0), message)

    return {_label(key, labels): said(message) for key, message in errors.items()}


def _label(key: str, labels: Mapping[str, str]) -> str:
    field, _, rest = key.partition(".")
    label = labels.get(field, field)
    if rest.isdigit():
        return f"{label}, number {int(rest) + 1}"
    return f"{label}.{rest}" if rest else label


@bp.app_template_filter("field_id")
def field_id(name: str) -> str:
    """An HTML id for the box of field `name` ("checkin.interval_s" -> "f-checkin-interval_s"):
    the error summary links to it and its error names it (aria-describedby)."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)
