"""A peak just over the -3 dBFS ceiling is said with the decimals that show it is over: "peaks
at -3.0 dBFS, above the -3 dBFS ceiling" had read as a contradiction, as had "-2.0 dBFS
between samples (on them -2.0)"."""

import re

import pytest

from audio.check import check_file


@pytest.mark.parametrize("peak_dbfs", [-2.97, -2.96, -2.991])
def test_a_peak_a_hair_over_the_ceiling_reads_as_over_it(write_wav, sine, peak_dbfs):
    path = write_wav(sine(1000, 8000, seconds=1.0, amplitude=10 ** (peak_dbfs / 20)), 8000)
    report = check_file(path)
    [said] = [problem for problem in report.problems if problem.startswith("peaks at")]
    shown = float(re.match(r"peaks at (-?[\d.]+) dBFS", said).group(1))
    assert shown > -3.0 and shown == pytest.approx(report.true_peak_dbfs, abs=0.05)
    between = re.search(r"between samples \(on them (-?[\d.]+)\)", said)
    assert between is None or float(between.group(1)) != shown
