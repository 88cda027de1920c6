"""Text processing per language: sentences, stems, ranking, detection, main text of a
page, numbers, and the words a phrase check compares (no Ray, no network)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from podcast_factory.providers.details import months, numbers
from podcast_factory.providers.source_language import foreign_language, guess_language
from podcast_factory.providers.source_text import main_text
from podcast_factory.providers.text import rank_sentences, split_sentences, tokenize
from podcast_factory.style import said_phrases, words

DATA = Path(__file__).parent / "data" / "languages"


def test_german_abbreviations_and_ordinal_dots_do_not_end_a_sentence() -> None:
    """ "z. B.", "d. h.", "Nr." and "am 3. Mai" stay inside their sentence; a year
    before a capitalised word still ends one."""
    text = (
        "Starke Gezeiten gibt es z. B. in der Bucht Nr. 4 am 3. Mai, d. h. bei Vollmond. "
        "Die Flut kam im Jahr 1928. Danach sank das Wasser um ca. 2 Meter."
    )
    assert split_sentences(text, lang="de") == [
        "Starke Gezeiten gibt es z. B. in der Bucht Nr. 4 am 3. Mai, d. h. bei Vollmond.",
        "Die Flut kam im Jahr 1928.",
        "Danach sank das Wasser um ca. 2 Meter.",
    ]
    # English rules cut the same text after "am 3." (no ordinal dots in English)
    assert len(split_sentences(text)) > 3


def test_spanish_inverted_punctuation_and_abbreviations() -> None:
    """¿...? and ¡...! are whole sentences; "Sra.", "p. ej." and "EE. UU." are not ends."""
    text = (
        "¿Por qué sube el mar? ¡Por la Luna! La Sra. Pérez, p. ej. Marta, vive en EE. UU. "
        "desde 1990. Hoy estudia las mareas."
    )
    assert split_sentences(text, lang="es") == [
        "¿Por qué sube el mar?",
        "¡Por la Luna!",
        "La Sra. Pérez, p. ej. Marta, vive en EE. UU. desde 1990.",
        "Hoy estudia las mareas.",
    ]


def test_french_and_portuguese_abbreviations() -> None:
    """French "M.", "p. ex.", Portuguese "Sr." and "St." do not end a sentence."""
    fr = "M. Dupont a mesuré, p. ex. à Saint-Malo, une marée de 13 mètres. Elle était forte."
    assert split_sentences(fr, lang="fr") == [
        "M. Dupont a mesuré, p. ex. à Saint-Malo, une marée de 13 mètres.",
        "Elle était forte.",
    ]
    pt = "O Sr. Silva trabalhou no Hospital St. Mary, em Londres. Depois voltou."
    assert split_sentences(pt, lang="pt-BR") == [
        "O Sr. Silva trabalhou no Hospital St. Mary, em Londres.",
        "Depois voltou.",
    ]


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("de", ["Gezeiten", "Gezeit"]),
        ("es", ["costas", "costa", "Costa"]),
        ("fr", ["marées", "marée"]),
        ("pt", ["bactérias", "bactéria"]),
    ],
)
def test_stems_join_a_words_forms(lang: str, forms: list[str]) -> None:
    """Snowball stems in the language: singular and plural are one term."""
    stems = {tuple(tokenize(f, lang=lang)) for f in forms}
    assert len(stems) == 1 and all(stems)


def test_tokens_keep_non_ascii_letters_and_drop_the_languages_stop_words() -> None:
    """ "Größe" is one word, not "gr" and "e"; German stop words are left out; a French
    elision is not part of the word."""
    assert tokenize("Die Größe der Flut", lang="de") == tokenize("Größe Flut", lang="de")
    assert len(tokenize("Die Größe der Flut", lang="de")) == 2
    assert tokenize("l'eau", lang="fr") == tokenize("eau", lang="fr") != []


def test_ranking_in_german_finds_the_topics_sentences() -> None:
    """BM25 over German stems: the sentence about Springfluten ranks first for a topic
    that says "Springflut"."""
    sentences = [
        "Der Mond bewegt sich auf seiner Bahn in dieselbe Richtung, in der sich die Erde dreht.",
        "Bei Neumond und Vollmond entstehen die Springfluten mit besonders hohem Hochwasser.",
        "Die Ostsee hat dagegen kaum Gezeiten, weil sie nur über schmale Meerengen verbunden ist.",
    ]
    ranked = rank_sentences("Wann gibt es eine Springflut", sentences, 3, lang="de")
    assert ranked[0][0] == 1


def test_each_example_source_is_detected_in_its_language() -> None:
    """The runtime detector (stop-word shares) names each source's language, and calls
    an English source foreign to a German show."""
    expected = {
        "gezeiten.md": "de",
        "penicillin.md": "de",
        "mareas.md": "es",
        "marees.md": "fr",
        "penicilina.md": "pt",
    }
    for name, lang in expected.items():
        text = (DATA / name).read_text("utf-8")
        assert guess_language(text) == lang, name
        assert foreign_language(text, lang) is None
    english = (Path(__file__).parent.parent / "examples" / "sources" / "tides.md").read_text()
    assert guess_language(english) == "en"
    assert foreign_language(english, "de") == "en"
    assert foreign_language("Zu kurz.", "en") is None  # too short to judge


def test_html_main_text_leaves_menus_and_footers_out() -> None:
    """trafilatura keeps a German article's paragraphs and headings and drops the menu,
    the sidebar and the footer; a fragment too small for it falls back to the reader."""
    page = (
        "<html><head><title>Gezeiten</title></head><body><nav><a href='/'>Startseite</a>"
        "<a href='/k'>Kontakt</a></nav><article><h1>Wie die Gezeiten entstehen</h1>"
        "<p>Die Gezeiten sind das regelmäßige Steigen und Fallen des Meeresspiegels. Sie "
        "entstehen vor allem durch die Anziehungskraft des Mondes und der Sonne.</p>"
        "<h2>Springflut</h2><p>Bei Neumond und Vollmond stehen Sonne, Mond und Erde in einer "
        "Linie, und es entsteht eine Springflut mit besonders hohem Hochwasser.</p></article>"
        "<aside>Weitere Artikel: Ebbe, Flut, Wattwandern</aside>"
        "<footer>Impressum · Datenschutz · © 2024 Küstenverlag</footer></body></html>"
    )
    title, text = main_text(page)
    assert title == "Gezeiten"
    assert "Anziehungskraft des Mondes" in text and "Springflut mit besonders" in text
    for chrome in ("Startseite", "Kontakt", "Impressum", "Datenschutz"):
        assert chrome not in text
    sentences = split_sentences(text, lang="de")
    assert "Wie die Gezeiten entstehen." not in sentences  # the heading is not a fact
    assert main_text("<title>Kurz</title><p>Nur ein Satz.</p>") == ("Kurz", "Nur ein Satz.")


def test_numbers_and_dates_as_each_language_says_them() -> None:
    """Digits with the language's separators, number words and months per language."""
    de = dict(numbers("rund 2,3 Millionen Dosen für 6.400 Menschen, dreiundzwanzig", lang="de"))
    assert Decimal("2.3E+6") in de["2,3 Millionen"] and de["6.400"] == {Decimal(6400)}
    assert de["dreiundzwanzig"] == {Decimal(23)}
    es = dict(numbers("treinta y tres años y veintitrés días", lang="es"))
    assert es == {"treinta y tres": {Decimal(33)}, "veintitrés": {Decimal(23)}}
    assert dict(numbers("quatre-vingt-dix mètres", lang="fr")) == {
        "quatre-vingt-dix": {Decimal(90)}
    }
    assert months("am 6. Juni 1944", lang="de") == ["Juni"]
    assert months("el 6 de junio de 1944", lang="es") == ["junio"]


def test_avoided_phrases_are_heard_in_any_script() -> None:
    """A phrase with umlauts or accents is compared by its whole words."""
    assert words("Größe, Canción!") == "größe canción"
    assert said_phrases(["ganz große Sache"], "Das ist eine GANZ große Sache.") == [
        "ganz große Sache"
    ]
    assert said_phrases(["große"], "Die Größere Flut.") == []
