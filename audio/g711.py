"""G.711 mu-law and A-law in numpy, so mu-law WAVs can be written and read without ffmpeg.

The stdlib ``wave`` module rejects mu-law WAV (format tag 7) and ``audioop`` leaves the standard
library in Python 3.13, so the few lines of the classic reference algorithm live here.
"""

from __future__ import annotations

import numpy as np

_MU_BIAS = 0x84
_MU_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def mulaw_encode(pcm: np.ndarray) -> np.ndarray:
    """Encode 16-bit linear samples to mu-law bytes, bit-exact with CPython's ``audioop``.

    Same 14-bit reference algorithm (Sun's g711.c): drop two bits, bias by 33, find the segment.
    """
    x = np.asarray(pcm, dtype=np.int32) >> 2
    negative = x < 0
    magnitude = np.minimum(np.where(negative, -x, x), 8159) + (_MU_BIAS >> 2)
    segment = np.searchsorted(_MU_SEGMENT_ENDS, magnitude, side="left")
    code = np.where(
        segment >= 8, 0x7F, (segment << 4) | ((magnitude >> np.minimum(segment + 1, 8)) & 0x0F)
    )
    return (code ^ np.where(negative, 0x7F, 0xFF)).astype(np.uint8)


def mulaw_decode(codes: np.ndarray) -> np.ndarray:
    """Decode mu-law bytes to 16-bit linear samples."""
    u = ~np.asarray(codes, dtype=np.int32) & 0xFF
    exponent = (u >> 4) & 0x07
    magnitude = (((u & 0x0F) << 3) + _MU_BIAS) << exponent
    return np.where(u & 0x80, _MU_BIAS - magnitude, magnitude - _MU_BIAS).astype(np.int16)


def alaw_decode(codes: np.ndarray) -> np.ndarray:
    """Decode A-law bytes to 16-bit linear samples (European telephone WAVs use it)."""
    a = np.asarray(codes, dtype=np.int32) ^ 0x55
    segment = (a & 0x70) >> 4
    base = (a & 0x0F) << 4
    magnitude = np.where(segment == 0, base + 8, (base + 0x108) << np.maximum(segment - 1, 0))
    return np.where(a & 0x80, magnitude, -magnitude).astype(np.int16)


def quantization_power(samples: np.ndarray, law: str = "mulaw") -> float:
    """Mean-square rounding error G.711 adds around these decoded values (full scale 1): the
    noise the codec itself puts across 0-4 kHz, which no file in that encoding can avoid."""
    decode = mulaw_decode if law == "mulaw" else alaw_decode
    levels = np.unique(decode(np.arange(256)).astype(np.float64) / 32768.0)
    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        return 0.0
    index = np.clip(np.searchsorted(levels, x), 1, levels.size - 2)
    step = (levels[index + 1] - levels[index - 1]) / 2.0
    return float(np.mean(step * step) / 12.0)
