"""The PCM/WAV helpers: formats, measurements and the pitch estimate, on synthetic audio."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from podcast_factory.providers.wav import (
    SILENCE_DBFS,
    analyze_pcm,
    decode_wav,
    encode_wav,
    estimate_pitch_hz,
    pcm_silence,
    resample_pcm,
)

RATE = 22050


def tone(freq: float, seconds: float = 1.0, amplitude: float = 0.5, rate: int = RATE) -> bytes:
    """A sine at ``amplitude`` of full scale, as 16-bit PCM."""
    t = np.arange(round(seconds * rate)) / rate
    return np.round(amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes()


def buzz(freq: float, seconds: float = 1.0, rate: int = RATE) -> bytes:
    """A harmonic-rich tone (like a voiced vowel) whose fundamental is ``freq``."""
    t = np.arange(round(seconds * rate)) / rate
    wave_ = np.zeros_like(t)
    for k in range(1, 9):
        wave_ += np.sin(2 * np.pi * freq * k * t) / k
    peak = float(np.abs(wave_).max())
    return np.round(0.3 * 32767 * wave_ / peak).astype("<i2").tobytes()


def wav_file(channels: int, width: int) -> bytes:
    """A WAV file in some layout, written by the stdlib."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(RATE)
        out.writeframes(bytes(channels * width * 100))
    return buffer.getvalue()


def test_silence_has_the_requested_length():
    """1.5 s of silence at 22050 Hz is 33075 zero samples."""
    assert pcm_silence(1.5, RATE) == bytes(2 * 33075)
    assert pcm_silence(0, RATE) == b""


def test_silence_rejects_negative_length():
    """A negative pause is a bug upstream, not an empty pause."""
    with pytest.raises(ValueError, match="silence length"):
        pcm_silence(-0.1, RATE)


def test_silence_analyzes_as_silence():
    """Digital silence: all frames silent, -120 dBFS, no peak, no clipping."""
    stats = analyze_pcm(pcm_silence(2.0, RATE), RATE)
    assert stats.duration_s == pytest.approx(2.0)
    assert stats.silence_share == 1.0
    assert stats.rms_dbfs == SILENCE_DBFS
    assert stats.peak == 0.0
    assert stats.clipping_share == 0.0


def test_empty_pcm_analyzes_as_silence():
    """No audio at all is reported as zero seconds of silence, not an error."""
    stats = analyze_pcm(b"", RATE)
    assert (stats.duration_s, stats.silence_share, stats.rms_dbfs) == (0.0, 1.0, SILENCE_DBFS)


def test_wav_round_trips():
    """PCM written as WAV reads back byte for byte, with its sample rate."""
    pcm = buzz(140.0, 0.5) + tone(440.0, 0.25)
    data = encode_wav(pcm, 24000)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert decode_wav(data) == (pcm, 24000)


def test_stdlib_reads_our_wav_as_16_bit_mono():
    """Any player sees one channel of 16-bit samples at the given rate."""
    with wave.open(io.BytesIO(encode_wav(tone(300.0, 0.1), RATE)), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, RATE)
        assert wav.getnframes() == round(0.1 * RATE)


def test_decode_rejects_non_wav():
    """Bytes that are not a WAV file give a ValueError that says so."""
    with pytest.raises(ValueError, match="not a PCM WAV"):
        decode_wav(b"ID3 this is an mp3, honest")


@pytest.mark.parametrize(("channels", "width"), [(2, 2), (1, 1), (1, 3)])
def test_decode_rejects_other_layouts(channels, width):
    """Stereo, 8-bit and 24-bit WAVs are refused instead of misread."""
    with pytest.raises(ValueError, match="expected 16-bit mono"):
        decode_wav(wav_file(channels, width))


def test_odd_byte_count_is_rejected():
    """Half a sample means the caller cut PCM in the wrong place."""
    with pytest.raises(ValueError, match="even"):
        analyze_pcm(b"\x00\x01\x02", RATE)


def test_sine_loudness_and_peak():
    """A half-scale sine reads -9.03 dBFS RMS, peak 0.5, no clipping, no silence."""
    stats = analyze_pcm(tone(1000.0), RATE)
    assert stats.rms_dbfs == pytest.approx(-9.03, abs=0.05)
    assert stats.peak == pytest.approx(0.5, abs=0.001)
    assert stats.clipping_share == 0.0
    assert stats.silence_share == 0.0


def test_loudness_ignores_pauses():
    """Pauses raise silence_share but do not make the speech itself look quieter."""
    stats = analyze_pcm(tone(1000.0) + pcm_silence(1.0, RATE), RATE)
    assert stats.rms_dbfs == pytest.approx(-9.03, abs=0.05)
    assert stats.silence_share == pytest.approx(0.5, abs=0.02)
    assert stats.duration_s == pytest.approx(2.0)


def test_full_scale_square_is_clipping():
    """A square wave at full scale is all clipped samples."""
    square = np.where(np.arange(RATE) % 100 < 50, 32767, -32768).astype("<i2").tobytes()
    stats = analyze_pcm(square, RATE)
    assert stats.clipping_share == 1.0
    assert stats.peak == pytest.approx(1.0, abs=0.001)


@pytest.mark.parametrize("freq", [70.0, 110.0, 165.0, 220.0, 350.0])
def test_pitch_of_a_voiced_tone(freq):
    """The estimate finds the fundamental of a harmonic-rich tone within 2 %."""
    assert estimate_pitch_hz(buzz(freq), RATE) == pytest.approx(freq, rel=0.02)


def test_pitch_ignores_silent_stretches():
    """Silence around a tone does not drag the median pitch anywhere."""
    pcm = pcm_silence(1.0, RATE) + buzz(180.0) + pcm_silence(1.0, RATE)
    assert estimate_pitch_hz(pcm, RATE) == pytest.approx(180.0, rel=0.02)


def test_no_pitch_in_silence_or_noise():
    """Silence, white noise and too-short audio have no pitch: 0.0."""
    noise = np.random.default_rng(7).normal(0, 3000, RATE).astype("<i2").tobytes()
    assert estimate_pitch_hz(pcm_silence(1.0, RATE), RATE) == 0.0
    assert estimate_pitch_hz(noise, RATE) == 0.0
    assert estimate_pitch_hz(buzz(150.0, 0.01), RATE) == 0.0


@pytest.mark.parametrize(("src", "dst"), [(16000, 22050), (44100, 22050), (24000, 22050)])
def test_resample_keeps_duration_and_pitch(src, dst):
    """Resampled speech lasts as long and sounds at the same pitch."""
    pcm = buzz(150.0, 1.0, rate=src)
    out = resample_pcm(pcm, src, dst)
    assert len(out) // 2 == pytest.approx(dst, abs=1)
    assert estimate_pitch_hz(out, dst) == pytest.approx(150.0, rel=0.02)
    assert analyze_pcm(out, dst).rms_dbfs == pytest.approx(analyze_pcm(pcm, src).rms_dbfs, abs=0.5)


def test_resample_to_the_same_rate_changes_nothing():
    """Same rate in and out returns the input untouched."""
    pcm = tone(300.0, 0.2)
    assert resample_pcm(pcm, RATE, RATE) == pcm
    assert resample_pcm(b"", 16000, RATE) == b""
