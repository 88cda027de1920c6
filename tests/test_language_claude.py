"""Shows in another language through Claude and ElevenLabs (the real SDKs against the
provider simulator), and the voices a show in a language may have.

A Spanish show with English sources: every prompt says Spanish, every script line, note
and post is Spanish to a language detector, each fact's quote stays the English source's
words and is found in it, and the speech requests name the language. A German show with
German sources: the same in German. A host voice in another language than the show's is
refused before anything runs, and ``voices --language de`` lists only German voices.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from podcast_factory.api import load_batch_file, prepare, run_batch
from podcast_factory.cli import main
from podcast_factory.config import Credentials, ElevenLabsSettings, RunSettings
from podcast_factory.errors import UserInputError
from podcast_factory.models import Host
from podcast_factory.providers.espeak import EspeakTTS, default_voices, voice_language
from podcast_factory.providers.lexicon import content_stems
from podcast_factory.providers.speech import EspeakEngine
from podcast_factory.providers.text import split_sentences
from podcast_factory.testing import ProviderSimulator

DATA = Path(__file__).parent / "data"
KEY = "sk-ant-test-FAKEKEY-0123456789abcdef"
TAGS = {
    Language.ENGLISH: "en",
    Language.GERMAN: "de",
    Language.SPANISH: "es",
    Language.FRENCH: "fr",
    Language.PORTUGUESE: "pt",
}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    """lingua over the five languages the application writes (accurate on short lines)."""
    return LanguageDetectorBuilder.from_languages(*TAGS).build()


def _language(detector: LanguageDetector, text: str) -> str:
    found = detector.detect_language_of(text)
    return TAGS[found] if found is not None else "?"


def _creds(sim: ProviderSimulator) -> Credentials:
    return Credentials.model_validate(
        {
            "anthropic_api_key": KEY,
            "elevenlabs_api_key": KEY,
            "anthropic_base_url": sim.url,
            "elevenlabs_base_url": sim.url,
        }
    )


def _batch_file(folder: Path, language: str, episodes: list[tuple[str, str, Path]]) -> Path:
    """A batch file of a show in ``language`` (hosts without voices: the defaults)."""
    intro = {
        "es": "Bienvenidos a {show}. Hoy hablamos de {topic}.",
        "de": "Willkommen bei {show}. Heute geht es um {topic}.",
    }[language]
    outro = {
        "es": "Esto es todo por hoy. Gracias por escucharnos y hasta la próxima.",
        "de": "Das war es für heute. Danke fürs Zuhören und bis zum nächsten Mal.",
    }[language]
    lines = [
        "show:",
        '  name: "Maravillas"',
        f"  language: {language}",
        "  hosts: [Nora, Eli]",
        f'  intro: "{intro}"',
        f'  outro: "{outro}"',
        "episodes:",
    ]
    for episode_id, topic, source in episodes:
        lines += [
            f"  - id: {episode_id}",
            f'    topic: "{topic}"',
            "    minutes: 1",
            f"    sources: [{source}]",
        ]
    path = folder / "batch.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _settings(model: str) -> RunSettings:
    return RunSettings(
        llm="claude",
        tts="elevenlabs",
        elevenlabs=ElevenLabsSettings(model_id=model),
        backoff_base_s=0.05,
        backoff_max_s=0.2,
        request_timeout_s=5.0,
        memory=False,
    )


def _flat(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


def _written(out: Path, episode: str) -> dict[str, Any]:
    """What a listener reads or hears of an episode: script lines, notes, posts."""
    folder = out / episode
    script = json.loads((folder / "script.json").read_text())
    lines = [t["text"] for t in script["turns"]]
    notes = json.loads((folder / "summary.json").read_text())
    # chapter titles are a few words each (lingua cannot place two or three words, and a
    # name carried from an English source tips it): they are judged together
    titles = ". ".join(c["title"] for c in notes["chapters"])
    said = [notes["summary"], titles]
    social = json.loads((folder / "social.json").read_text())
    posts = [p["text"] for p in social["posts"]]
    return {"lines": lines, "notes": said, "posts": posts}


def _check_language(detector: LanguageDetector, written: dict[str, Any], lang: str) -> None:
    """Every script line, note line and post of at least four words is in ``lang``."""
    for kind, texts in written.items():
        assert texts, kind
        wrong = [
            t for t in texts if len(t.split()) >= 4 and _language(detector, _no_links(t)) != lang
        ]
        assert not wrong, (kind, wrong)


def _check_notes(out: Path, episode: str, lang: str) -> None:
    """The notes as a listener reads them: the summary is whole sentences, each saying
    something the episode's facts say (not chapter titles run together, not filler); a
    chapter title is a short heading, never a sentence."""
    facts = json.loads((out / episode / "research.json").read_text())["facts"]
    stems = [set(content_stems(f["text"], lang)) for f in facts]
    notes = json.loads((out / episode / "summary.json").read_text())
    summary = notes["summary"]
    assert summary.endswith((".", "!", "?")), summary
    for sentence in split_sentences(summary, lang=lang):
        said = set(content_stems(sentence, lang))
        assert any(len(said & f) >= 2 for f in stems), (sentence, summary)
    for chapter in notes["chapters"]:
        assert not chapter["title"].endswith(".") and len(chapter["title"].split()) <= 6, chapter


def _no_links(text: str) -> str:
    return re.sub(r"https?://\S+|#\w+|\{episode_link\}", "", text)


@pytest.mark.usefixtures("ray_session")
def test_a_spanish_batch_from_english_sources_is_spanish_and_keeps_english_quotes(
    tmp_path: Path, detector: LanguageDetector
) -> None:
    """Claude (simulated) researches English sources for a Spanish show: the prompts say
    Spanish, the facts, script, notes and posts are Spanish, the quotes are the English
    sources' words, and every speech request asks ElevenLabs for Spanish."""
    examples = Path(__file__).parent.parent / "examples" / "sources"
    path = _batch_file(
        tmp_path,
        "es",
        [
            ("mareas", "Isaac Newton y las mareas", examples / "tides.md"),
            ("penicilina", "Alexander Fleming y la penicilina", examples / "penicillin.md"),
        ],
    )
    out = tmp_path / "out"
    with ProviderSimulator(voices={}) as sim:
        result = run_batch(
            load_batch_file(path), out, _settings("eleven_flash_v2_5"), creds=_creds(sim)
        )
        bodies = sim.message_bodies
        speech = sim.tts_calls
    assert result.ok, [(e.episode_id, e.status, e.failure, e.errors) for e in result.episodes]

    assert bodies
    for body in bodies:
        system = " ".join(b["text"] for b in body["system"])
        assert "Language: the show is in Spanish (language tag es)" in system
    research = [b for b in bodies if "Pick the key facts" in json.dumps(b["messages"])]
    assert len(research) == 2
    assert all("keep each quote verbatim" in json.dumps(b["messages"]) for b in research)

    for episode, source in (("mareas", "tides.md"), ("penicilina", "penicillin.md")):
        doc = json.loads((out / episode / "research.json").read_text())
        text = _flat((examples / source).read_text())
        assert doc["facts"]
        for fact in doc["facts"]:
            assert _language(detector, fact["text"]) == "es", fact["text"]
            assert _language(detector, fact["quote"]) == "en", fact["quote"]
            assert _flat(fact["quote"]).rstrip(".") in text, fact["quote"]
        _check_language(detector, _written(out, episode), "es")
        _check_notes(out, episode, "es")

    assert speech
    assert {(c.model_id, c.language_code) for c in speech} == {("eleven_flash_v2_5", "es")}


@pytest.mark.usefixtures("ray_session")
def test_a_german_batch_from_german_sources_is_german_throughout(
    tmp_path: Path, detector: LanguageDetector
) -> None:
    """German sources for a German show: the facts are the sources' own sentences, the
    script, notes and posts German; the default model (multilingual v2) is sent no
    language code, which it would ignore."""
    sources = DATA / "sources_de"
    path = _batch_file(
        tmp_path,
        "de",
        [
            ("gezeiten", "Die Gezeiten an der Nordsee", sources / "gezeiten.md"),
            ("kaffee", "Kaffee in Europa", sources / "kaffee.md"),
        ],
    )
    out = tmp_path / "out"
    with ProviderSimulator(voices={}) as sim:
        result = run_batch(
            load_batch_file(path), out, _settings("eleven_multilingual_v2"),
            creds=_creds(sim),
        )  # fmt: skip
        bodies = sim.message_bodies
        speech = sim.tts_calls
    assert result.ok, [(e.episode_id, e.status, e.failure, e.errors) for e in result.episodes]
    assert all("the show is in German (language tag de)" in json.dumps(b) for b in bodies)
    for episode, source in (("gezeiten", "gezeiten.md"), ("kaffee", "kaffee.md")):
        doc = json.loads((out / episode / "research.json").read_text())
        text = _flat((sources / source).read_text())
        for fact in doc["facts"]:
            assert _flat(fact["text"]).rstrip(".") in text, fact["text"]
            assert _language(detector, fact["text"]) == "de", fact["text"]
        _check_language(detector, _written(out, episode), "de")
        _check_notes(out, episode, "de")
    assert speech
    assert {(c.model_id, c.language_code) for c in speech} == {("eleven_multilingual_v2", None)}


def test_a_host_voice_in_another_language_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An English espeak-ng voice for a German show: exit 2, the flag named, the way to
    list German voices said, nothing written."""
    source = DATA / "sources_de" / "gezeiten.md"
    out = tmp_path / "out"
    argv = ["run", "Die Gezeiten", "--source", str(source), "--language", "de"]
    code = main([*argv, "--voices", "en-us+f3,de+m3", "--out", str(out), "--llm", "offline"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--voices" in err and "podcast-factory voices --language de" in err
    assert "'en-us+f3' speaks English" in err
    assert not out.exists()

    batch = tmp_path / "batch.yaml"
    batch.write_text(
        "show:\n  name: Ebbe\n  language: de\n  hosts:\n"
        "    - {name: Nora, voice: en-gb-x-rp+f3}\n    - {name: Eli, voice: de+m3}\n"
        f"episodes:\n  - topic: Ebbe und Flut\n    sources: [{source}]\n",
        encoding="utf-8",
    )
    assert main(["batch", str(batch), "--out", str(out), "--llm", "offline"]) == 2
    err = capsys.readouterr().err
    assert "show.hosts[0].voice" in err and "voices --language de" in err
    assert not out.exists()


def test_voices_of_a_language_lists_only_voices_that_speak_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``voices --language de``: espeak-ng's German voices only, and the ElevenLabs
    voices the account's API says are verified in German."""
    german, english = "gErMaNvOiCe000000001", "eNgLiShVoIcE00000001"
    with ProviderSimulator(voices={german: "Jonas", english: "Ann"}) as sim:
        sim.voice_languages = {german: ("de",), english: ("en",)}
        monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)
        monkeypatch.setenv("ELEVENLABS_BASE_URL", sim.url)
        assert main(["voices", "--language", "de", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    espeak = [v["name"] for v in listed["espeak"]["languages"]]
    assert "de" in espeak
    assert all(voice_language(name) is not None for name in espeak)
    assert all((voice_language(name) or "").split("-")[0] == "de" for name in espeak)
    assert [v["name"] for v in listed["elevenlabs"]["voices"]] == [german]

    assert main(["voices", "--language", "klingon!", "--tts", "espeak"]) == 2
    assert "--language" in capsys.readouterr().err


def test_the_default_voices_speak_the_show_language_one_male_one_female() -> None:
    """Hosts without voices get their language's voice, a male and a female variant;
    English keeps the voices it always had."""
    engine = EspeakEngine(wpm=150)
    hosts = (Host(name="Nora"), Host(name="Eli"))
    assert [engine.voice(h, i) for i, h in enumerate(hosts)] == ["en-us+m3", "en-us+f3"]
    assert [engine.voice(h, i, "en-GB") for i, h in enumerate(hosts)] == ["en-us+m3", "en-us+f3"]
    for tag, voice in (("de", "de"), ("es-MX", "es-419"), ("pt-BR", "pt-br"), ("fr", "fr")):
        pair = [engine.voice(h, i, tag) for i, h in enumerate(hosts)]
        assert pair == [f"{voice}+m3", f"{voice}+f3"] == list(default_voices(tag))
        assert {(voice_language(v) or "").split("-")[0] for v in pair} == {tag.split("-")[0]}
    tts = EspeakTTS(wpm=150)
    german = [
        tts.synthesize("Die Gezeiten steigen zweimal am Tag.", v) for v in default_voices("de")
    ]
    assert german[0] and german[1] and german[0] != german[1]


def test_a_language_espeak_cannot_speak_is_refused_before_the_run(tmp_path: Path) -> None:
    """A show in a language espeak-ng has no voice for, its hosts naming none: refused
    when espeak-ng is to speak (naming show.language), accepted with ElevenLabs."""
    source = DATA / "sources_de" / "gezeiten.md"
    batch = tmp_path / "batch.yaml"
    batch.write_text(
        "show:\n  name: Show\n  language: xx\n  hosts: [Nora, Eli]\n"
        f"episodes:\n  - topic: Tides\n    sources: [{source}]\n",
        encoding="utf-8",
    )
    spec = load_batch_file(batch)
    with pytest.raises(UserInputError) as refused:
        prepare(spec, tmp_path / "out", RunSettings(llm="claude", tts="espeak"))
    assert refused.value.field == "show.language"
    assert "espeak-ng has no voice for 'xx'" in refused.value.problem
    settings = prepare(spec, tmp_path / "out2", RunSettings(llm="claude", tts="elevenlabs"))
    assert settings.tts == "elevenlabs"
