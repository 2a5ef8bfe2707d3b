"""GET /api/v1/unserved reads a period as `holdwell report --from --to` does, end excluded: a
caller who entered the queue at the very second `end` names had been listed there and in the
next period too (the demo's and a replayed log's calls enter on whole seconds), and not
counted by the report of the same period."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from cli.report_commands import report_command
from tests.app.test_voice_contract import wait_form
from tests.console.conftest import bearer
from tests.console.test_unserved import WAIT
from tests.support.sids import sid


def test_a_caller_who_entered_at_the_end_is_the_next_periods(console_app, twilio_console,
                                                             tokens, clock):
    clock.set(clock.now().replace(hour=9, minute=0, second=0, microsecond=0))
    entered, call = clock.now(), sid("CAedge")
    twilio_console.post("/voice/incoming?queue=support", {"CallSid": call,
                                                          "From": "+14155550101"})
    twilio_console.post(WAIT, wait_form(call, queue_time=0))  # in the queue at 09:00:00
    clock.advance(90)
    twilio_console.post("/voice/queue-result?queue=support&policy=callback",
                        {"CallSid": call, "QueueResult": "hangup", "QueueTime": "90"})
    at = entered.strftime("%Y-%m-%dT%H:%M:%SZ")
    before = (entered - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    after = (entered + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    client, analyst = console_app.test_client(), bearer(tokens["analyst"])

    def listed(start: str, end: str) -> list[str]:
        answer = client.get(f"/api/v1/unserved?start={start}&end={end}", headers=analyst)
        assert answer.status_code == 200, answer.data
        return [caller["call_id"] for caller in answer.get_json()["callers"]]

    def reported(start: str, end: str) -> int:
        url = str(console_app.extensions["holdwell"].store.engine.url)
        result = CliRunner().invoke(report_command, ["--db", url, "--from", start, "--to", end,
                                                     "--json"])
        if result.exit_code:  # no call in the period
            assert "no call records" in result.output
            return 0
        return sum(group["unserved"] for group in json.loads(result.stdout)["policies"])

    assert listed(before, at) == [] and reported(before, at) == 0
    assert listed(at, after) == [call] and reported(at, after) == 1
