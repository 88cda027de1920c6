"""Loudness as podcast apps and hosting services measure it, and the gain to reach it.

Integrated loudness is ITU-R BS.1770 (K-weighted, gated), measured by pyloudnorm; true
peak is the peak of the signal oversampled four times (BS.1770 Annex 2), so the peaks a
player's reconstruction filter produces between samples count too. A gain that reaches
the loudness target would push a speech peak over the ceiling more often than not, so
``master_level`` follows the gain with a look-ahead peak limiter, then measures again
and corrects the gain for what the limiter took away.

Samples here are float64 in [-1, 1), mono.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

Floats = npt.NDArray[np.float64]

OVERSAMPLING = 4
"""True peak oversampling factor: BS.1770-4 asks for at least 4x at 48 kHz."""

SILENCE_LUFS = -70.0
"""BS.1770's absolute gate: anything quieter does not count as programme."""

LIMITER_WINDOW_S = 0.01
"""The limiter looks this far ahead and releases over the same time: short enough to
touch only the peak it tames, long enough not to distort speech audibly."""

LIMITER_MARGIN_DB = 0.3
"""The limiter aims this far under the ceiling: encoding to MP3 adds a little peak."""


def integrated_lufs(samples: Floats, rate: int) -> float:
    """Integrated loudness in LUFS; ``SILENCE_LUFS`` for silence or audio shorter than
    one 400 ms gating block (pyloudnorm would return -inf or refuse)."""
    if len(samples) < int(0.4 * rate) + 1 or not np.any(samples):
        return SILENCE_LUFS
    value = float(pyloudnorm.Meter(rate).integrated_loudness(samples))
    return value if math.isfinite(value) else SILENCE_LUFS


def _peak_envelope(samples: Floats) -> Floats:
    """Per sample, the largest magnitude the oversampled signal reaches around it."""
    # float32: half the work of float64 for the largest step of mastering, and its
    # rounding (1e-7 of full scale) is far below the 0.01 dB the report keeps.
    up = np.abs(resample_poly(samples.astype(np.float32), OVERSAMPLING, 1))
    envelope = up[: len(samples) * OVERSAMPLING].reshape(-1, OVERSAMPLING).max(axis=1)
    return np.asarray(np.maximum(envelope, np.abs(samples)), dtype=np.float64)


def true_peak_db(samples: Floats) -> float:
    """True peak in dBTP (dB relative to full scale, 4x oversampled); -120 for silence."""
    if not len(samples):
        return -120.0
    peak = float(_peak_envelope(samples).max())
    return 20 * math.log10(peak) if peak > 1e-6 else -120.0


def _smooth_gain(envelope: Floats, rate: int, ceiling_db: float) -> Floats | None:
    """The gain that brings every peak of ``envelope`` to ``ceiling_db``, or None if
    nothing is over it.

    The gain each sample needs is spread over a window either side (a minimum filter,
    then a moving average of the same width): the average of minima taken over windows
    that all contain a sample is no larger than what that sample needed, so the gain
    reaches its value in time, and it moves gradually, so it does not click."""
    ceiling = 10 ** (ceiling_db / 20)
    need = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12))
    if need.min() >= 1.0:
        return None
    width = 2 * max(1, int(LIMITER_WINDOW_S * rate)) + 1
    gain = uniform_filter1d(minimum_filter1d(need, width, mode="nearest"), width, mode="nearest")
    return np.asarray(np.minimum(gain, 1.0), dtype=np.float64)


def limit(samples: Floats, rate: int, ceiling_db: float) -> Floats:
    """``samples`` with every true peak brought down to ``ceiling_db``."""
    gain = _smooth_gain(_peak_envelope(samples), rate, ceiling_db)
    return samples if gain is None else samples * gain


@dataclass(frozen=True)
class Levelled:
    """Audio brought to a loudness, with what it took."""

    samples: Floats
    lufs: float
    """Integrated loudness after levelling."""
    true_peak_db: float
    gain_db: float
    """The gain applied before the limiter."""
    limited: bool
    """Whether the limiter had to take peaks down."""


def master_level(samples: Floats, rate: int, lufs: float, ceiling_db: float) -> Levelled:
    """``samples`` at ``lufs`` integrated with every true peak at or under ``ceiling_db``.

    Gain, limit, measure, correct the gain by what is still missing: the limiter takes
    some loudness away, less than the gain adds, so each correction is the shortfall
    divided by how much the last one achieved (the secant method); two or three rounds
    reach the target within 0.05 LU on speech. The peak envelope scales with the gain,
    so it is computed once. Silence is returned unchanged: it has no loudness to set."""
    measured = integrated_lufs(samples, rate)
    if measured <= SILENCE_LUFS:
        return Levelled(samples, measured, true_peak_db(samples), 0.0, False)
    envelope = _peak_envelope(samples)
    target_peak = ceiling_db - LIMITER_MARGIN_DB
    gain_db, last = lufs - measured, (0.0, measured)
    for _ in range(6):
        applied, scale = gain_db, 10 ** (gain_db / 20)
        gain = _smooth_gain(envelope * scale, rate, target_peak)
        out = samples * scale if gain is None else samples * scale * gain
        now = integrated_lufs(out, rate)
        if abs(now - lufs) < 0.05:
            break
        slope = (now - last[1]) / (gain_db - last[0]) if gain_db != last[0] else 1.0
        last = (gain_db, now)
        gain_db += (lufs - now) / min(1.0, max(0.2, slope))
    peak = float((envelope * scale * (1.0 if gain is None else gain)).max())
    peak_db = 20 * math.log10(peak) if peak > 1e-6 else -120.0
    return Levelled(out, now, peak_db, applied, gain is not None)


def resample(samples: Floats, rate: int, to_rate: int) -> Floats:
    """Samples at another rate, timing kept (a polyphase filter with no delay)."""
    if rate == to_rate:
        return samples
    g = math.gcd(rate, to_rate)
    return np.asarray(resample_poly(samples, to_rate // g, rate // g), dtype=np.float64)
