"""The offline writer in German, Spanish, French and Portuguese: every line of the script
in the show's language, the checks passing for the right reasons, planted German faults
caught, and the refusals of an offline run it cannot write (exit 2, nothing written)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from lingua import Language, LanguageDetectorBuilder

from podcast_factory.actors.quality import review_script
from podcast_factory.api import load_batch_file, run_batch
from podcast_factory.cli import main
from podcast_factory.config import QualityThresholds, RunSettings
from podcast_factory.models import (
    EpisodeSpec,
    Fact,
    Host,
    ResearchDoc,
    Script,
    Show,
    SourceInfo,
    Turn,
)
from podcast_factory.providers.offline_writer import OfflineWriter
from podcast_factory.providers.script_checks import dangling_refs, key_terms
from podcast_factory.providers.sources import read_local
from podcast_factory.providers.story import pick
from podcast_factory.providers.text import split_sentences

DATA = Path(__file__).parent / "data" / "languages"
EXAMPLES = Path(__file__).parent.parent / "examples"
DETECTOR = LanguageDetectorBuilder.from_languages(
    Language.ENGLISH, Language.GERMAN, Language.SPANISH, Language.FRENCH, Language.PORTUGUESE
).build()
EPISODES = {
    "de": ("Wie die Gezeiten entstehen", "gezeiten.md", "Alltagswunder"),
    "de-penicillin": (
        "Wie Penicillin vom verdorbenen Nährboden zum Massenmedikament wurde",
        "penicillin.md",
        "Alltagswunder",
    ),
    "es": ("Cómo funcionan las mareas", "mareas.md", "Maravillas cotidianas"),
    "fr": ("Comment fonctionnent les marées", "marees.md", "Merveilles du quotidien"),
    "pt-BR": (
        "Como a penicilina virou um remédio produzido em massa",
        "penicilina.md",
        "Maravilhas do Dia a Dia",
    ),
}


def _show(lang: str, name: str) -> Show:
    return Show(name=name, hosts=(Host(name="Nora"), Host(name="Eli")), language=lang)


def research(spec: EpisodeSpec) -> ResearchDoc:
    """The offline research as the research agent does it, in the show's language."""
    lang = spec.show.language
    texts = [read_local(s) for s in spec.sources]
    found = [(s, i) for i, t in enumerate(texts) for s in split_sentences(t.text, lang=lang)]
    budget = spec.minutes * spec.show.style.words_per_minute * RunSettings().fact_share
    picked = pick(spec.topic, [s for s, _ in found], [i for _, i in found], budget, lang=lang)
    facts = tuple(
        Fact(
            text=unit.text,
            source=texts[unit.source].source,
            source_title=texts[unit.source].title,
            score=round(score, 4),
            quote=" ".join(s for s, _ in found[unit.first : unit.last + 1]),
            context=unit.context,
        )
        for unit, score in picked
    )
    infos = tuple(SourceInfo(source=t.source, title=t.title, chars=len(t.text)) for t in texts)
    return ResearchDoc(episode_id=spec.episode_id, topic=spec.topic, facts=facts, sources=infos)


def episode(key: str, minutes: float = 1.5) -> tuple[EpisodeSpec, ResearchDoc, Script]:
    topic, source, name = EPISODES[key]
    lang = key if key != "de-penicillin" else "de"
    spec = EpisodeSpec(
        episode_id=key,
        topic=topic,
        sources=(str(DATA / source),),
        minutes=minutes,
        show=_show(lang, name),
    )
    doc = research(spec)
    return spec, doc, OfflineWriter().write(spec, doc)


def _review(spec: EpisodeSpec, doc: ResearchDoc, script: Script) -> dict[str, object]:
    pace = 60 / spec.show.style.words_per_minute
    report = review_script(doc, script, pace, spec.minutes * 60, QualityThresholds(), spec.show)
    assert report.passed, report.suggestions
    return {c.name: c.value for c in report.checks}


@pytest.mark.parametrize("key", list(EPISODES))
def test_every_line_is_in_the_shows_language(key: str) -> None:
    """An offline episode from sources in the show's language: every host line, fact and
    reaction is detected as that language, and the script gate passes it."""
    spec, doc, script = episode(key)
    want = spec.show.language.split("-")[0]
    assert len(doc.facts) >= 4 and len(script.turns) >= 8
    wrong = [
        t.text
        for t in script.turns
        if (found := DETECTOR.detect_language_of(t.text)) is None
        or found.iso_code_639_1.name.lower() != want
    ]
    assert wrong == []
    _review(spec, doc, script)


def test_german_script_passes_for_the_right_reasons() -> None:
    """The clean German script passes because the German rules read it: the topic's
    subject is the stem of "Gezeiten" and is said early, the facts are said, no line
    points back, the host lines are German and no reaction is heard three times."""
    spec, doc, script = episode("de")
    checks = _review(spec, doc, script)
    assert key_terms(spec.topic, doc, lang="de")[0] == "gezeit"
    assert checks["topic_early"] == 1.0 and checks["fact_coverage"] == 1.0
    assert checks["dangling_refs"] == 0 and checks["repeated_sentences"] == 0
    text = " ".join(t.text for t in script.turns)
    assert script.turns[0].text.startswith("Willkommen bei Alltagswunder. Ich bin Nora")
    assert script.turns[-1].text.endswith("Danke fürs Zuhören bei Alltagswunder.")
    assert "Gezeiten" in script.turns[1].text  # the opening names the subject, capitalised
    assert "Welcome" not in text and "Thanks" not in text


def test_openings_and_closings_vary_across_a_shows_episodes() -> None:
    """Two German episodes of one show do not open or close with the same frame."""
    _, _, tides = episode("de")
    _, _, penicillin = episode("de-penicillin", minutes=2)
    assert tides.turns[1].text.replace("Gezeiten", "") != penicillin.turns[1].text.replace(
        "Penicillin", ""
    )
    assert tides.turns[-2].text != penicillin.turns[-2].text


def test_german_host_lines_say_back_quantities_and_terms_in_german_grammar() -> None:
    """Heard in a German coffee episode: "Moment, mehr als 500 Jahren?" said back the
    dative of "Vor mehr als 500 Jahren", and the closing said "beim Wort Das erste
    Kaffeehaus" with the sentence's capital article. Now the quantity is said on its own
    ("500 Jahre") and the term with its article in lower case, in quotes."""
    spec = EpisodeSpec(
        episode_id="kaffee",
        topic="Wie der Kaffee nach Europa kam",
        sources=(str(DATA.parent / "sources_de" / "kaffee.md"),),
        minutes=1.5,
        show=_show("de", "Alltagswunder"),
    )
    doc = research(spec)
    script = OfflineWriter().write(spec, doc)
    reactions = [t.text for t in script.turns if not t.fact_refs]
    said_back = [r for r in reactions if "500" in r]
    assert said_back and all("500 Jahre?" in r for r in said_back), reactions
    closing = script.turns[-2].text
    assert "das erste Kaffeehaus" in closing, closing
    assert not re.search(r"\w (?:„)?(?:Der|Die|Das) ", closing), closing


def _planted(lines: list[tuple[str, str, tuple[int, ...]]]) -> Script:
    return Script(
        episode_id="de",
        title="Penicillin",
        turns=tuple(Turn(speaker=s, text=t, fact_refs=r) for s, t, r in lines),
        target_words=120,
    )


PLANTED_DOC = ResearchDoc(
    episode_id="de",
    topic="Wie Penicillin entdeckt wurde",
    facts=(
        Fact(
            text="Penicillin ist ein Antibiotikum aus dem Schimmelpilz Penicillium.",
            source="notes.md",
            score=1.0,
            quote="Penicillin ist ein Antibiotikum aus dem Schimmelpilz Penicillium.",
        ),
        Fact(
            text="Es wurde 1928 entdeckt.",
            source="notes.md",
            score=1.0,
            quote="Es wurde 1928 entdeckt.",
            context="Alexander Fleming fand den Stoff in seinem Labor in London.",
        ),
    ),
    sources=(SourceInfo(source="notes.md", title="Penicillin", chars=200),),
)
SHOW_DE = _show("de", "Alltagswunder")


def test_planted_german_dangling_reference_is_caught() -> None:
    """ "Es wurde 1928 entdeckt." said as the first line about a new fact points at
    nothing; after its source context it is fine. English rules would not catch it."""
    dangling = _planted(
        [
            ("Nora", "Willkommen bei Alltagswunder. Heute: Penicillin.", ()),
            ("Eli", "Penicillin ist ein Antibiotikum aus dem Schimmelpilz Penicillium.", (0,)),
            ("Nora", "Echt, ein Schimmelpilz?", ()),
            ("Eli", "Es wurde 1928 entdeckt.", (1,)),
        ]
    )
    assert dangling_refs(dangling, PLANTED_DOC, lang="de") == ["Es wurde 1928 entdeckt."]
    report = review_script(PLANTED_DOC, dangling, 0.4, 30, QualityThresholds(), SHOW_DE)
    assert not report.passed and any("Es wurde 1928" in s for s in report.suggestions)
    assert dangling_refs(dangling, PLANTED_DOC, lang="en") == []
    with_context = _planted(
        [
            *((t.speaker, t.text, t.fact_refs) for t in dangling.turns[:3]),
            ("Eli", "Alexander Fleming fand den Stoff in seinem Labor in London.", ()),
            ("Nora", "Es wurde 1928 entdeckt.", (1,)),
        ]
    )
    assert dangling_refs(with_context, PLANTED_DOC, lang="de") == []


def test_planted_german_repetition_is_caught() -> None:
    """A German sentence said twice fails the repeats check; said once, it passes."""
    lines = [
        ("Nora", "Willkommen bei Alltagswunder. Heute geht es um Penicillin.", ()),
        ("Eli", "Penicillin ist ein Antibiotikum aus dem Schimmelpilz Penicillium.", (0,)),
        ("Nora", "Das ist eine größere Geschichte, als ich dachte.", ()),
    ]
    once = review_script(PLANTED_DOC, _planted(lines), 0.4, 30, QualityThresholds(), SHOW_DE)
    twice = review_script(
        PLANTED_DOC,
        _planted([*lines, ("Eli", "Das ist eine GRÖSSERE Geschichte, als ich dachte!", ())]),
        0.4,
        30,
        QualityThresholds(),
        SHOW_DE,
    )
    value = {c.name: c.value for c in twice.checks}
    assert {c.name: c.value for c in once.checks}["repeated_sentences"] == 0
    assert value["repeated_sentences"] == 1 and "repeated_sentences" in twice.failed


def _batch_file(tmp_path: Path, language: str, sources: list[str]) -> Path:
    data = {
        "show": {
            "name": "Alltagswunder",
            "language": language,
            "hosts": [{"name": "Nora", "voice": "de+f3"}, {"name": "Eli", "voice": "de+m3"}],
        },
        "episodes": [
            {
                "id": "gezeiten",
                "topic": "Wie die Gezeiten entstehen",
                "minutes": 1,
                "sources": [sources[0]],
            },
            {
                "id": "penicillin",
                "minutes": 1.25,
                "sources": [sources[-1]],
                "topic": "Wie Penicillin vom verdorbenen Nährboden zum Massenmedikament wurde",
            },
        ],
    }
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def _refused(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    before = sorted(tmp_path.rglob("*"))
    out = tmp_path / "out"
    code = main([*argv, "--out", str(out), "--llm", "offline", "--tts", "espeak"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2, err
    assert not out.exists() and sorted(tmp_path.rglob("*")) == before
    return err


def test_offline_run_in_a_language_without_lines_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run --language ja` offline: exit 2 before anything runs, naming the flag and the
    five languages the offline writer has."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(DATA / "gezeiten.md", tmp_path / "quelle.md")
    err = _refused(
        ["run", "Gezeiten", "--source", "quelle.md", "--language", "ja"], tmp_path, capsys
    )
    assert "--language" in err and "'ja'" in err
    for name in ("en (English)", "de (German)", "es (Spanish)", "fr (French)", "pt (Portuguese)"):
        assert name in err
    assert "--llm claude" in err


def test_offline_source_in_another_language_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A German show offline with an English source: exit 2 naming the source, the
    language it appears to be in and --llm claude; German sources are accepted."""
    monkeypatch.chdir(tmp_path)
    for name in ("gezeiten.md", "penicillin.md"):
        shutil.copy(DATA / name, tmp_path / name)
    shutil.copy(EXAMPLES / "sources" / "penicillin.md", tmp_path / "english.md")
    batch = _batch_file(tmp_path, "de", ["gezeiten.md", "english.md"])
    err = _refused(["batch", str(batch)], tmp_path, capsys)
    assert "episodes[1].sources[0]" in err and "english.md" in err
    assert "English (en)" in err and "German (de)" in err and "--llm claude" in err
    run = ["run", "Gezeiten", "--source", "english.md", "--language", "de"]
    assert "--source" in _refused(run, tmp_path, capsys)


@pytest.mark.ray
@pytest.mark.usefixtures("ray_session")
def test_german_batch_offline_end_to_end(tmp_path: Path) -> None:
    """A German show from German sources, offline through Ray: both episodes complete,
    every script line is German, and both gates passed."""
    for name in ("gezeiten.md", "penicillin.md"):
        shutil.copy(DATA / name, tmp_path / name)
    spec = load_batch_file(str(_batch_file(tmp_path, "de", ["gezeiten.md", "penicillin.md"])))
    result = run_batch(spec, tmp_path / "out", RunSettings(memory=False))
    assert [e.status for e in result.episodes] == ["completed", "completed"]
    for ep in result.episodes:
        script = Script.model_validate_json(
            (tmp_path / "out" / ep.episode_id / "script.json").read_text()
        )
        for turn in script.turns:
            found = DETECTOR.detect_language_of(turn.text)
            assert found == Language.GERMAN, turn.text
        quality = (tmp_path / "out" / ep.episode_id / "quality.json").read_text()
        assert '"passed":true' in quality.replace(" ", "")
