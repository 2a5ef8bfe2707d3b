"""analytics stays pure: it reads records, never the app, the simulator or a web/telephony stack."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import analytics

FORBIDDEN = {"app", "simulator", "flask", "twilio", "sqlalchemy"}
ROOT = Path(__file__).resolve().parents[2]


def test_importing_every_analytics_module_pulls_in_no_adapter():
    modules = [f"analytics.{m.name}" for m in pkgutil.iter_modules(analytics.__path__)]
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert len(modules) >= 10
    assert FORBIDDEN.isdisjoint(json.loads(done.stdout))
