"""Provisioning the Twilio side of a line, so nothing rests on Twilio's defaults.

Twilio creates a missing queue on the first `<Enqueue>` with its default size (100 in older
documents, 1000 today), a number answers whatever webhook was pasted into the console last,
and a callback rung from a number the account may not use fails. `plan` reads the account
and lists what differs from the configuration; `apply` makes those changes. Reading and
writing are apart so `--dry-run` shows the plan and a second run finds nothing to change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from twilio.base.exceptions import TwilioException, TwilioRestException

from app.storage.callback_rest import priority_queue
from app.storage.resume_writes import rejoin_queue
from hold_policies.config import HoldwellConfig

Kind = Literal["create queue", "update queue", "update number"]
UNSET = "(none)"


class SetupError(RuntimeError):
    """Setup cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Action:
    """One REST write: what it sends, and what each field held before (None: no resource)."""

    kind: Kind
    name: str  # the queue's friendly name or the phone number
    sid: str | None
    values: dict[str, object]
    before: dict[str, object] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """One line per field changed: what it was and what it becomes."""
        noun = "number" if self.kind == "update number" else "queue"
        if self.kind == "create queue":
            return [f"queue {self.name}: (does not exist) -> created with max_size "
                    f"{self.values['max_size']}"]
        return [f"{noun} {self.name}: {key} {shown(self.before.get(key))} -> {shown(value)}"
                for key, value in self.values.items()]


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    problems: tuple[str, ...]  # any problem: nothing is applied
    checks: tuple[str, ...]  # what was verified and found right


def shown(value: object) -> str:
    return UNSET if value in (None, "") else str(value)


def wanted_queues(config: HoldwellConfig) -> dict[str, int]:
    """Every Twilio queue the app enqueues callers in, with its configured size.

    A queue offering callbacks also has a priority queue when callbacks are placed by REST:
    customers who answer wait there for the next agent (same size as their queue); one that
    lets dropped callers back in their place has a rejoin queue.
    """
    wanted = {}
    for name, queue in config.queues.items():
        wanted[name] = queue.max_size
        if config.callbacks.place_via_rest and "callback" in queue.policy_names():
            wanted[priority_queue(name)] = queue.max_size
        if queue.resume.rule().enabled:  # callers back after a dropped line wait there
            wanted[rejoin_queue(name)] = queue.max_size
    return wanted


def webhooks(public_url: str) -> dict[str, str]:
    """What the number's settings must say for its calls to reach the app."""
    return {"voice_url": f"{public_url}/voice/incoming", "voice_method": "POST",
            "status_callback": f"{public_url}/voice/status", "status_callback_method": "POST"}


def queue_actions(client, wanted: dict[str, int]) -> list[Action]:  # noqa: ANN001 - Client
    existing: dict[str, list] = {}
    for queue in client.queues.list():
        existing.setdefault(queue.friendly_name, []).append(queue)
    actions = []
    for name, size in wanted.items():
        if name not in existing:
            actions.append(Action("create queue", name, None, {"max_size": size}))
        actions.extend(Action("update queue", name, queue.sid, {"max_size": size},
                              {"max_size": queue.max_size})
                       for queue in existing.get(name, []) if queue.max_size != size)
    return actions


def numbers_named(client, number: str) -> list:  # noqa: ANN001 - Client
    """The account's incoming numbers exactly equal to `number` (Twilio's filter is partial)."""
    return [found for found in client.incoming_phone_numbers.list(phone_number=number)
            if found.phone_number == number]


def number_action(owned, public_url: str) -> Action | None:  # noqa: ANN001 - a number
    """Point the number's webhooks at the app; an attached application would override them."""
    wanted = webhooks(public_url)
    if owned.voice_application_sid:
        wanted = {**wanted, "voice_application_sid": ""}
    differs = {key: value for key, value in wanted.items() if getattr(owned, key) != value}
    if not differs:
        return None
    return Action("update number", owned.phone_number, owned.sid, differs,
                  {key: getattr(owned, key) for key in differs})


def caller_id_check(client, support_number: str | None,  # noqa: ANN001 - Client
                    owned: list) -> tuple[str | None, str | None]:
    """(problem, check): is the callbacks' caller ID a number this account may call from?"""
    if support_number is None:
        return None, "callback caller ID: none configured ([line] support_number); no queue " \
                     "offers callbacks"
    if any(number.phone_number == support_number for number in owned):
        return None, f"callback caller ID {support_number}: a phone number of this account"
    verified = client.outgoing_caller_ids.list(phone_number=support_number)
    if any(number.phone_number == support_number for number in verified):
        return None, f"callback caller ID {support_number}: a verified caller ID of this account"
    return (f"callback caller ID {support_number} ([line] support_number) is neither a phone "
            f"number of this Twilio account nor one of its verified caller IDs: callbacks from "
            f"it would fail. Buy or port it, verify it (Console > Phone Numbers > Verified "
            f"Caller IDs), or set support_number to a number the account has"), None


def plan(client, config: HoldwellConfig, public_url: str,  # noqa: ANN001 - Client
         number: str | None) -> Plan:
    """Read the account (no writes) and list what must change for the configuration."""
    problems, checks = [], []
    actions = queue_actions(client, wanted_queues(config))
    support = config.line.support_number
    number = number or support
    owned = numbers_named(client, number) if number else []
    if number is None:
        problems.append("no phone number to point at the app: set [line] support_number or "
                        "pass --number with the Twilio number callers dial")
    elif not owned:
        problems.append(f"{number} is not a phone number of this Twilio account, so its "
                        f"webhooks cannot be set: pass --number with the Twilio number "
                        f"callers dial")
    for found in owned:
        if found.trunk_sid:
            problems.append(f"number {number} is on SIP trunk {found.trunk_sid}: Twilio sends "
                            f"its calls to the trunk, never to webhooks; take it off the "
                            f"trunk first")
        elif action := number_action(found, public_url):
            actions.append(action)
        else:
            checks.append(f"number {number}: webhooks already point at {public_url}")
    caller_owned = owned if support in (None, number) else numbers_named(client, support)
    problem, check = caller_id_check(client, support, caller_owned)
    problems.extend([problem] if problem else [])
    checks.extend([check] if check else [])
    return Plan(tuple(actions), tuple(problems), tuple(checks))


def apply(client, planned: Plan) -> Iterator[Action]:  # noqa: ANN001 - Client
    """Make each change in turn, yielding it once Twilio accepted it."""
    if planned.problems:
        raise SetupError("not applied: " + "; ".join(planned.problems))
    for action in planned.actions:
        if action.kind == "create queue":
            client.queues.create(friendly_name=action.name, max_size=action.values["max_size"])
        elif action.kind == "update queue":
            client.queues(action.sid).update(max_size=action.values["max_size"])
        else:
            client.incoming_phone_numbers(action.sid).update(**action.values)
        yield action


REST_ERRORS = (TwilioException, OSError)
"""What a REST call raises when Twilio refuses or cannot be reached (requests' errors are
OSErrors); anything else is a bug and keeps its traceback."""


def explain(error: Exception) -> str:
    """A REST failure as one sentence an operator can act on (never a traceback)."""
    if isinstance(error, TwilioRestException):
        if error.status in (401, 403):
            return (f"Twilio refused the credentials (HTTP {error.status}, error {error.code}): "
                    f"check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        return f"Twilio answered HTTP {error.status} (error {error.code}): {error.msg}"
    return f"cannot reach Twilio: {unreached_because(error)}"


UNREACHED = (("ProxyError", "the proxy (HTTPS_PROXY) refused or dropped the connection"),
             ("SSLError", "the TLS handshake failed (a proxy or firewall reading HTTPS?)"),
             ("Timeout", "api.twilio.com did not answer within 10 s"),
             ("NameResolutionError", "api.twilio.com could not be looked up (no DNS, or "
                                     "this machine is offline)"),
             ("Name or service not known", "api.twilio.com could not be looked up (no DNS, "
                                           "or this machine is offline)"),
             ("Temporary failure in name resolution", "api.twilio.com could not be looked "
                                                      "up (no DNS, or this machine is "
                                                      "offline)"),
             ("Connection refused", "the connection was refused"),
             ("Network is unreachable", "the network is unreachable"))
"""What a failed REST call's long chain of errors comes down to, by the words in it."""


def unreached_because(error: Exception) -> str:
    """Why Twilio's REST API could not be reached, in a few words and what to check: the
    error's own text had been urllib3's whole chain ("HTTPSConnectionPool(host=
    'api.twilio.com', port=443): Max retries exceeded with url: /2010-04-01/Accounts/
    AC…/Queues.json (Caused by NameResolutionError(…))")."""
    said = f"{type(error).__name__}: {error}"
    for words, reason in UNREACHED:
        if words in said:
            return f"{reason}; check this machine's network, DNS and proxy settings"
    return f"{str(error).splitlines()[0] if str(error) else type(error).__name__}; check " \
           "this machine's network, DNS and proxy settings"
