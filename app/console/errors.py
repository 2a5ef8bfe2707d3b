"""Bad input to any console page is a 4xx page that says what was wrong, never a 500: the
views let pydantic and the config store raise, and these handlers turn that into the page."""

from __future__ import annotations

from pydantic import ValidationError
from werkzeug.exceptions import Conflict, NotFound, ServiceUnavailable, UnprocessableEntity

from app.api.registry import field_errors
from app.console.blueprint import bp, error_page
from app.console.config_changes import StoredVersionInvalid, UnknownVersion
from app.storage.config_versions import SavesCollided


@bp.errorhandler(ValidationError)
def invalid_input(error: ValidationError):  # noqa: ANN201 - a (body, status) pair
    """A query or form value the models refuse: 422, naming each field and its problem."""
    problems = "; ".join(f"{name}: {message}" for name, message in field_errors(error).items())
    return error_page(UnprocessableEntity(f"Invalid input: {problems}."))


@bp.errorhandler(UnknownVersion)
def unknown_thing(error: UnknownVersion):  # noqa: ANN201 - a (body, status) pair
    """No such queue or config version (the API answers the same with a 404)."""
    return error_page(NotFound(f"{error.args[0]}."))


@bp.errorhandler(StoredVersionInvalid)
def stored_version_invalid(error: StoredVersionInvalid):  # noqa: ANN201 - a (body, status) pair
    """The active version fails today's checks: say which key, and how to replace it."""
    return error_page(Conflict(f"{error}."))


@bp.errorhandler(SavesCollided)
def saves_collided(error: SavesCollided):  # noqa: ANN201 - a (body, status, headers) triple
    """Other saves kept landing first: nothing was stored; the form may be sent again."""
    busy = ServiceUnavailable(f"Not saved: {error} (use the browser's Back button and send "
                              "the form again).", retry_after=1)
    return error_page(busy)
