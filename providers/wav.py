"""Small, dependency-light tools for the one audio format the project passes around.

Every speech provider hands back 16-bit mono little-endian PCM, and everything downstream
(joining turns, writing the episode, checking it) works on that, so the functions here take
and return plain ``bytes`` rather than a class: bytes pickle cheaply between Ray actors.
The analysis functions exist so that tests and the final quality check can judge audio
the way a listener would (too quiet? clipped? mostly silence? two hosts that sound alike?)
without anyone having to listen.
"""

from __future__ import annotations

import io
import math
import wave
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

SAMPLE_WIDTH = 2
"""Bytes per sample: 16-bit PCM is what both espeak-ng and ElevenLabs' ``pcm_*`` give."""

SILENCE_DBFS = -120.0
"""Stands in for the -inf dBFS of digital silence, so that stats stay finite and comparable."""

SILENT_FRAME_DBFS = -45.0
"""A 20 ms frame quieter than this counts as silence: well under speech, above dither."""

_FULL_SCALE = 32768.0
_CLIP_LEVEL = 32767 * 0.999
_Floats = npt.NDArray[np.float64]


def _samples(pcm: bytes) -> _Floats:
    """Decode PCM to floats; an odd byte count means the caller cut a sample in half."""
    if len(pcm) % SAMPLE_WIDTH:
        raise ValueError(f"PCM has {len(pcm)} bytes; 16-bit samples need an even count")
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def _to_pcm(samples: _Floats) -> bytes:
    """Round and saturate rather than wrap: a wrapped sample is a loud click."""
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def _dbfs(rms: float) -> float:
    """RMS level in dBFS relative to a full-scale square wave, floored at ``SILENCE_DBFS``."""
    if rms <= 0.0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 20.0 * math.log10(rms / _FULL_SCALE))


def _check_rate(sample_rate: int) -> None:
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate}")


def pcm_silence(seconds: float, sample_rate: int) -> bytes:
    """Digital silence, used for the pauses between turns and around an episode."""
    _check_rate(sample_rate)
    if seconds < 0 or not math.isfinite(seconds):
        raise ValueError(f"silence length must be a finite number >= 0, got {seconds}")
    return bytes(SAMPLE_WIDTH * round(seconds * sample_rate))


def encode_wav(pcm: bytes, sample_rate: int) -> bytes:
    """Wrap PCM in a RIFF/WAVE header so that any player, and ``decode_wav``, can read it."""
    _check_rate(sample_rate)
    _samples(pcm)  # rejects an odd byte count before it becomes a corrupt file
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def decode_wav(data: bytes) -> tuple[bytes, int]:
    """Return ``(pcm, sample_rate)`` of a 16-bit mono PCM WAV file.

    Anything else is refused with ``ValueError`` instead of converted, because a WAV in
    another layout here means a provider changed its output and someone should know.
    """
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            pcm = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"not a PCM WAV file: {exc or 'truncated header'}") from exc
    if channels != 1 or width != SAMPLE_WIDTH:
        raise ValueError(
            f"expected 16-bit mono PCM WAV, got {channels} channel(s) of {8 * width}-bit samples"
        )
    return pcm, rate


def resample_pcm(pcm: bytes, src_rate: int, dst_rate: int) -> bytes:
    """Convert PCM between sample rates so that turns from different providers can be joined.

    Linear interpolation, no anti-alias filter: good enough for speech between the usual
    16/22.05/24/44.1 kHz rates, where the little aliasing it adds lies above the voice band.
    """
    _check_rate(src_rate)
    _check_rate(dst_rate)
    samples = _samples(pcm)
    if src_rate == dst_rate or samples.size == 0:
        return pcm
    n_out = round(samples.size * dst_rate / src_rate)
    positions = np.arange(n_out, dtype=np.float64) * (src_rate / dst_rate)
    return _to_pcm(np.interp(positions, np.arange(samples.size, dtype=np.float64), samples))


@dataclass(frozen=True)
class AudioStats:
    """What a listener would notice about a stretch of audio, as numbers a test can check."""

    duration_s: float
    rms_dbfs: float
    """Loudness of the non-silent frames only, so pauses do not make speech look quiet."""
    peak: float
    """Largest absolute sample as a share of full scale, 0..1."""
    clipping_share: float
    """Share of samples at (or within 0.1 % of) full scale: audible distortion."""
    silence_share: float
    """Share of 20 ms frames below ``SILENT_FRAME_DBFS``."""


def _frame_rms(samples: _Floats, frame: int) -> _Floats:
    """RMS of consecutive frames of ``frame`` samples; the last, shorter frame counts too."""
    starts = np.arange(0, samples.size, frame)
    sums = np.add.reduceat(samples * samples, starts)
    counts = np.diff(np.append(starts, samples.size))
    return np.sqrt(sums / counts)


def analyze_pcm(pcm: bytes, sample_rate: int) -> AudioStats:
    """Measure loudness, peaks, clipping and silence of PCM (see ``AudioStats``)."""
    _check_rate(sample_rate)
    samples = _samples(pcm)
    if samples.size == 0:
        return AudioStats(0.0, SILENCE_DBFS, 0.0, 0.0, 1.0)
    frame = max(1, sample_rate // 50)
    rms = _frame_rms(samples, frame)
    frame_db = np.array([_dbfs(float(r)) for r in rms])
    loud = frame_db >= SILENT_FRAME_DBFS
    if loud.any():
        mask = np.repeat(loud, frame)[: samples.size]
        voiced = samples[mask]
        loudness = _dbfs(float(np.sqrt(np.mean(voiced * voiced))))
    else:
        loudness = SILENCE_DBFS
    magnitude = np.abs(samples)
    return AudioStats(
        duration_s=samples.size / sample_rate,
        rms_dbfs=loudness,
        peak=float(magnitude.max()) / _FULL_SCALE,
        clipping_share=float(np.mean(magnitude >= _CLIP_LEVEL)),
        silence_share=float(np.mean(~loud)),
    )


def estimate_pitch_hz(pcm: bytes, sample_rate: int) -> float:
    """Median fundamental frequency of the voiced parts of PCM, or 0.0 if none is voiced.

    Tests use it to show that the two hosts have audibly different voices, so it aims at
    robustness, not precision: 40 ms frames every 20 ms, only frames within 30 dB of the
    loudest one and above -45 dBFS, an autocorrelation peak searched between 60 and 400 Hz,
    and the shortest lag whose peak comes close to the best one, which avoids reporting
    half the true pitch (the usual autocorrelation mistake).
    """
    _check_rate(sample_rate)
    samples = _samples(pcm)
    frame, hop = int(sample_rate * 0.040), int(sample_rate * 0.020)
    min_lag, max_lag = int(sample_rate / 400), math.ceil(sample_rate / 60)
    if frame <= max_lag + 1 or samples.size < frame:
        return 0.0
    frames = np.lib.stride_tricks.sliding_window_view(samples, frame)[::hop]
    frames = frames - frames.mean(axis=1, keepdims=True)
    level = np.array([_dbfs(float(r)) for r in np.sqrt(np.mean(frames * frames, axis=1))])
    keep = (level >= SILENT_FRAME_DBFS) & (level >= level.max() - 30.0)
    if not keep.any():
        return 0.0
    spectrum = np.fft.rfft(frames[keep], n=2 * frame, axis=1)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), axis=1)[:, : max_lag + 2]
    pitches: list[float] = []
    for row in acf:
        if row[0] <= 0.0:
            continue
        r = row / row[0]
        # r[min_lag - 1 : max_lag + 2], so that every candidate lag has both neighbours
        window = r[min_lag - 1 : max_lag + 2]
        inner = window[1:-1]
        is_peak = (inner > window[:-2]) & (inner >= window[2:])
        best = float(inner[is_peak].max()) if is_peak.any() else 0.0
        if best < 0.4:  # weakly periodic, or periodic outside 60..400 Hz: not a voice here
            continue
        lag = min_lag + int(np.flatnonzero(is_peak & (inner >= 0.85 * best))[0])
        # This (biased) autocorrelation decays with the lag, which helps against octave
        # errors above but pulls the peak early: refine on the unbiased one, then fit a
        # parabola through the peak and its neighbours for a sub-sample lag.
        unbiased = r * (frame / (frame - np.arange(r.size)))
        while lag < max_lag and unbiased[lag + 1] > unbiased[lag]:
            lag += 1
        left, mid, right = unbiased[lag - 1], unbiased[lag], unbiased[lag + 1]
        curve = left - 2 * mid + right
        shift = min(0.5, max(-0.5, 0.5 * (left - right) / curve)) if curve < 0 else 0.0
        pitches.append(sample_rate / (lag + shift))
    return float(np.median(pitches)) if pitches else 0.0
