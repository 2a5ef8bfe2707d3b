"""Twin: the twin fitted from this line's own log, and a what-if on it (analysts and above).

The form is a GET (a what-if changes nothing), validated by the API's `TwinAsk`; the page and
POST /api/v1/twin/whatif call the same `answer`.
"""

from __future__ import annotations

import re

from flask import render_template, request
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict

from analytics.promises import PROMISE_KEPT_RATE
from app.api.twin_models import WHATIF_ORDER, TwinAsk, TwinFitView, TwinWindow
from app.auth.access import requires
from app.console.blueprint import bp
from app.console.form_words import form_errors, in_form_words, ticked_field_errors
from app.console.twin_limits import TwinProblem
from app.console.twin_live import MIN_CALLS, EmptyLog, live_twin
from app.console.twin_view import fit_view
from app.console.twin_whatif import answer, ask_context, configured_variants
from app.services import Services, services
from app.storage.deadline import DatabaseUnavailable
from simulator.fit_results import BORROWED, BORROWED_MARK, BORROWED_SHORT

BACKTEST_DAYS = 7
"""The held-out days the form offers when the log has them (a week: every weekday once)."""
LABELS = {"window_days": "Days of log", "day": "Day", "replications": "Replications",
          "seed": "Seed", "policies": "Policies", "agents": "Agents per half-hour",
          "target_unserved": "Staffing target: most unserved",
          "target_service_level": "Staffing target: least service level",
          "sl_seconds": "within (s)", "backtest_days": "Backtest: hold out days",
          "twin": "Twin"}
"""The form's labels, by the API field each box fills: its errors are said with them."""
SCALARS = ("window_days", "day", "replications", "target_unserved", "target_service_level",
           "sl_seconds", "backtest_days", "seed")


def asked_of(args: MultiDict) -> dict:
    """The form as TwinAsk's input: empty fields left out (their defaults hold), ticked
    policies as a list, agents split on commas or spaces."""
    asked: dict = {k: args[k].strip() for k in SCALARS if args.get(k, "").strip()}
    if "run" in args:
        asked["policies"] = args.getlist("policies")
    agents = args.get("agents", "").strip()
    if agents:
        asked["agents"] = [a for a in re.split(r"[\s,]+", agents) if a]
    return asked


@bp.get("/twin")
@requires("view")
def twin() -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    svc = services()
    asked = asked_of(request.args)
    shown = {**TwinAsk().model_dump(), **asked, "agents": request.args.get("agents", "")}
    page = {"asked": shown, "policies": WHATIF_ORDER, "variants": variants_of(svc),
            "errors": {}, "fit": None, "result": None, "labels": LABELS, "invalid": {},
            "empty_log": False, "min_calls": MIN_CALLS,
            "promise_kept_means": PROMISE_KEPT_RATE,
            "borrowed_means": BORROWED, "borrowed_short": BORROWED_SHORT,
            "borrowed_mark": BORROWED_MARK}
    try:
        ask = TwinAsk.model_validate(asked, context=ask_context(svc))
    except ValidationError as error:
        page["errors"] = form_errors(error, LABELS)
        page["invalid"] = by_box(ticked_field_errors(error))
        page["fit"] = fit_beside_a_refusal(svc, asked)
        return render_template("console/twin.html", **page), 422
    try:
        page["fit"] = fit_view(live_twin(svc, ask.window_days))
        if "run" in request.args:
            page["result"] = answer(svc, ask)
        elif page["fit"].backtest_days_max:
            # offered, not forced: the blank form holds a backtest when the log is long enough
            shown["backtest_days"] = min(BACKTEST_DAYS, page["fit"].backtest_days_max)
    except EmptyLog:  # nothing to fit yet is no fault of the asker's: said, not refused
        page["empty_log"] = True
    except TwinProblem as problem:
        page["errors"] = in_form_words({problem.field or "twin": problem.message}, LABELS)
        page["invalid"] = by_box({problem.field or "twin": problem.message})
        return render_template("console/twin.html", **page), problem.status, problem.headers()
    return render_template("console/twin.html", **page), 200


def fit_beside_a_refusal(svc: Services, asked: dict) -> TwinFitView | None:
    """The fit of the window asked for, shown under a refused form as under a good one (it
    had vanished until the form was valid); None when the window itself is refused or the
    fit cannot be had (its own message is for a valid form)."""
    try:
        window = TwinWindow.model_validate(
            {"window_days": asked["window_days"]} if "window_days" in asked else {})
        return fit_view(live_twin(svc, window.window_days))
    except (ValidationError, TwinProblem, SQLAlchemyError, DatabaseUnavailable):
        return None  # the refusal is the answer: a fit that cannot be had only goes unshown


def variants_of(svc: Services) -> dict[str, str]:
    """The configured variants the form offers beside the four policies, each with the
    policy it is a variant of (a name two queues use: the first queue's)."""
    offered: dict[str, str] = {}
    for name, variant in configured_variants(svc):
        offered.setdefault(name, variant.policy)
    return offered


def by_box(errors: dict[str, str]) -> dict[str, str]:
    """Each refused box's message in the form's words, keyed by the box's name ("agents.2"
    -> "agents"): said beside the box, which is marked invalid, as well as above the form
    (the list alone had left a user to find which of nine boxes it meant)."""
    boxes: dict[str, str] = {}
    for key, message in errors.items():
        [(label, said)] = in_form_words({key: message}, LABELS).items()
        boxes.setdefault(key.partition(".")[0], f"{label}: {said}")
    return boxes
