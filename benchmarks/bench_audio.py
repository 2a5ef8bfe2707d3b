"""Peak memory of `holdwell audio prepare` and `check` on long 44.1 kHz stereo recordings.

Issue 17 item 7: preparing or checking a long file must not hold it all in memory. Each command
runs in its own process and its peak resident set (ru_maxrss of that child) is read back, so
nothing measured here shares memory with the generator. Input files are written block by block.

    python benchmarks/bench_audio.py                 # 10 and 40 minutes
    python benchmarks/bench_audio.py --minutes 10    # just one length
"""

from __future__ import annotations

import argparse
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RATE = 44100
BLOCK_S = 10
_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(done.returncode, peak, done.stderr.decode()[-300:].replace(chr(10), ' '))\n"
)


def write_long_wav(path: Path, minutes: float, seed: int = 0) -> int:
    """Music-like stereo (soft chords, a slow swell, a little noise) at about -20 dBFS RMS."""
    frames = int(minutes * 60 * RATE)
    rng = np.random.default_rng(seed)
    with path.open("wb") as handle:
        data_bytes = frames * 4
        handle.write(b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE")
        handle.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, RATE, RATE * 4, 4, 16))
        handle.write(b"data" + struct.pack("<I", data_bytes))
        for start in range(0, frames, BLOCK_S * RATE):
            n = min(BLOCK_S * RATE, frames - start)
            t = (start + np.arange(n)) / RATE
            chord = sum(np.sin(2 * np.pi * hz * t) for hz in (262, 330, 392, 523))
            swell = 0.6 + 0.4 * np.sin(2 * np.pi * t / 47.0)
            left = 0.08 * chord * swell + rng.normal(0, 0.003, n)
            right = 0.07 * chord * swell + rng.normal(0, 0.003, n)
            pcm = np.round(np.stack([left, right], axis=1) * 32767).astype("<i2")
            handle.write(pcm.tobytes())
    return path.stat().st_size


def measure(command: list[str]) -> tuple[float, float, str]:
    """Peak RSS in MB of one command in its own process, and its wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - started
    code, peak_kb, err = done.stdout.split(" ", 2)
    if code == "1" and "would not sound right" in err:
        status = "ran; verdict FAIL (a 44.1 kHz stereo source is not telephone audio)"
    else:
        status = "ok" if code == "0" else f"exit {code}: {err.strip()}"
    return int(peak_kb) / 1024, seconds, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="*", default=[10.0, 40.0])
    args = parser.parse_args()
    holdwell = shutil.which("holdwell") or "holdwell"
    baseline, _, _ = measure([holdwell, "audio", "--help"])
    print(f"baseline: `holdwell audio --help` peaks at {baseline:.0f} MB (interpreter + imports)")
    print(
        f"{'input':>12} {'size MB':>8} {'command':>8} {'peak RSS MB':>12} {'x input':>8}"
        f" {'above baseline MB':>18} {'time s':>7}  status"
    )
    with tempfile.TemporaryDirectory(prefix="holdwell-bench-") as folder:
        for minutes in args.minutes:
            source = Path(folder) / f"recording_{minutes:g}min.wav"
            size_mb = write_long_wav(source, minutes) / 1e6
            out = Path(folder) / "hold_music.wav"
            prepare = [holdwell, "audio", "prepare", str(source), str(out), "--kind", "music"]
            check = [holdwell, "audio", "check", "--kind", "music", str(source)]
            runs = [("prepare", prepare), ("check", check)]
            for label, command in runs:
                peak, seconds, status = measure(command)
                print(
                    f"{minutes:>8g} min {size_mb:>8.0f} {label:>8} {peak:>12.0f}"
                    f" {peak / size_mb:>8.2f} {peak - baseline:>18.0f} {seconds:>7.1f}  {status}"
                )
            source.unlink()
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this driver itself peaked at {usage:.0f} MB; inputs: 16-bit PCM, 44.1 kHz stereo)")


if __name__ == "__main__":
    main()
