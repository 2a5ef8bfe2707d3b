"""Read any WAV (and, through ffmpeg, other formats) into float frames; write telephone WAVs.

Our own RIFF reader covers PCM 8/16/24/32-bit, float, mu-law and A-law WAVs with no ffmpeg at all,
and our writer puts the canonical 44-byte header first (``data`` at offset 36) with the optional
``LIST/INFO`` comment *after* the samples, so even naive telephone parsers read the file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from audio import _pydub, g711
from audio.stream import BLOCK, Blocks

PCM, FLOAT, ALAW, MULAW, EXTENSIBLE = 1, 3, 6, 7, 0xFFFE
_ENCODING_NAMES = {PCM: "PCM", FLOAT: "float", ALAW: "A-law", MULAW: "mu-law"}
TELEPHONE_RATE = 8000


class AudioError(Exception):
    """A problem with an audio file, worded so an operator knows what to do."""


@dataclass(frozen=True)
class AudioFormat:
    """What the file header says: enough to tell whether Twilio gets telephone audio as is."""

    container: str  # "wav", or the file suffix when ffmpeg decoded it
    tag: int  # WAV format tag (1 PCM, 3 float, 6 A-law, 7 mu-law); 0 when not a WAV
    channels: int
    rate: int
    bits: int
    frames: int
    comment: str = ""
    declared_frames: int | None = None  # what the header promises; None when it cannot say
    named: str = ""  # decoded by ffmpeg: the file's suffix when it is not what the file holds

    @property
    def missing_s(self) -> float:
        """Seconds the header promises but the file does not hold (a cut-short copy)."""
        if self.declared_frames is None or not self.rate:
            return 0.0
        return max(self.declared_frames - self.frames, 0) / self.rate

    def truncation(self, name: str) -> str | None:
        """Say, naming the file, that it was cut short; None when it is whole."""
        if self.missing_s <= 0.0:
            return None
        promised = self.declared_frames / self.rate
        return (
            f"{name} is truncated: its header promises {promised:.2f} s of audio but the file"
            f" holds only {self.duration_s:.2f} s; callers would hear it cut off."
            " Copy or export it again"
        )

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    @property
    def telephone_ready(self) -> bool:
        """Mono 8 kHz 16-bit PCM (documented for Twilio) or mu-law WAV (our option)."""
        encoding_ok = (self.tag, self.bits) in {(PCM, 16), (MULAW, 8)}
        return self.container == "wav" and encoding_ok and self.channels == 1 and self.rate == 8000

    def describe(self) -> str:
        """One line an operator can read, e.g. 'WAV PCM 16-bit, mono, 8000 Hz'."""
        encoding = _ENCODING_NAMES.get(self.tag, f"format tag {self.tag}")
        layout = {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels} channels")
        if self.container != "wav" or self.tag == 0:
            misnamed = f"; the file is named .{self.named}" if self.named else ""
            return (f"{self.container.upper()} (decoded by ffmpeg{misnamed}), {layout}, "
                    f"{self.rate} Hz")
        return f"WAV {encoding} {self.bits}-bit, {layout}, {self.rate} Hz"


@dataclass(frozen=True)
class Sound:
    """Decoded audio: float64 frames shaped (n, channels), full scale = 1.0, and the header."""

    frames: np.ndarray
    rate: int
    format: AudioFormat

    def mono(self) -> np.ndarray:
        return self.frames.mean(axis=1)


def read_audio(path: Path | str) -> Sound:
    """Read WAV natively; hand anything else to ffmpeg, or say clearly that ffmpeg is missing."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            if _is_wav(handle):
                layout = wav_layout(handle, str(path))
                handle.seek(layout.data_offset)
                return layout.sound(handle.read(layout.data_bytes), str(path))
    except OSError as error:
        raise AudioError(f"{path}: cannot read ({error.strerror or error})") from error
    try:
        frames, rate = _pydub.decode_with_ffmpeg(path)
    except FileNotFoundError as error:
        raise AudioError(_needs_ffmpeg(path, error)) from error
    except ValueError as error:
        raise AudioError(f"{path}: ffmpeg could not decode it ({error})") from error
    container, named = _decoded_as(path)
    fmt = AudioFormat(container, 0, frames.shape[1], rate, 16, frames.shape[0], named=named)
    return Sound(frames, rate, fmt)


WAV_SUFFIXES = ("wav", "wave")


def _decoded_as(path: Path) -> tuple[str, str]:
    """(what ffmpeg decoded, the file's suffix when it claims a WAV the file is not): the
    suffix names the format, except a .wav that is no RIFF/WAVE, named by ffprobe (an MP3
    saved as hold_music.wav had been described as "WAV format tag 0"; the app serves
    NAME.wav). ffprobe's names for other files are its demuxers' (an .m4a is "mov")."""
    suffix = path.suffix.lstrip(".").lower()
    if suffix not in WAV_SUFFIXES:
        return suffix or _pydub.format_name(path) or "ffmpeg", ""
    found = _pydub.format_name(path) or "unknown"
    return found, "" if found in WAV_SUFFIXES else suffix


def parse_wav(data: bytes, name: str = "WAV") -> Sound:
    """Decode RIFF/WAVE bytes, tolerating odd chunk order, padding and truncated data sizes."""
    handle = io.BytesIO(data)
    if not data:
        raise AudioError(f"{name}: the file is empty (0 bytes)")
    if not _is_wav(handle):
        raise AudioError(f"{name}: not a RIFF/WAVE file")
    layout = wav_layout(handle, name)
    start = layout.data_offset
    return layout.sound(data[start : start + layout.data_bytes], name)


@dataclass(frozen=True)
class WavLayout:
    """Where a WAV's samples are and how to decode them, read from the header alone, so long
    files can be decoded a block at a time."""

    format: AudioFormat
    data_offset: int
    data_bytes: int  # whole frames actually present

    @property
    def frame_bytes(self) -> int:
        return max(self.format.bits // 8, 1) * self.format.channels

    def decode(self, payload: bytes, name: str) -> np.ndarray:
        """Bytes of whole frames -> float frames shaped (n, channels)."""
        fmt = self.format
        return _decode(payload, fmt.tag, fmt.bits, name).reshape(-1, fmt.channels)

    def sound(self, payload: bytes, name: str) -> Sound:
        return Sound(self.decode(payload, name), self.format.rate, self.format)


def is_wav(path: Path | str) -> bool:
    """Whether the file starts as RIFF/WAVE (else ffmpeg must decode it)."""
    try:
        with Path(path).open("rb") as handle:
            return _is_wav(handle)
    except OSError as error:
        raise AudioError(f"{path}: cannot read ({error.strerror or error})") from error


@contextlib.contextmanager
def open_audio(path: Path | str) -> Iterator[tuple[AudioFormat, Blocks]]:
    """The format and a block source of any audio file: a WAV is read in place; anything else
    is first turned into a scratch WAV by ffmpeg (removed afterwards), so memory stays bounded
    for long MP3s too."""
    path = Path(path)
    if is_wav(path):
        layout, blocks = open_wav(path)
        yield layout.format, blocks
        return
    if path.stat().st_size == 0:  # ffmpeg had said "Invalid data found when processing input"
        raise AudioError(f"{path}: the file is empty (0 bytes); copy or export it again")
    with tempfile.TemporaryDirectory(prefix="holdwell-decode-") as folder:
        wav = Path(folder) / "decoded.wav"
        try:
            _pydub.convert_with_ffmpeg(path, wav)
        except FileNotFoundError as error:
            raise AudioError(_needs_ffmpeg(path, error)) from error
        except ValueError as error:
            raise AudioError(_undecodable(path, error)) from error
        layout, blocks = open_wav(wav)
        container, named = _decoded_as(path)
        yield dataclasses.replace(layout.format, container=container, tag=0, named=named), blocks


def _undecodable(path: Path, error: Exception) -> str:
    """ffmpeg's refusal, saying first what the file is not when its name claims a WAV."""
    if path.suffix.lstrip(".").lower() in WAV_SUFFIXES:
        return (f"{path}: named {path.suffix} but not a WAV file (it does not start with "
                f"RIFF/WAVE), and ffmpeg could not decode it either ({error})")
    return f"{path}: ffmpeg could not decode it ({error})"


def _needs_ffmpeg(path: Path, error: Exception) -> str:
    return (
        f"{path}: not a WAV file, and reading it needs ffmpeg ({error}), which is not on PATH."
        " Install ffmpeg (apt-get install ffmpeg) or convert the file to WAV first."
    )


def open_wav(path: Path | str) -> tuple[WavLayout, Blocks]:
    """A WAV's header, and a source of its frames a block at a time (readable again and again),
    so a long file never has to be in memory whole."""
    name = str(path)
    try:
        with Path(path).open("rb") as handle:
            _is_wav(handle)
            layout = wav_layout(handle, name)
    except OSError as error:
        raise AudioError(f"{path}: cannot read ({error.strerror or error})") from error

    def blocks() -> Iterator[np.ndarray]:
        step = BLOCK * layout.frame_bytes
        with Path(path).open("rb") as handle:
            for offset in range(0, layout.data_bytes, step):
                handle.seek(layout.data_offset + offset)
                payload = handle.read(min(step, layout.data_bytes - offset))
                yield layout.decode(payload, name)

    return layout, blocks


def _is_wav(handle: BinaryIO) -> bool:
    head = handle.read(12)
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def wav_layout(handle: BinaryIO, name: str = "WAV") -> WavLayout:
    """Walk the chunks after the RIFF header (the first chunk of a kind wins), reading only the
    small ones; a data chunk promising more than the file holds is noted as truncation."""
    size = handle.seek(0, os.SEEK_END)
    offset, found = 12, {}
    while offset + 8 <= size:
        handle.seek(offset)
        chunk_id, declared = struct.unpack("<4sI", handle.read(8))
        if chunk_id not in found:
            found[chunk_id] = (offset + 8, declared)
        offset += 8 + declared + (declared & 1)
    if b"fmt " not in found or b"data" not in found:
        raise AudioError(f"{name}: WAV file without a fmt or data chunk")
    tag, channels, rate, bits = _parse_fmt(_read_chunk(handle, found[b"fmt "], size), name)
    comment = _info_comment(_read_chunk(handle, found[b"LIST"], size)) if b"LIST" in found else ""
    data_offset, declared = found[b"data"]
    frame_bytes = max(bits // 8, 1) * channels
    present = min(declared, size - data_offset)
    present -= present % frame_bytes
    streamed = declared in _STREAMED_SIZES  # writers that could not seek back leave these
    fmt = AudioFormat(
        "wav",
        tag,
        channels,
        rate,
        bits,
        present // frame_bytes,
        comment,
        None if streamed else declared // frame_bytes,
    )
    return WavLayout(fmt, data_offset, present)


_STREAMED_SIZES = {0, 0xFFFFFFFF}


def _read_chunk(handle: BinaryIO, where: tuple[int, int], size: int) -> bytes:
    offset, declared = where
    handle.seek(offset)
    return handle.read(min(declared, size - offset))


def _chunks(data: bytes, offset: int = 12) -> list[tuple[bytes, bytes]]:
    found: list[tuple[bytes, bytes]] = []
    while offset + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, offset)
        body = data[offset + 8 : offset + 8 + size]
        if chunk_id not in dict(found):  # the first chunk of a kind wins
            found.append((chunk_id, body))
        offset += 8 + size + (size & 1)
    return found


def _parse_fmt(body: bytes, name: str) -> tuple[int, int, int, int]:
    if len(body) < 16:
        raise AudioError(f"{name}: fmt chunk too short")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
    if tag == EXTENSIBLE and len(body) >= 26:
        tag = struct.unpack_from("<H", body, 24)[0]  # first two bytes of the sub-format GUID
    if channels < 1 or rate < 1:
        raise AudioError(f"{name}: fmt chunk says {channels} channels at {rate} Hz")
    return tag, channels, rate, bits


def _decode(payload: bytes, tag: int, bits: int, name: str) -> np.ndarray:
    raw = np.frombuffer(payload, dtype=np.uint8)
    if tag == PCM and bits == 8:
        return (raw.astype(np.float64) - 128.0) / 128.0
    if tag == PCM and bits == 16:
        return np.frombuffer(payload, dtype="<i2") / 32768.0
    if tag == PCM and bits == 24:
        triples = raw.reshape(-1, 3).astype(np.int32)
        values = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        return np.where(values >= 1 << 23, values - (1 << 24), values) / float(1 << 23)
    if tag == PCM and bits == 32:
        return np.frombuffer(payload, dtype="<i4") / float(1 << 31)
    if tag == FLOAT and bits in (32, 64):
        return np.frombuffer(payload, dtype=f"<f{bits // 8}").astype(np.float64)
    if tag == MULAW and bits == 8:
        return g711.mulaw_decode(raw) / 32768.0
    if tag == ALAW and bits == 8:
        return g711.alaw_decode(raw) / 32768.0
    encoding = _ENCODING_NAMES.get(tag, f"format tag {tag}")
    raise AudioError(f"{name}: {encoding} {bits}-bit WAV is not supported; convert it with ffmpeg")


def _info_comment(body: bytes) -> str:
    if body[:4] != b"INFO":
        return ""
    for chunk_id, text in _chunks(body, offset=4):
        if chunk_id == b"ICMT":
            return text.split(b"\0", 1)[0].decode("utf-8", "replace")
    return ""


def wav_bytes(mono: np.ndarray, rate: int, encoding: str = "pcm16", comment: str = "") -> bytes:
    """Encode float samples as a canonical WAV: 16-bit PCM (tag 1) or 8-bit mu-law (tag 7)."""
    handle = io.BytesIO()
    _write_wav(handle, [mono], rate, encoding, lambda: comment)
    return handle.getvalue()


def _encode(mono: np.ndarray, encoding: str) -> bytes:
    pcm = np.clip(np.round(np.asarray(mono, dtype=np.float64) * 32768.0), -32768, 32767)
    pcm = pcm.astype("<i2")
    return pcm.tobytes() if encoding == "pcm16" else g711.mulaw_encode(pcm).tobytes()


def _write_wav(
    handle: BinaryIO,
    blocks: Iterable[np.ndarray],
    rate: int,
    encoding: str,
    comment: Callable[[], str],
) -> None:
    """Header, samples block by block, the comment after them; then the sizes are filled in.

    The canonical 44-byte header comes first (``data`` at offset 36; mu-law adds its ``fact``
    chunk before it), and ``comment`` is asked for only once all samples are written, so a
    writer can put in it what it measured on the way.
    """
    if encoding == "pcm16":
        chunks = [(b"fmt ", struct.pack("<HHIIHH", PCM, 1, rate, rate * 2, 2, 16))]
    elif encoding == "mulaw":
        chunks = [(b"fmt ", struct.pack("<HHIIHHH", MULAW, 1, rate, rate, 1, 8, 0))]
        chunks.append((b"fact", struct.pack("<I", 0)))
    else:
        raise ValueError(f"unknown encoding {encoding!r}; use 'pcm16' or 'mulaw'")
    handle.write(b"RIFF" + struct.pack("<I", 0) + b"WAVE")
    handle.write(b"".join(_chunk(chunk_id, payload) for chunk_id, payload in chunks))
    data_at = handle.tell()
    handle.write(b"data" + struct.pack("<I", 0))
    samples = size = 0
    for block in blocks:
        payload = _encode(block, encoding)
        handle.write(payload)
        samples, size = samples + np.size(block), size + len(payload)
    if size & 1:
        handle.write(b"\0")
    if text := comment():
        info = b"INFO" + _chunk(b"ICMT", text.encode("utf-8") + b"\0")
        handle.write(_chunk(b"LIST", info))
    end = handle.tell()
    handle.seek(4)
    handle.write(struct.pack("<I", end - 8))
    handle.seek(data_at + 4)
    handle.write(struct.pack("<I", size))
    if encoding == "mulaw":
        handle.seek(data_at - 4)
        handle.write(struct.pack("<I", samples))
    handle.seek(end)


def _chunk(chunk_id: bytes, payload: bytes) -> bytes:
    pad = b"\0" if len(payload) & 1 else b""
    return chunk_id + struct.pack("<I", len(payload)) + payload + pad


def write_wav(
    path: Path | str, mono: np.ndarray, rate: int, encoding: str = "pcm16", comment: str = ""
) -> None:
    """Write atomically (temp file + rename): preparing a file in place never leaves half a WAV."""
    write_wav_blocks(path, [mono], rate, encoding, lambda: comment)


def write_wav_blocks(
    path: Path | str,
    blocks: Iterable[np.ndarray],
    rate: int,
    encoding: str = "pcm16",
    comment: Callable[[], str] = str,
) -> None:
    """``write_wav`` for a signal given a block at a time; ``comment`` is asked for at the end."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise AudioError(f"{path}: cannot write there ({error.strerror or error})") from error
    try:
        with os.fdopen(fd, "wb") as handle:
            _write_wav(handle, blocks, rate, encoding, comment)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the web server and operators must read it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
