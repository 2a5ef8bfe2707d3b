"""`holdwell config check` warns about [checkin] knobs a callback queue never reads, and
still passes the file (exit 0): the callback table has its own check-in knobs."""

from __future__ import annotations

from click.testing import CliRunner

from cli.main import cli

CALLBACK_WITH_CHECKIN_KNOBS = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.checkin]
interval_s = 90
"""


def test_config_check_warns_that_a_checkin_knob_does_nothing_on_a_callback_queue(config_file):
    result = CliRunner().invoke(cli, ["config", "check",
                                      config_file(CALLBACK_WITH_CHECKIN_KNOBS)])
    assert result.exit_code == 0
    assert ("warning: queues.support.checkin.interval_s = 90 has no effect: the queue's "
            "callback policy checks in as [queues.support.callback] says (interval_s = 60 "
            "there); set callback.interval_s") in result.output
    assert "OK, 1 queue(s)" in result.output
