"""The fast engine stays a pure simulation: no web framework, no telephony SDK (STYLE 1)."""

from __future__ import annotations

import subprocess
import sys

FAST_ENGINE = ["simulator.run", "simulator.erlang", "simulator.report", "simulator.behaviour"]


def test_fast_engine_imports_no_flask_or_twilio() -> None:
    code = (f"import sys; import {', '.join(FAST_ENGINE)}; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'twilio'}))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
