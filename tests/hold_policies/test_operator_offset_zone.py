"""An offset written where a time zone belongs ("UTC+2", "+02:00", "GMT-5") is refused with
the place to name instead, read as the operator means it (ahead of UTC for "+"): it had been
refused with two examples only, and the name an operator tries next, Etc/GMT+2, is two hours
*behind* UTC."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, load_config


def refusal(tmp_path, zone: str) -> str:
    path = tmp_path / "holdwell.toml"
    path.write_text(f'[queues.support.hours]\ntimezone = "{zone}"\nmonday = "08:00-18:00"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path, as_written=True)
    return str(refused.value)


@pytest.mark.parametrize(("zone", "place"), [
    ("UTC+2", "'Europe/Athens' for UTC+2"),
    ("+02:00", "'Europe/Athens' for UTC+2"),
    ("GMT-5", "'America/New_York' for UTC−5"),
    ("UTC+5:30", "'Asia/Kolkata' for UTC+5:30"),
    ("Etc/UTC+9", "'Asia/Tokyo' for UTC+9"),
])
def test_an_offset_is_refused_with_a_place_on_it(tmp_path, zone, place):
    said = refusal(tmp_path, zone)
    assert f"queues.support.hours.timezone: unknown time zone {zone!r}" in said
    assert "an offset is no time zone" in said and f"e.g. {place}" in said, said


def test_a_misspelt_place_gets_no_offset_advice(tmp_path):
    said = refusal(tmp_path, "Europe/Athnes")
    assert "did you mean 'Europe/Athens'?" in said and "offset" not in said
