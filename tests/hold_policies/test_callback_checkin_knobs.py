"""A callback queue checks in as its own [callback] table says: a knob set only under
[checkin] has no effect, so the config check warns about it (and still takes the file)."""

from __future__ import annotations

from hold_policies.config import parse_config

LINE = {"line": {"support_number": "+14155550100"}}


def config_of(queue: dict):  # noqa: ANN201
    return parse_config({**LINE, "queues": {"support": queue}}, as_written=True)


def test_a_checkin_knob_on_a_callback_queue_is_named_as_having_no_effect():
    config = config_of({"policy": "callback", "checkin": {"interval_s": 90}})
    assert config.queues["support"].callback.interval_s == 60  # what callers get
    assert config.warnings() == [
        "queues.support.checkin.interval_s = 90 has no effect: the queue's callback policy "
        "checks in as [queues.support.callback] says (interval_s = 60 there); set "
        "callback.interval_s"]


def test_no_warning_when_the_checkin_table_is_read_or_agrees():
    assert not config_of({"policy": "callback", "checkin": {"interval_s": 90},
                          "callback": {"interval_s": 90}}).warnings()
    assert not config_of({"policy": "checkin", "checkin": {"interval_s": 90}}).warnings()
    assert not config_of({"policy": "callback", "checkin": {"interval_s": 90},
                          "experiment": {"arms": {"callback": 1, "checkin": 1}}}).warnings()
    assert not config_of({"policy": "callback", "checkin": {"interval_s": 60}}).warnings()


def test_the_example_file_raises_no_warning():
    from pathlib import Path

    from hold_policies.config import load_config

    example = Path(__file__).resolve().parents[2] / "holdwell.example.toml"
    assert load_config(example, as_written=True).warnings() == []
