"""Our numpy G.711 must agree bit for bit with CPython's audioop (while it still exists)."""

import warnings

import numpy as np
import pytest

from audio.g711 import alaw_decode, mulaw_decode, mulaw_encode

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    audioop = pytest.importorskip("audioop", reason="audioop left the stdlib (use audioop-lts)")

ALL_PCM = np.arange(-32768, 32768, dtype=np.int16)
ALL_CODES = np.arange(256, dtype=np.uint8)


def test_mulaw_encoding_matches_audioop_for_every_16_bit_value():
    expected = np.frombuffer(audioop.lin2ulaw(ALL_PCM.tobytes(), 2), dtype=np.uint8)
    np.testing.assert_array_equal(mulaw_encode(ALL_PCM), expected)


def test_mulaw_and_alaw_decoding_match_audioop_for_every_code():
    mu = np.frombuffer(audioop.ulaw2lin(ALL_CODES.tobytes(), 2), dtype=np.int16)
    a = np.frombuffer(audioop.alaw2lin(ALL_CODES.tobytes(), 2), dtype=np.int16)
    np.testing.assert_array_equal(mulaw_decode(ALL_CODES), mu)
    np.testing.assert_array_equal(alaw_decode(ALL_CODES), a)


def test_mulaw_floor_swallows_the_quietest_samples():
    # 0..3 is digital zero in mu-law and the first step is 8: noise far below -70 dBov
    # does not survive the line
    assert set(mulaw_decode(mulaw_encode(np.arange(0, 4)))) == {0}
    assert mulaw_decode(mulaw_encode(np.array([4, 8])))[0] == 8
