"""audio/ is a room of its own: it may be used by app and simulator, and imports neither."""

import ast
from pathlib import Path

ADAPTERS = {"flask", "twilio", "app", "simulator", "analytics"}
AUDIO = Path(__file__).resolve().parents[2] / "audio"


def imported_packages(folder: Path) -> set[str]:
    found = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def test_audio_imports_no_adapter():
    assert imported_packages(AUDIO).isdisjoint(ADAPTERS)


def test_pydub_is_imported_only_through_the_shim():
    for path in AUDIO.glob("*.py"):
        if path.name != "_pydub.py":
            assert "import pydub" not in path.read_text() and "from pydub" not in path.read_text()
