"""Cross-checks against sox's own ``stats`` (an independent meter): flat factor and DC offset.

CI installs sox (.ci/run); without it these skip, saying so.
"""

import re
import shutil
import subprocess

import numpy as np
import pytest

from audio.check import check_file

pytestmark = pytest.mark.skipif(
    shutil.which("sox") is None, reason="sox not on PATH (CI installs it: apt-get install sox)"
)


def _sox_stats(path) -> dict[str, list[float]]:
    done = subprocess.run(
        ["sox", str(path), "-n", "stats"], capture_output=True, text=True, check=True, timeout=60
    )
    rows = {}
    for line in done.stderr.splitlines():
        label = re.match(r"(DC offset|Flat factor)\s+(.*)", line)
        if label:
            rows[label.group(1)] = [float(value) for value in label.group(2).split()]
    return rows


def test_flat_factor_and_dc_match_sox(write_wav, speech):
    x = np.clip(speech(8000, amplitude=0.5), -0.2, 0.2)
    path = write_wav(np.stack([x + 0.03, 0.7 * x], axis=1), 8000, "two.wav")
    sox, report = _sox_stats(path), check_file(path)
    per_channel = sox["Flat factor"][1:]  # overall, then one column per channel
    assert report.clipping.flat_factor_db == pytest.approx(max(per_channel), abs=0.01)
    assert report.dc_offset == pytest.approx(sox["DC offset"][1:], abs=2e-6)
