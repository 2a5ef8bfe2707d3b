"""A queue's settings as an HTML form, described from the same pydantic model that validates
the TOML file and the API, so a form error names the same field and limits."""

from __future__ import annotations

import functools
import re
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.api.registry import field_errors
from app.storage.config_versions import MAX_NOTE_LENGTH
from hold_policies.config import QueueConfig, written
from hold_policies.languages import language_of
from hold_policies.prompts import Prompts, prompt_placeholders, prompts_in

NOT_SETTINGS = ("csrf_token", "note", "base_version")
"""Posted with the form but not part of the queue's settings."""
EMPTY = "@empty"
"""Suffix of the checkbox beside a text box whose empty value is not its default (a prompt
set to say nothing, `voice = ""` for Twilio's own voice): ticked, an empty box saves that
empty value; unticked, an empty box means the default. Without it an untouched form undid
such settings."""
EMPTY_LABELS = {"prompts.": "say nothing", "voice": "none: Twilio's own voice",
                "language": "none: no language attribute"}
"""The tick's words by section or field; any other such box says "empty, not the default"."""


def posted_note(form: typing.Mapping[str, str]) -> str:
    """A form's note for the version history, cut to what a note holds (the box's maxlength
    says so; only a hand-made post is longer). A NUL is left for the model to refuse by name."""
    return form.get("note", "").strip()[:MAX_NOTE_LENGTH]


SECTIONS = ("silence", "checkin", "callback", "music_ads", "prompts")
GENERAL = ("policy", "voice", "language", "max_size")


@dataclass(frozen=True)
class FormField:
    name: str  # dotted path, e.g. "checkin.interval_s"
    label: str
    kind: str  # "number", "checkbox", "select", "text", "textarea"
    value: Any
    choices: tuple[str, ...] = ()
    hint: str = ""
    empty_label: str = ""  # a text box whose empty value differs from its default: the tick's
    empty_set: bool = False  # label, and whether the setting is that empty value now
    example: str = ""  # a prompt's default words, shown greyed in its empty box
    empty_means: str = ""  # what an empty, unticked box stands for, where not the example
    low: float | None = None  # a number's inclusive bounds, for the browser to check too
    high: float | None = None


def _limits(metadata: list) -> str:
    low = next((f"≥ {m.ge}" for m in metadata if isinstance(m, Ge)), "") or next(
        (f"> {m.gt}" for m in metadata if isinstance(m, Gt)), "")
    high = next((f"≤ {m.le}" for m in metadata if isinstance(m, Le)), "") or next(
        (f"< {m.lt}" for m in metadata if isinstance(m, Lt)), "")
    return ", ".join(part for part in (low, high) if part)


def _unwrap(annotation: Any) -> tuple[Any, list]:
    """The bare type of a field (dropping `| None` and Annotated) and its constraints."""
    metadata: list = []
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        for item in annotation.__metadata__:  # Field(ge=...) inside Annotated carries its own
            metadata += [item, *getattr(item, "metadata", [])]
        annotation = typing.get_args(annotation)[0]
    return annotation, metadata


def _field(model: BaseModel, name: str, prefix: str, defaults: Prompts) -> FormField:
    info = type(model).model_fields[name]
    base, metadata = _unwrap(info.annotation)
    metadata += [m for m in info.metadata if m not in metadata]
    value = getattr(model, name)
    path = f"{prefix}{name}"
    label = name.replace("_", " ")
    if typing.get_origin(base) is typing.Literal:
        return FormField(path, label, "select", value, tuple(typing.get_args(base)))
    if base is bool:
        return FormField(path, label, "checkbox", value)
    if base in (int, float):
        hint = ", ".join(filter(None, [_limits(metadata),
                                       "empty: the default" if value is None else "",
                                       info.description or ""]))
        return FormField(path, label, "number", "" if value is None else value, hint=hint,
                         low=next((m.ge for m in metadata if isinstance(m, Ge)), None),
                         high=next((m.le for m in metadata if isinstance(m, Le)), None))
    multi_line = isinstance(value, str) and ("\n" in value or "\r" in value)
    kind = "textarea" if prefix == "prompts." or multi_line else "text"  # a text box would
    # drop the line breaks of an untouched value, and its save would change it
    hint = _prompt_hint(name) if prefix == "prompts." else ""
    hint = hint or next(("one of 0-9 * #" for m in metadata if _patterned(m)), "")
    empty = _empty_value(type(model), name)
    if empty is _NOT_EMPTY:
        return FormField(path, label, kind, "" if value is None else value, hint=hint)
    example = _default_words(defaults, name) if prefix == "prompts." else ""
    tick = EMPTY_LABELS.get(prefix) or EMPTY_LABELS.get(name) or "empty, not the default"
    if name == "voice" and name not in model.model_fields_set:  # its language chose it
        means = f"the language's own ({value or 'none: Twilio’s own voice'})"
        return FormField(path, label, kind, "", empty_label=tick,
                         hint=f"empty and unticked: {means}", empty_means=means)
    return FormField(path, label, kind, "" if value is None else value,
                     hint="; ".join(filter(None, ["empty and unticked: the default",
                                                  hint if prefix == "prompts." else ""])),
                     empty_label=tick,
                     empty_set=value == empty, example=example)


def _patterned(metadata: object) -> bool:
    """A constraint to a pattern: pydantic's own, or a schema stating one (phone keys)."""
    schema = getattr(metadata, "json_schema", None)
    return bool(getattr(metadata, "pattern", None) or (
        isinstance(schema, dict) and schema.get("pattern")))


def _prompt_hint(name: str) -> str:
    """What this prompt's box may say: its own placeholders (the page had listed six for every
    box, and the apology takes none)."""
    allowed = prompt_placeholders(name)
    return ("may use " + " ".join(f"{{{p}}}" for p in allowed)) if allowed else \
        "no placeholders"


def _default_words(defaults: Prompts, name: str) -> str:
    """The words a prompt says when its box is left empty (shown greyed in the box: the
    queue's language's own); the welcome's depend on the policy, said in its own hint."""
    words = getattr(defaults, name, None)
    return words if isinstance(words, str) else ""


_NOT_EMPTY = object()


@functools.cache
def _empty_value(model: type[BaseModel], name: str) -> object:
    """What "" becomes in this field, when that differs from its default (else _NOT_EMPTY):
    "" for a prompt (say nothing), None for `voice` (written "" in files: no voice)."""
    info = model.model_fields[name]
    try:
        kind = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        empty = TypeAdapter(kind).validate_python("")
    except ValidationError:
        return _NOT_EMPTY
    return _NOT_EMPTY if empty == info.get_default(call_default_factory=True) else empty


def describe(queue: QueueConfig) -> dict[str, list[FormField]]:
    """Form fields by section: the general settings, then one section per policy's knobs."""
    defaults = prompts_in(language_of(queue.language))
    form = {"general": [_field(queue, name, "", defaults) for name in GENERAL]}
    for section in SECTIONS:
        model = getattr(queue, section)
        form[section] = [_field(model, name, f"{section}.", defaults)
                         for name in type(model).model_fields]
    return form


def parse(form: Any, current: QueueConfig) -> QueueConfig:
    """Posted fields over the current settings -> a validated QueueConfig (raises pydantic's
    ValidationError)."""
    return QueueConfig.model_validate(overlaid(form, current))


def overlaid(form: Any, current: QueueConfig) -> dict[str, Any]:
    """Posted fields over the current settings, as the queue's table (not yet validated; a
    name that runs through a value raises pydantic's ValidationError). An empty box means
    "the default"; a field not posted keeps its value.

    A checkbox posts a hidden "false" and, when ticked, "true" after it: the last value wins.
    An empty box with its EMPTY box ticked saves the empty value itself, not the default.
    """
    data: dict[str, Any] = written(current)
    for name in form:
        if name in NOT_SETTINGS or name.endswith(EMPTY):
            continue
        value = form.getlist(name)[-1]
        keep_empty = value == "" and form.getlist(name + EMPTY)[-1:] == ["true"]
        *sections, key = name.split(".")
        target = data
        for section in sections:
            target = target.setdefault(section, {})
            if not isinstance(target, dict):
                raise _not_a_section(name, value)
        if value == "" and not keep_empty:
            target.pop(key, None)
        elif not same_text(value, target.get(key)):
            target[key] = value.replace("\r\n", "\n")
    return data


def same_text(posted: str, current: object) -> bool:
    """Whether a posted box holds the current text: a browser sends a text area's line
    breaks as CRLF whatever they were, so an untouched prompt must not count as changed
    (a new version, and a running split's count restarted, for nothing)."""
    def lines(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n")

    return isinstance(current, str) and lines(posted) == lines(current)


def _not_a_section(name: str, value: str) -> ValidationError:
    """`checkin.interval_s` posted with `checkin=x`: one name is a value, not a section."""
    problem = PydanticCustomError("not_a_section",
                                  "no such field: a part of this name is a value, not a section")
    return ValidationError.from_exception_data("QueueConfig", [InitErrorDetails(
        type=problem, loc=tuple(name.split(".")), input=value)])


def errors_of(error: ValidationError, queue: str | None = None) -> dict[str, str]:
    """The problems by key; with `queue`, a key of that queue's (as a whole config names it,
    "queues.sales.hours.monday") by its box's name ("hours.monday"). The queue's own problem
    across keys keeps its name ("queues.sales"), as the whole config's keeps none."""
    found = field_errors(error)
    if queue is None:
        return found
    own = f"queues.{queue}."
    return {key.removeprefix(own): message for key, message in found.items()}


def on_named_keys(errors: dict[str, str], fields: set[str],
                  queue: str | None = None) -> dict[str, str]:
    """A table's problem across its keys ("callback_key and keep_key are both '1'", named
    `callback`) on each of that table's fields it names, so the form marks them. The queue's
    own problem (named `queues.QUEUE`) marks each of its own keys it names as a key, at the
    head of a clause ("voice Polly.Joanna speaks en-US, but language is fr-FR"): the voice
    and language boxes had been left unmarked, the summary linking to neither, while "this
    queue's voice" in a prompt's problem or "neither a policy" names no box to mend."""
    marked = {}
    for table, message in errors.items():
        if table in fields:
            continue
        own = queue is not None and table == f"queues.{queue}"
        for field in fields:
            section, _, key = field.rpartition(".")
            if section == table and re.search(rf"\b{re.escape(key)}\b", message) or (
                    own and not section and re.search(
                        rf"(?:^|[;:,] (?:but )?){re.escape(key)}\b(?![\w.'])", message)) or (
                    section and re.search(rf"(?<![\w.]){re.escape(field)}(?![\w.])", message)):
                marked[field] = message.removeprefix(f"{field}: ")  # a queue's problem
    return marked  # naming a box ("prompts.welcome: 3,600 characters…") marks it too: it had
    # said "marked below" and marked nothing
