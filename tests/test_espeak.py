"""Offline speech through espeak-ng, judged by what a listener would notice."""

from __future__ import annotations

import pickle
import sys
import threading

import pytest

from podcast_factory.errors import ProviderError, UserInputError
from podcast_factory.providers import espeak
from podcast_factory.providers.espeak import (
    DEFAULT_VOICES,
    EspeakTTS,
    check_voice,
    list_languages,
    list_variants,
    list_voices,
)
from podcast_factory.providers.wav import analyze_pcm, decode_wav, encode_wav, estimate_pitch_hz

SENTENCE = (
    "Welcome back to the show. Today we look at how small rivers shape the towns "
    "that grow along their banks, and why it matters."
)  # 23 words


@pytest.fixture(scope="module")
def tts() -> EspeakTTS:
    """One synthesizer at the default rate for the whole module."""
    return EspeakTTS()


@pytest.fixture(scope="module")
def hosts(tts: EspeakTTS) -> tuple[bytes, bytes]:
    """The sentence spoken by host 1 and by host 2."""
    return tts.synthesize(SENTENCE, DEFAULT_VOICES[0]), tts.synthesize(SENTENCE, DEFAULT_VOICES[1])


def test_sample_rate_is_native(tts):
    """The library speaks at 22050 Hz."""
    assert tts.sample_rate == 22050


def test_sentence_lasts_a_plausible_time(tts, hosts):
    """A 23-word sentence at 165 wpm takes 3 to 12 seconds for either host."""
    for pcm in hosts:
        assert 3.0 <= analyze_pcm(pcm, tts.sample_rate).duration_s <= 12.0


def test_speech_is_clean_and_audible(tts, hosts):
    """Speech is mostly sound, does not clip, and sits at a sane loudness."""
    for pcm in hosts:
        stats = analyze_pcm(pcm, tts.sample_rate)
        assert stats.silence_share < 0.4
        assert stats.clipping_share < 0.001
        assert -35.0 <= stats.rms_dbfs <= -3.0
        assert stats.peak > 0.1


def test_default_hosts_sound_different(tts, hosts):
    """Host 1 speaks clearly lower than host 2: median pitch differs by more than 25 %."""
    low, high = (estimate_pitch_hz(pcm, tts.sample_rate) for pcm in hosts)
    assert 70.0 < low < 150.0
    assert high > 1.25 * low


def test_faster_rate_gives_shorter_audio():
    """At 250 wpm the same sentence is much shorter than at 120 wpm."""
    slow = EspeakTTS(wpm=120).synthesize(SENTENCE, DEFAULT_VOICES[0])
    fast = EspeakTTS(wpm=250).synthesize(SENTENCE, DEFAULT_VOICES[0])
    assert len(fast) < 0.7 * len(slow)


def test_rate_out_of_range_is_a_user_error():
    """A wpm the library cannot do is refused up front, naming the field."""
    with pytest.raises(UserInputError, match="wpm"):
        EspeakTTS(wpm=1000)


def test_quotes_and_non_ascii_are_spoken(tts):
    """Curly quotes, dashes and accents speak like their plain-ASCII spelling."""
    fancy = tts.synthesize("She said “hello” – it’s a café, naïve as it sounds.", "en-us+f3")
    plain = tts.synthesize('She said "hello" - it\'s a cafe, naive as it sounds.', "en-us+f3")
    assert len(fancy) == pytest.approx(len(plain), rel=0.25)
    assert analyze_pcm(fancy, tts.sample_rate).silence_share < 0.4


def test_markup_and_nul_are_read_as_text(tts):
    """Angle brackets are not taken as SSML and a NUL does not cut the text short."""
    assert len(tts.synthesize("<b>bold</b> claim", "en-us")) / 2 / tts.sample_rate > 0.5
    cut = tts.synthesize("first\x00second third", "en-us")
    assert len(cut) > len(tts.synthesize("first", "en-us")) * 2


def test_blank_text_is_no_audio(tts):
    """Empty or blank text gives no audio rather than a click or an error."""
    assert tts.synthesize("", DEFAULT_VOICES[0]) == b""
    assert tts.synthesize("  \n ", DEFAULT_VOICES[1]) == b""


@pytest.mark.parametrize("voice", ["en-us+nosuchvariant", "xx-elvish", "m3", "en-us+", ""])
def test_unknown_voice_is_refused(tts, voice):
    """Unknown voices, variants, and variants without a language raise, naming the voice."""
    with pytest.raises(ProviderError) as caught:
        tts.synthesize("hello", voice)
    assert repr(voice) in str(caught.value)
    assert caught.value.provider == "espeak-ng"
    assert not caught.value.retryable


def test_voice_names_are_lenient_where_the_library_is(tts):
    """Language case, identifiers and display names all select a voice."""
    for voice in ("EN-US+m3", "gmw/en-US+f3", "English (America)", "fr+f2"):
        check_voice(voice)
        assert tts.synthesize("bonjour", voice)


def test_listed_voices_are_all_accepted():
    """Every listed voice passes validation, the defaults are listed, broken ones are not."""
    voices = list_voices()
    assert set(DEFAULT_VOICES) <= set(voices)
    assert {"m3", "f3", "klatt"} <= set(list_variants())
    assert "fo" not in list_languages()  # the wheel ships no Faroese dictionary
    for voice in voices:
        check_voice(voice)


def test_every_language_speaks(tts):
    """Each listed language says something audible."""
    for language in list_languages():
        pcm = tts.synthesize("hello 42", language)
        assert analyze_pcm(pcm, tts.sample_rate).duration_s > 0.2, language


def test_output_round_trips_through_wav(tts, hosts):
    """Synthesized speech survives encoding to WAV and back."""
    assert decode_wav(encode_wav(hosts[0], tts.sample_rate)) == (hosts[0], tts.sample_rate)


def test_concurrent_calls_do_not_mix_audio(tts):
    """Threads speaking at once each get their own, complete utterance."""
    texts = [f"Speaker {n} reads the weather report for region {n}." for n in range(6)]
    expected = [len(tts.synthesize(text, DEFAULT_VOICES[n % 2])) for n, text in enumerate(texts)]
    results: dict[int, bytes] = {}

    def speak(n: int) -> None:
        results[n] = tts.synthesize(texts[n], DEFAULT_VOICES[n % 2])

    threads = [threading.Thread(target=speak, args=(n,)) for n in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n, size in enumerate(expected):
        # espeak-ng is not bit-reproducible (a few samples differ run to run), so compare sizes
        assert len(results[n]) == pytest.approx(size, rel=0.05)


def test_provider_pickles(tts):
    """The provider can be shipped to a Ray actor and still speaks there."""
    copy = pickle.loads(pickle.dumps(EspeakTTS(wpm=200)))
    assert copy.wpm == 200
    assert copy.synthesize("still here", DEFAULT_VOICES[0])


def test_missing_package_says_how_to_install(monkeypatch):
    """Without espeakng-loader the error tells the user which extra to install."""
    monkeypatch.setattr(espeak, "_engine", None)
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)
    with pytest.raises(ProviderError, match=r"podcast-factory\[offline\]"):
        EspeakTTS()
