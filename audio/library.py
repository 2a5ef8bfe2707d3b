"""Named audio for policies: a folder of prepared WAVs, checked once at start-up, served by hash.

Policies say "comfort_noise" or "hold_music"; the library maps each name to ``<name>.wav`` in one
folder, checks it, and gives a URL path that changes whenever the content does
(``/audio/<name>-<sha256[:12]>.wav``), so Twilio may cache it forever. A missing or failing file
is listed in ``problems()`` and has no URL: the caller hears silence, never an error.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from audio.check import check_sound
from audio.formats import AudioError, parse_wav
from audio.kinds import PROMPT_LEVEL_DBOV, kind_from_comment, kind_from_name

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def is_library_name(name: str) -> bool:
    """Whether `name` can be a clip in the library (its file NAME.wav is served)."""
    return _NAME.fullmatch(name) is not None

_OTHER_AUDIO = {".mp3", ".ogg", ".oga", ".flac", ".m4a", ".aac", ".aif", ".aiff", ".opus"}


@dataclass(frozen=True)
class AudioEntry:
    """One usable file, held in memory so its bytes always match the hash in its URL."""

    name: str
    path: Path
    data: bytes
    sha256: str
    duration_s: float

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.sha256[:12]}.wav"


class AudioLibrary:
    """Names -> checked, content-hashed audio; built once, read-only afterwards."""

    def __init__(
        self,
        entries: Iterable[AudioEntry] = (),
        problems: Iterable[str] = (),
        url_prefix: str = "/audio",
    ) -> None:
        self._by_name: Mapping[str, AudioEntry] = {entry.name: entry for entry in entries}
        self._by_filename = {entry.filename: entry for entry in self._by_name.values()}
        self._problems = list(problems)
        self._url_prefix = url_prefix.rstrip("/")

    @classmethod
    def from_dir(
        cls,
        folder: Path | str,
        required: Iterable[str] = (),
        prompt_level_dbov: float = PROMPT_LEVEL_DBOV,
        url_prefix: str = "/audio",
    ) -> AudioLibrary:
        """Load and check every ``*.wav`` in ``folder``; ``required`` names must be among them."""
        folder = Path(folder)
        if not folder.is_dir():
            return cls((), [f"audio folder {folder} does not exist"], url_prefix)
        entries, problems = [], []
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            if path.suffix.lower() in _OTHER_AUDIO and not path.with_suffix(".wav").exists():
                problems.append(
                    f"{path.name}: holdwell serves WAV only; run `holdwell audio"
                    f" prepare {path.name} {path.stem}.wav`"
                )
            if path.suffix.lower() == ".wav":
                entry, problem = _load(path, prompt_level_dbov)
                entries += [entry] if entry else []
                problems += [problem] if problem else []
        # Loaded as a .wav whatever the case of its suffix, so counted as present the same way
        # (hold_music.WAV played, and was also listed as missing: "callers will hear silence").
        present = {path.stem for path in folder.iterdir() if path.suffix.lower() == ".wav"}
        problems += [
            f"{name}: no {name}.wav in {folder}; callers will hear silence instead"
            for name in required
            if name not in present
        ]
        return cls(entries, problems, url_prefix)

    def names(self) -> list[str]:
        """Names that will actually play."""
        return sorted(self._by_name)

    def url_path(self, name: str) -> str | None:
        """Path for ``<Play>``, or None when the name has no usable file (play silence)."""
        entry = self._by_name.get(name)
        return f"{self._url_prefix}/{entry.filename}" if entry else None

    def duration_s(self, name: str) -> float | None:
        """How long the named audio plays, for timing segments; None when it will not play."""
        entry = self._by_name.get(name)
        return entry.duration_s if entry else None

    def problems(self) -> list[str]:
        """Everything an operator should fix, in words, for the start-up log."""
        return list(self._problems)

    def entry_for_filename(self, filename: str) -> AudioEntry | None:
        """The entry served under a hashed file name; a stale hash finds nothing."""
        return self._by_filename.get(filename)


def _load(path: Path, prompt_level_dbov: float) -> tuple[AudioEntry | None, str | None]:
    name = path.stem
    if not is_library_name(name):
        return None, f"{path.name}: name audio with letters, digits, - and _ only"
    try:
        data = path.read_bytes()
        sound = parse_wav(data, name=str(path))
    except (OSError, AudioError) as error:
        return None, f"{name} ({path}): cannot read it: {error}"
    kind = kind_from_comment(sound.format.comment) or kind_from_name(name)
    report = check_sound(sound, str(path), kind, prompt_level_dbov=prompt_level_dbov)
    if not report.ok:
        return None, f"{name} ({path}): {report.verdict}; callers will hear silence instead"
    entry = AudioEntry(name, path, data, hashlib.sha256(data).hexdigest(), sound.format.duration_s)
    return entry, None
