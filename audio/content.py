"""Is there anything a caller could hear? Files that hold nothing usable are refused, naming the
file and the cause, instead of being amplified until their noise or edge clicks fill the line.

Used by ``check`` (a problem) and ``prepare`` (an error), so both say the same thing.
"""

from __future__ import annotations

import numpy as np

from audio.filters import ratio_db
from audio.scan import Scan

CANCEL_DB = -30.0  # the mono mix this far under its channels: they cancel
EMPTY_BAND_DB = -40.0  # this little of the power in 300-3400 Hz: nothing for the phone to carry


def content_problem(measured: Scan, name: str) -> str | None:
    """Why the scanned file holds nothing a caller could hear, or None when it holds something.

    Digital silence is not a problem here: it is a legitimate comfort-noise choice, and the
    kind's own level check says what silence means for prompts and music.
    """
    fmt = measured.format
    if fmt.frames == 0:
        return f"{name} holds no audio: its data chunk is empty"
    channel_powers = measured.channel_powers
    if max(channel_powers, default=0.0) == 0.0:
        return None
    quiet_mix = measured.mono_power < np.mean(channel_powers) * 10 ** (CANCEL_DB / 10)
    if len(channel_powers) > 1 and quiet_mix:
        return (
            f"{name}: its {len(channel_powers)} channels cancel when mixed to mono (one is the"
            " other upside down), so callers would hear nothing; flip one channel's polarity"
            " or keep one channel (ffmpeg -i IN -af 'pan=mono|c0=c0' OUT)"
        )
    _, in_band, _, total = measured.bands
    share = ratio_db(in_band, total) if total > 0 else 0.0
    if share < EMPTY_BAND_DB:
        return (
            f"{name} has nothing in the telephone band: what it holds in 300-3400 Hz is"
            f" {-share:.0f} dB under its whole level, so the phone would carry only that"
            " remainder (noise, clicks) and amplifying it is no fix; use a recording with"
            " speech or music in the band"
        )
    return None
