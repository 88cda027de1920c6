"""MP3 in and out with pip-installed codecs: LAME (lameenc) encodes, miniaudio decodes.

Decoding lets the mastering stage measure what a listener hears, not the PCM it encoded.

LAME delays the audio by ``ENCODER_DELAY_SAMPLES`` (its 576-sample encoder delay plus
the 529-sample decoder delay of the MPEG filterbank). lameenc writes no Xing/LAME info
frame that would tell a player to skip them, so every player plays them: a decoded
file's first 1105 samples are silence and everything after is that much later than in
the WAV. Measured on lameenc 1.9.0 at 22.05, 24 and 44.1 kHz (tests/test_mastering.py
measures it again on every run). The transcript and chapter times add it.
"""

from __future__ import annotations

import lameenc
import miniaudio
import numpy as np

from podcast_factory.providers.loudness import Floats

ENCODER_DELAY_SAMPLES = 1105
"""Samples of silence LAME puts before the audio; players do not skip them."""

MP3_RATE = 44100
"""Podcast MP3s are 44.1 kHz (MPEG-1 Layer III): what every app and host expects."""

BITRATES_KBPS = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
"""The constant bitrates MPEG-1 Layer III defines."""


def to_pcm16(samples: Floats) -> bytes:
    """Float samples as 16-bit little-endian PCM, rounded and saturated."""
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()


def from_pcm16(pcm: bytes) -> Floats:
    """16-bit little-endian PCM as float samples in [-1, 1)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def encode_mp3(samples: Floats, rate: int, bitrate_kbps: int) -> bytes:
    """A mono constant-bitrate MP3 of ``samples`` (best-quality LAME search)."""
    if bitrate_kbps not in BITRATES_KBPS:
        raise ValueError(f"{bitrate_kbps} kbps is not an MP3 bitrate; use one of {BITRATES_KBPS}")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(2)
    return bytes(encoder.encode(to_pcm16(samples))) + bytes(encoder.flush())


def decode_mp3(data: bytes) -> tuple[Floats, int]:
    """The samples (mono, float) and rate a player would get from an MP3, encoder delay
    and padding included."""
    decoded = miniaudio.decode(data, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1)
    samples = np.asarray(decoded.samples, dtype=np.float64) / 32768.0
    return samples, int(decoded.sample_rate)


def delay_s(rate: int) -> float:
    """The encoder delay in seconds at ``rate``."""
    return ENCODER_DELAY_SAMPLES / rate
