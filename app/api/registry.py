"""One decorator per API endpoint: it checks the role, validates the body with its pydantic
model, serialises the response model, and records the route for the OpenAPI document."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

from app.auth.access import requires
from app.request_body import read_as_client_fault


@dataclass(frozen=True)
class Endpoint:
    rule: str
    method: str
    permission: str
    summary: str
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    media_type: str = "application/json"
    status: int = 200
    required_query: frozenset[str] = frozenset()
    busy: bool = False  # may answer 429 with Retry-After (one heavy job per worker)
    saves_config: bool = False  # may answer 503 with Retry-After (saves kept colliding)
    headers: dict[str, str] = field(default_factory=dict)  # the 200's, by description


ENDPOINTS: list[Endpoint] = []


MAX_BODY_BYTES = 1024 * 1024
"""The largest JSON body taken (413 past it): a whole queue's settings with every prompt at
its longest is under a tenth of this; a 50 MB body had been read and parsed in full."""
TOO_LARGE = f"the JSON body is over {MAX_BODY_BYTES:,} bytes"


def body_as(model: type[BaseModel], context: dict[str, Any] | None = None) -> BaseModel:
    """The JSON body validated by `model` (with pydantic's validation `context`: what the
    running config allows); pydantic's ValidationError becomes a 422 upstream. A body nested
    past Python's recursion limit is a 400 too (json raises RecursionError, which
    get_json's `silent` does not catch)."""
    with read_as_client_fault():
        raw = request.get_data(cache=True)
    if len(raw) >= MAX_BODY_BYTES:  # a chunked body, cut there:
        # no length to refuse it by before it was read (it would read as broken JSON)
        raise RequestEntityTooLarge(TOO_LARGE)
    try:
        return model.model_validate(_json_body(), context=context)
    except RecursionError:
        raise BadRequest("the JSON body is nested too deeply") from None


def _json_body() -> object:
    """The body read as JSON, or a 400 saying what kept it from being read: the wrong
    Content-Type, bytes that are not UTF-8, a syntax error (where), or a number too long to
    read. One sentence for all of them had told a client who sent JSON to send JSON."""
    if not request.is_json:
        raise BadRequest("send a JSON object body with Content-Type: application/json (got "
                         f"{(request.mimetype or 'none')[:80]!r})")
    raw = request.get_data(cache=True)
    try:  # UTF-8, with or without a byte-order mark, or UTF-16/32 (RFC 8259 allows them)
        text = raw.decode(json.detect_encoding(raw))
    except UnicodeDecodeError as error:
        raise BadRequest(f"the JSON body is not UTF-8 (byte {error.start:,} cannot start or "
                         "continue a character)") from None
    try:
        data = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_Members)
    except json.JSONDecodeError as error:
        raise BadRequest(f"the body is not JSON: {error.msg} at line {error.lineno} column "
                         f"{error.colno}") from None
    except ValueError:  # Python's cap on the digits of an integer
        raise BadRequest(f"a number in the JSON body has more than "
                         f"{sys.get_int_max_str_digits():,} digits") from None
    if data is None:
        raise BadRequest("send a JSON object body (got null)")
    if repeated := list(_repeated_names(data, ())):
        raise ValidationError.from_exception_data("Body", [InitErrorDetails(
            type="value_error", loc=where, input=values,
            ctx={"error": ValueError("given more than once in one JSON object; give it once")})
            for where, values in repeated])
    return data


class _Members(dict):
    """A JSON object that remembers the names it was given more than once: json keeps the
    last silently, where a gateway reading the first would have judged another request
    (`base_version` 1, then 10; API audit 35, D6)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        given: dict[str, list] = {}
        for name, value in pairs:
            given.setdefault(name, []).append(value)
        self.repeated = {name: values for name, values in given.items() if len(values) > 1}


def _repeated_names(data: object, path: tuple) -> Iterator[tuple[tuple, list]]:
    """Where each repeated name is, as a path into the body, and the values it was given."""
    if isinstance(data, _Members):
        yield from ((path + (name,), values) for name, values in data.repeated.items())
    children = data.items() if isinstance(data, dict) else (
        enumerate(data) if isinstance(data, list) else ())
    for key, value in children:
        yield from _repeated_names(value, path + (key,))


def endpoint(bp: Blueprint, rule: str, method: str, *, permission: str, summary: str,
             body: type[BaseModel] | None = None, response: type[BaseModel] | None = None,
             query: dict[str, dict[str, Any]] | type[BaseModel] | None = None,
             media_type: str = "application/json", busy: bool = False,
             saves_config: bool = False, headers: dict[str, str] | None = None,
             body_context: Callable[[], dict[str, Any]] | None = None) -> Callable:
    """Register `view(**path, [body])` at `rule`; a returned model is sent as JSON.
    `body_context` gives the body's validation context, asked afresh for each request.

    `query`: the query parameters' JSON Schemas by name (all optional), or the model that
    validates them, whose required fields are then documented as required. Any other query
    parameter is a 422 naming it, on every endpoint alike (one ignored would answer a
    question the client did not ask: `?strat=` for `?start=`, the default day).
    """
    parameters, required = query_of(query)

    def decorate(view: Callable) -> Callable:
        ENDPOINTS.append(Endpoint(rule, method.lower(), permission, summary, body, response,
                                  parameters, media_type, required_query=required,
                                  busy=busy, saves_config=saves_config,
                                  headers=headers or {}))

        def handler(**kwargs: Any):  # noqa: ANN202 - a Flask response value
            refuse_unknown_query(parameters)
            if body is not None:
                kwargs["payload"] = body_as(body, body_context() if body_context else None)
            result = view(**kwargs)
            if isinstance(result, BaseModel):
                return jsonify(result.model_dump(mode="json"))
            return result

        handler.__name__ = view.__name__
        handler.__doc__ = view.__doc__
        bp.add_url_rule(rule, view.__name__, requires(permission)(handler), methods=[method])
        return view

    return decorate


def refuse_unknown_query(parameters: dict[str, Any]) -> None:
    """A 422 (pydantic's ValidationError, as a query model's own) naming each query
    parameter the endpoint does not take, and each given more than once: no parameter takes
    a list, and the first of two had been used without a word (`?start=…&start=…`; API
    audit 33, D7)."""
    unknown = [name for name in request.args if name not in parameters]
    if unknown:
        raise ValidationError.from_exception_data("Query", [InitErrorDetails(
            type="extra_forbidden", loc=(name,), input=request.args.get(name))
            for name in unknown])
    repeated = [name for name in request.args if len(request.args.getlist(name)) > 1]
    if repeated:
        raise ValidationError.from_exception_data("Query", [InitErrorDetails(
            type="value_error", loc=(name,), input=request.args.getlist(name),
            ctx={"error": ValueError("given more than once; give it once")})
            for name in repeated])


def query_of(query: dict[str, dict[str, Any]] | type[BaseModel] | None,
             ) -> tuple[dict[str, dict[str, Any]], frozenset[str]]:
    """Each query parameter's schema, and the names a request must give."""
    if isinstance(query, type) and issubclass(query, BaseModel):
        schema = query.model_json_schema()
        return schema["properties"], frozenset(schema.get("required", ()))
    return query or {}, frozenset()


def kept_headers(error: HTTPException) -> list[tuple[str, str]]:
    """An error's own headers (a 405's Allow), without the Content-Type of its default body:
    the API answers it as JSON and the console as a page."""
    return [(key, value) for key, value in error.get_headers() if key.lower() != "content-type"]


NO_FIELD = "(body)"
"""field_errors' key for a problem of no one field (a check across fields)."""


def field_key(item: Mapping[str, Any]) -> str:
    """A pydantic error's field, dotted ("settings.checkin.interval_s"; NO_FIELD: none)."""
    return ".".join(str(part) for part in item["loc"]) or NO_FIELD


def field_errors(error: ValidationError) -> dict[str, str]:
    """'settings.checkin.interval_s' -> 'Input should be greater than or equal to 20 (got 5)'."""
    fields = {}
    for item in error.errors():
        key = field_key(item)
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        elif "input" in item and not isinstance(item["input"], dict):
            message = f"{message} (got {item['input']!r})"
        fields[key] = message
    return fields
