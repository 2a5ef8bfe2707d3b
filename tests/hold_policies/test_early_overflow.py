"""`[overflow] max_wait_s` under a minute: every caller hears "We are sorry you have waited so
long" as soon as they join, a likely minutes-for-seconds slip (operator audit 35, D9). Warned
of by `config check`, `config import` and the console's saves (QueueConfig.warnings), not
refused: with words of its own, an offer on joining can be meant."""

from __future__ import annotations

from click.testing import CliRunner

from cli.main import cli
from hold_policies.config import parse_config

LINE = '[line]\nsupport_number = "+14155550000"\n'


def warnings_for(queue: dict) -> list[str]:
    config = parse_config({"line": {"support_number": "+14155550000"},
                           "queues": {"support": queue}})
    return [w for w in config.warnings() if ".overflow.max_wait_s" in w]


def test_an_overflow_at_once_is_warned_of_naming_the_key_and_the_first_checkin():
    (warning,) = warnings_for({"overflow": {"max_wait_s": 0}})
    assert warning.startswith("queues.support.overflow.max_wait_s = 0: every caller is offered "
                              "the overflow at once, before the first check-in (at 60 s), "
                              "hearing 'We are sorry you have waited so long.'")
    assert "max_wait_s is in seconds (30 minutes is 1800)" in warning
    (five,) = warnings_for({"policy": "silence", "overflow": {"max_wait_s": 5}})
    assert "after 5 s, before they have waited a minute" in five
    (own,) = warnings_for({"policy": "callback", "callback": {"first_checkin_s": 20},
                           "overflow": {"max_wait_s": 10, "words": {"sorry": "Leave a note."}}})
    assert "before the first check-in (at 20 s), hearing 'Leave a note.'" in own
    assert warnings_for({"overflow": {"max_wait_s": 60}}) == []  # a minute: as meant
    assert warnings_for({"overflow": {"when_full": True}}) == []


def test_config_check_says_it_and_still_passes(config_file):
    checked = CliRunner().invoke(cli, ["config", "check", config_file(
        LINE + "[queues.support.overflow]\nmax_wait_s = 0\ncallback = true\n")])
    assert checked.exit_code == 0 and "OK, 1 queue(s)" in checked.output
    assert "warning: queues.support.overflow.max_wait_s = 0: every caller" in checked.output
