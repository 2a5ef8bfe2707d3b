"""The console blueprint: pages need a session (never Twilio's signature) and CSRF on forms."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, Unauthorized

from app.api.registry import kept_headers
from app.auth import access, csrf
from app.request_body import read_as_client_fault
from app.storage.config_versions import MAX_NOTE_LENGTH

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static")


MAX_FORM_BYTES = 1024 * 1024
"""The largest console form: the policy form with every prompt at its longest is a few
hundred kilobytes (the API's JSON bodies have the same cap)."""
SIGNED_OUT_FORMS = frozenset({"console.login"})
"""The one form posted without a session."""
DRAFT_FORMS = frozenset({"console.save_policy"})
"""The forms whose edits this browser keeps across a sign-in (drafts.js, `data-draft`)."""
NOTHING_SAVED = "Your session ended before this was saved, so nothing was saved."
SESSION_ENDED = (f"{NOTHING_SAVED} Sign in again: this browser kept your edits and puts them "
                 "back in the form.")
SESSION_ENDED_RETYPE = f"{NOTHING_SAVED} Sign in again, then enter it once more."


def session_ended_message() -> str:
    """What the sign-in page answering a post says: edits are promised back only for a form
    whose edits are kept (a split's weights or a cancel's reason had been promised too, and
    came back empty: console audit 34, defect 4)."""
    return SESSION_ENDED if request.endpoint in DRAFT_FORMS else SESSION_ENDED_RETYPE


@bp.before_request
def who_is_asking() -> Response | None:
    """A form posted with no session (it ended, or its cookie is gone) is refused as a 401
    before its CSRF check, which would otherwise answer a bare 400: nothing is done for it
    either way, and the sign-in page then says so. Signing out of a session that has ended
    is just the sign-in page: it said "nothing was saved", as if an edit had been lost.

    A body over MAX_FORM_BYTES is a 413 before anything reads it: forms are read whole
    into memory, and four anonymous 300 MB sign-ins had grown two workers to 4 GB."""
    request.max_content_length = MAX_FORM_BYTES
    if (request.content_length or 0) > MAX_FORM_BYTES:
        raise RequestEntityTooLarge(f"a console form is under {MAX_FORM_BYTES:,} bytes")
    if request.method in csrf.UNSAFE:
        with read_as_client_fault():  # a broken chunked body: a 400 saying so, not a 500
            request.get_data(cache=True)
    g.user = access.load_user(allow_bearer=False)
    if g.user is None and request.endpoint == "console.logout":
        return redirect(url_for("console.login_form"))  # signed out already: nothing lost
    if request.method in csrf.UNSAFE:
        if g.user is None and request.endpoint not in SIGNED_OUT_FORMS:
            raise Unauthorized("your session ended: nothing was done")
        csrf.protect()


@bp.app_context_processor
def console_globals() -> dict:
    return {"user": access.current_user(), "can": access.allowed,
            "max_note_length": MAX_NOTE_LENGTH}


@bp.errorhandler(HTTPException)
def error_page(error: HTTPException):  # noqa: ANN201 - a (body, status, headers) triple
    """Errors as pages: a 401 shows the sign-in form, anything else says what went wrong."""
    if error.code == 401:
        posted = request.method in csrf.UNSAFE
        return render_template("console/login.html", next=page_posted_from(),
                               message=session_ended_message() if posted
                               else "Please sign in.",
                               edits_kept=posted, refused=posted), 401
    return render_template("console/error.html", error=error), error.code, kept_headers(error)


def page_posted_from() -> str:
    """Where to go after signing in: the page itself, or for a form the page it was on (its
    action may answer only POST), when the browser says so and it is this console's."""
    here = _with_query(request.path, request.query_string.decode("latin-1"))
    if request.method not in csrf.UNSAFE:
        return here
    referrer = urlsplit(request.referrer or "")
    same_site = referrer.netloc in ("", request.host)
    return _with_query(referrer.path, referrer.query) if same_site and \
        referrer.path.startswith(bp.url_prefix + "/") else here


def _with_query(path: str, query: str) -> str:
    """The page with its query: a shared link's period or version had been dropped at
    sign-in, showing other figures with nothing to say so (console audit 34, D5)."""
    return f"{path}?{query}" if query else path
