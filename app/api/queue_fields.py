"""A queue's refusal named by the request's own fields, not the config's.

A save is checked as the whole config it makes, so some of its errors come back under the
config's path (`queues.sales.prompts.welcome`, or `queues.sales` with the field first in the
message), which a client cannot map to what it sent (`settings.prompts.welcome`,
`arms.nosuch`; API audit 33, D6).
"""

from __future__ import annotations

import re

FIELD_FIRST = re.compile(r"([a-z_]+(?:\.[\w-]+)+): (.*)", re.S)
"""A whole-queue message that names its field first: "prompts.welcome: 5,000 characters…"."""

AS_SENT = {"api.put_policy": ("settings", ""), "api.patch_policy": ("settings", ""),
           "api.start_experiment": ("arms", "experiment.arms.")}
"""By endpoint: the request field a queue's own problem belongs to, and the part of the
config's path that the request's field leaves out."""


def as_sent(fields: dict[str, str], endpoint: str | None, queue: str | None
            ) -> dict[str, str]:
    """`fields` with the queue's config paths named as the request sent them."""
    if endpoint not in AS_SENT or not queue:
        return fields
    whole, left_out = AS_SENT[endpoint]
    own = f"queues.{queue}"
    named: dict[str, str] = {}
    for name, message in fields.items():
        if name == own and (first := FIELD_FIRST.match(message)):
            name, message = f"{own}.{first[1]}", first[2]
        if name == own:
            name = whole
        elif name.startswith(f"{own}."):
            inner = name.removeprefix(f"{own}.")
            outside = left_out and not inner.startswith(left_out)  # another part of the queue
            name = whole if outside else f"{whole}.{inner.removeprefix(left_out)}"
        named[name] = message
    return named
