"""An unpaired brace in words said aloud is refused in plain words ("a '}' that closes no
placeholder"), not Python's ("Single '}' encountered in format string", naming a format
string nobody wrote)."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, parse_config


@pytest.mark.parametrize(("text", "said"), [
    ("Press {keep_key}} to wait", "a '}' that closes no placeholder"),
    ("Press {keep_key} {", "a '{' that opens no placeholder"),
    ("You are {position", "a '{' that is never closed with '}'"),
])
def test_an_unpaired_brace_is_said_plainly(text, said):
    with pytest.raises(ConfigError) as refused:
        parse_config({"queues": {"support": {"prompts": {"keep_waiting": text}}}},
                     as_written=True)
    assert f"prompts.keep_waiting: {said} (a brace in words said aloud" in str(refused.value)
    assert "format string" not in str(refused.value)
