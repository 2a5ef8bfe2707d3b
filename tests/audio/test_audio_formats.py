"""WAV in and out without ffmpeg: header fields byte by byte, and every common WAV encoding."""

import struct
import wave

import numpy as np
import pytest

from audio.formats import AudioError, parse_wav, read_audio, wav_bytes, write_wav


def test_pcm_output_has_the_canonical_telephone_header(tmp_path, sine):
    path = tmp_path / "out.wav"
    write_wav(path, sine(1000, 8000, 0.5), 8000, comment="holdwell kind=prompt")
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:16] == b"WAVEfmt "
    tag, channels, rate, byte_rate, block, bits = struct.unpack_from("<HHIIHH", data, 20)
    assert (tag, channels, rate, byte_rate, block, bits) == (1, 1, 8000, 16000, 2, 16)
    assert data[36:40] == b"data" and struct.unpack_from("<I", data, 40)[0] == 8000
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8
    with wave.open(str(path)) as stdlib:  # an independent reader agrees
        assert (stdlib.getnchannels(), stdlib.getsampwidth(), stdlib.getframerate()) == (1, 2, 8000)
        assert stdlib.getnframes() == 4000


def test_comment_round_trips_after_the_samples(sine):
    sound = parse_wav(wav_bytes(sine(500, 8000, 0.1), 8000, comment="holdwell kind=music"))
    assert sound.format.comment == "holdwell kind=music"
    assert sound.format.telephone_ready and sound.format.duration_s == pytest.approx(0.1)


def test_mulaw_output_is_format_tag_7_with_a_fact_chunk(sine):
    samples = sine(1000, 8000, 0.5, amplitude=0.3)
    data = wav_bytes(samples, 8000, encoding="mulaw")
    tag, channels, rate, byte_rate, block, bits, extra = struct.unpack_from("<HHIIHHH", data, 20)
    assert (tag, channels, rate, byte_rate, block, bits, extra) == (7, 1, 8000, 8000, 1, 8, 0)
    assert data[38:42] == b"fact" and struct.unpack_from("<I", data, 46)[0] == samples.size
    sound = parse_wav(data)
    assert sound.format.telephone_ready
    assert np.max(np.abs(sound.mono() - samples)) < 0.01  # mu-law steps are ~3% at this level


def _wav(tag: int, bits: int, payload: bytes, channels: int = 1, rate: int = 8000) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    body = b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(payload))
    return b"RIFF" + struct.pack("<I", 4 + len(body) + len(payload)) + b"WAVE" + body + payload


@pytest.mark.parametrize(
    ("tag", "bits", "encode"),
    [
        (1, 8, lambda x: np.round(x * 128 + 128).astype(np.uint8).tobytes()),
        (
            1,
            24,
            lambda x: b"".join(
                int(v).to_bytes(3, "little", signed=True) for v in np.round(x * 2**23)
            ),
        ),
        (1, 32, lambda x: np.round(x * 2**31).astype("<i4").tobytes()),
        (3, 32, lambda x: x.astype("<f4").tobytes()),
        (3, 64, lambda x: x.astype("<f8").tobytes()),
    ],
)
def test_common_wav_encodings_decode_to_the_same_signal(tag, bits, encode, sine):
    samples = sine(440, 8000, 0.05, amplitude=0.5)
    sound = parse_wav(_wav(tag, bits, encode(samples)))
    assert (sound.format.tag, sound.format.bits) == (tag, bits)
    assert np.max(np.abs(sound.mono() - samples)) < 1.5 / 128  # 8-bit is the coarsest


def test_extensible_header_and_stereo_are_understood(sine):
    samples = sine(440, 8000, 0.05, amplitude=0.5)
    stereo = np.round(np.stack([samples, -samples], axis=1) * 32768).astype("<i2")
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 2, 8000, 32000, 4, 16, 22, 16, 3)
    fmt += struct.pack("<H", 1) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x008\x9bq"
    body = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", stereo.nbytes) + stereo.tobytes()
    sound = parse_wav(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    assert (sound.format.tag, sound.format.channels) == (1, 2)
    assert sound.frames.shape == (samples.size, 2)
    assert np.allclose(sound.mono(), 0.0, atol=1e-4)  # opposite channels cancel in the mix


def test_streamed_wav_with_oversized_data_length_still_reads(sine):
    data = bytearray(wav_bytes(sine(440, 8000, 0.1), 8000))
    data[40:44] = struct.pack("<I", 0xFFFFFFFF)  # what a streaming writer leaves behind
    assert parse_wav(bytes(data)).format.frames == 800


def test_unreadable_inputs_say_what_is_wrong(tmp_path):
    with pytest.raises(AudioError, match="not a RIFF/WAVE"):
        parse_wav(b"ID3\x03" + bytes(100))
    with pytest.raises(AudioError, match="cannot read"):
        read_audio(tmp_path / "missing.wav")
    with pytest.raises(AudioError, match="A-law 16-bit WAV is not supported"):
        parse_wav(_wav(6, 16, bytes(8)))
    with pytest.raises(AudioError, match="cannot write there"):
        write_wav(tmp_path / "no-such-folder" / "out.wav", np.zeros(10), 8000)
