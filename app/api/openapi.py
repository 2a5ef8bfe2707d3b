"""The OpenAPI 3.1 document, generated from the endpoints' pydantic models (no hand-written
schema to drift): pydantic writes the JSON Schemas, this module places them in the paths."""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from app.api.models import Problem
from app.api.registry import ENDPOINTS, TOO_LARGE, Endpoint

REF = "#/components/schemas/{model}"
PARAMETER = r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>"  # werkzeug's <converter(args):name>
ERRORS = {"400": "malformed request (not JSON, or a missing CSRF token with a session)",
          "401": "no credentials", "403": "the role may not do this", "404": "not found",
          "409": "not possible in the current state", "422": "invalid input: `fields` names each"}
BUSY = ("429", "busy: another such job runs in this worker (one at a time); ask again after "
               "the Retry-After header's seconds")


COLLIDED = ("other saves kept landing first: nothing was stored; send the same request again "
            "after the Retry-After header's seconds")


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """'/policies/<queue>' -> '/policies/{queue}' and its path parameters."""
    params = []
    for converter, name in re.findall(PARAMETER, rule):
        schema = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1} \
            if converter == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return "/api/v1" + re.sub(PARAMETER, r"{\2}", rule), params


def _operation(e: Endpoint, params: list[dict[str, Any]]) -> dict[str, Any]:
    problem = {"application/json": {"schema": {"$ref": REF.format(model="Problem")}}}
    ok: dict[str, Any] = {"description": "OK"}
    if e.response is not None:
        ok["content"] = {e.media_type: {"schema": {"$ref": REF.format(model=e.response.__name__)}}}
    else:
        ok["content"] = {e.media_type: {"schema": {"type": "string"}}}
    if e.headers:
        ok["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                         for name, text in e.headers.items()}
    errors = {**ERRORS, **dict([BUSY])} if e.busy else dict(ERRORS)
    if e.saves_config:
        errors["503"] = COLLIDED
    if e.body is not None:
        errors["413"] = TOO_LARGE
    responses = {"200": ok, **{code: {"description": text, "content": problem}
                               for code, text in errors.items()}}
    query = [{"name": name, "in": "query", "required": name in e.required_query,
              "schema": schema, **_described(schema)}
             for name, schema in e.query.items()]
    operation = {"summary": e.summary, "operationId": f"{e.method}_{e.rule}",
                 "description": roles_said(e.permission),
                 "x-roles": roles_of(e.permission), "parameters": params + query,
                 "responses": responses}
    if e.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": REF.format(model=e.body.__name__)}}}}
    return operation


def roles_of(permission: str) -> list[str]:
    """The roles that may call an endpoint needing `permission`, in the README's order."""
    from app.auth.access import PERMISSIONS
    from app.storage.users import ROLES

    return [role for role in ROLES if role in PERMISSIONS[permission]]


def roles_said(permission: str) -> str:
    """The operation's description: its roles by name. It had said "Role: view" or "Role:
    operate", the name of a permission, which no user has and no document defines."""
    from app.storage.users import ROLES

    allowed = roles_of(permission)
    others = [role for role in ROLES if role not in allowed]
    refused = f"; {' and '.join(others)} get 403" if others else ""
    return f"Roles: {', '.join(allowed)}{refused} (see the README's roles)."


def closed_key_patterns(schema: Any) -> Any:
    """A map whose keys must match a pattern refuses the others (pydantic states the pattern
    as `patternProperties` only, which by itself lets any other key through)."""
    if isinstance(schema, dict):
        if "patternProperties" in schema:
            schema.setdefault("additionalProperties", False)
        for value in schema.values():
            closed_key_patterns(value)
    elif isinstance(schema, list):
        for value in schema:
            closed_key_patterns(value)
    return schema


def whole_unless_replacing(schemas: dict[str, Any], body: str = "PolicyChange",
                           field: str = "settings") -> dict[str, Any]:
    """A PUT's settings must give every field of every section (a partial one is a 422,
    `partial_settings.require_whole`) unless `replace_whole_queue` is true: stated here, a
    client validating against the document learns it before sending."""
    if body in schemas:
        whole = _whole(schemas, schemas[body]["properties"][field]["$ref"].rsplit("/", 1)[-1])
        schemas[body]["anyOf"] = [
            {"properties": {field: {"$ref": REF.format(model=whole)}}},
            {"required": ["replace_whole_queue"],
             "properties": {"replace_whole_queue": {"const": True}}}]
    return schemas


def _whole(schemas: dict[str, Any], name: str) -> str:
    """`name` with every property required, and so each section it holds (a `$ref`, or one
    that may be null); a map or a list is one value, as `require_whole` reads it."""
    whole = f"{name}Whole"
    if whole not in schemas:
        schemas[whole] = schema = copy.deepcopy(schemas[name])
        schema["required"] = list(schema["properties"])
        for prop in schema["properties"].values():
            for branch in [prop, *prop.get("anyOf", [])]:
                if ref := branch.get("$ref"):
                    branch["$ref"] = REF.format(model=_whole(schemas, ref.rsplit("/", 1)[-1]))
    return whole


@cache
def document() -> dict[str, Any]:
    models = {m for e in ENDPOINTS for m in (e.body, e.response) if m is not None} | {Problem}
    _, schemas = models_json_schema([(m, "validation") for m in sorted(models, key=str)],
                                    ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for e in ENDPOINTS:
        path, params = _path(e.rule)
        paths.setdefault(path, {})[e.method] = _operation(e, params)
    return {
        "openapi": "3.1.0",
        "info": {"title": "holdwell console API", "version": "1",
                 "description": "Everything the console shows and does. Authenticate with "
                                "`Authorization: Bearer TOKEN` (`holdwell users token NAME`)."},
        "components": {"schemas": whole_unless_replacing(
            closed_key_patterns(schemas.get("$defs", {}))),
                       "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }


def _described(schema: dict) -> dict:
    """The parameter's own `description` (what documentation tools show beside its name),
    from its schema's: the rules no schema keyword states are said there."""
    return {"description": schema["description"]} if "description" in schema else {}
