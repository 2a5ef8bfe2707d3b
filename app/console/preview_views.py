"""Preview: a made-up caller's wait, minute by minute, and the same wait to listen to — for
the queue's own policy and, side by side, each experiment arm (variants) and the split."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, abort, render_template, request
from pydantic import ValidationError

from app.api.models import PreviewRequest
from app.auth.access import requires
from app.console.blueprint import bp
from app.console.form_words import form_errors, in_form_words
from app.console.preview import timeline
from app.console.preview_arms import arm_previews, shares
from app.console.preview_audio import render_wav
from app.services import services

LABELS = {"queue": "Queue", "position": "Position", "answered_per_min": "Answers per minute",
          "minutes": "Minutes", "keys": "Keys"}
"""The form's labels, by the API field each box fills: its errors are said with them."""


@bp.get("/preview")
@requires("view")
def preview() -> str | tuple[str, int]:
    svc = services()
    queues = list(svc.config.queues)
    asked = {"queue": queues[0], **request.args.to_dict()}
    try:
        req = PreviewRequest.model_validate(asked)
        arms = arm_previews(svc, req)
    except ValidationError as error:
        return render_template("console/preview.html", queues=queues, asked=asked,
                               errors=form_errors(error, LABELS),
                               labels=LABELS, result=None), 422
    except LookupError as error:
        return render_template("console/preview.html", queues=queues, asked=asked,
                               errors=in_form_words({"queue": str(error)}, LABELS),
                               labels=LABELS, result=None), 422
    return render_template("console/preview.html", queues=queues, asked=req.model_dump(),
                           errors={}, labels=LABELS, result=arms[0].result, arms=arms,
                           split=shares(svc.config.queues[req.queue]),
                           query=urlencode(req.model_dump()))  # as resolved: the queue
    # defaulted here had been left out of the audio's URL, which then answered 422


@bp.get("/preview.wav")
@requires("view")
def preview_wav() -> Response:
    """The preview as audio; `arm` plays one of the queue's variants (or split's policies)."""
    svc = services()
    asked = request.args.to_dict()
    arm = asked.pop("arm", None)
    req = PreviewRequest.model_validate(asked)
    try:
        return Response(render_wav(svc, timeline(svc, req, arm)), mimetype="audio/wav")
    except LookupError as error:
        abort(404, str(error))
