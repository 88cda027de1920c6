"""What the simulated model writes in a language other than English.

A prompt for a show not in English says so (``providers.claude_prompts.language_rule``:
"Language: the show is in Spanish (language tag es)"); the simulated model then answers
in that language, as Claude does:

- research facts from sources in the show's language are their sentences, as in English;
- a fact from a source in another language is the simulator's stand-in for a
  translation: a sentence in the show's language made from a per-language template that
  carries the source sentence's names and numbers ("Según la fuente, Alexander Fleming
  ... 1928."), while its quote stays the source sentence, verbatim. It is not a
  translation (the simulator has no model), only text in the right language that says the
  source's checkable details, so the language, quote and detail checks downstream see
  what they would see from Claude;
- the filler lines of a script and the line that opens on the topic come from
  per-language lists.

Deterministic: the same sentence and position always give the same text. English never
comes here, so English answers are what they always were.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from podcast_factory.language import LANGUAGES, primary
from podcast_factory.providers.lexicon import content_stems, stop_words, words

_ASKED = re.compile(r"Language: the show is in [^(]+\(language tag ([A-Za-z0-9-]+)\)")


def asked_language(system: str) -> str:
    """The language a request's system blocks ask for (a primary subtag), ``en`` when
    they ask for none."""
    found = _ASKED.search(system)
    return primary(found[1]) if found else "en"


def language_of(text: str) -> str:
    """The supported language whose stop words make up most of ``text``'s words (how a
    model knows its source is not in the show's language); ``en`` when none stands out."""
    said = words(text)
    if not said:
        return "en"
    share = {code: sum(w in stop_words(code) for w in said) / len(said) for code in LANGUAGES}
    best = max(share, key=lambda code: share[code])
    return best if share[best] > 0 else "en"


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_RUN = re.compile(r"[A-Z][\w'’.-]*(?:\s+(?:of\s+)?[A-Z][\w'’.-]*)*")
_CALENDAR = frozenset(
    re.findall(
        r"\w+",
        """january february march april may june july
    august september october november december monday tuesday wednesday thursday friday
    saturday sunday""",
    )
)


def details(sentence: str, source_lang: str = "en") -> tuple[list[str], list[str]]:
    """(names, numbers) a sentence states: the names of people and places first (runs of
    two or more capitalised words: "Alexander Fleming", "St Mary's Hospital"), then single
    capitalised words inside the sentence; never a month or a weekday (the number next to
    it is kept) nor a sentence's first word when it is a stop word; numbers in digits. At
    most two of each."""
    runs: list[str] = []
    for match in _RUN.finditer(sentence):
        kept = [w for w in match[0].rstrip(".").split() if w.lower() not in _CALENDAR]
        if kept and (match.start() == 0 or len(kept) == 1):  # "The", "In", "By" ...
            kept = kept[1:] if kept[0].lower() in stop_words(source_lang) else kept
        run = re.sub(r"['’]s$", "", " ".join(kept))
        if run and (len(kept) > 1 or match.start() > 0) and run not in runs:
            runs.append(run)
    names = sorted(runs, key=lambda r: " " not in r)[:2]
    numbers = list(dict.fromkeys(n.rstrip(".,") for n in _NUMBER.findall(sentence)))
    return names, numbers[:2]


# Per language: templates with names and numbers, with names only, with numbers only,
# with neither; "and" joins two of a kind.
_FACTS: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "es": {
            "and": ("y",),
            "both": (
                "Según la fuente, la historia de {names} está unida a la cifra {numbers}.",
                "La fuente explica que {names} tiene un papel clave y menciona el número "
                "{numbers}.",
                "Un dato importante de la fuente: {names} aparece junto a la cifra {numbers}.",
                "En este punto la fuente habla de {names} y da el número {numbers}.",
                "La fuente cuenta que {names} forma parte de lo que pasó, con la cifra {numbers}.",
                "Para entenderlo, la fuente recuerda a {names} y la cifra {numbers}.",
            ),
            "names": (
                "Según la fuente, {names} tiene un papel importante en esta historia.",
                "La fuente también dedica una parte de su relato a {names}, y con razón.",
                "Aquí la fuente nos lleva hasta {names}, que es parte esencial del tema.",
                "La fuente explica por qué {names} importa tanto en todo esto.",
                "Otro nombre que aparece en la fuente es {names}, y no es un detalle menor.",
                "La fuente también nos habla de {names} y de su lugar en la historia.",
            ),
            "numbers": (
                "La fuente da aquí una cifra que conviene recordar: {numbers}.",
                "Hay un número en la fuente que lo resume todo: {numbers}.",
                "La fuente precisa este punto con la cifra {numbers}.",
                "Según la fuente, la cifra que importa aquí es {numbers}.",
                "El número que da la fuente en este punto es {numbers}.",
                "La fuente lo explica con un dato concreto: {numbers}.",
            ),
            "none": (
                "La fuente añade aquí un detalle más sobre cómo funciona todo esto.",
                "Otro punto de la fuente completa la explicación del tema.",
                "La fuente describe también lo que pasa después, paso a paso.",
                "Según la fuente, este es uno de los mecanismos más importantes.",
                "La fuente insiste en que este detalle cambia la manera de verlo.",
                "Para la fuente, esta parte es la que explica todo lo demás.",
            ),
            "lead": ("Nuestro tema de hoy: {topic}.",),
        },
        "de": {
            "and": ("und",),
            "both": (
                "Laut der Quelle ist die Geschichte von {names} mit der Zahl {numbers} verbunden.",
                "Die Quelle erklärt, dass {names} eine wichtige Rolle spielt, und nennt die "
                "Zahl {numbers}.",
                "Ein wichtiger Punkt der Quelle: {names} steht neben der Zahl {numbers}.",
                "An dieser Stelle spricht die Quelle über {names} und nennt die Zahl {numbers}.",
                "Die Quelle erzählt, dass {names} dazugehört, mit der Zahl {numbers}.",
                "Um das zu verstehen, erinnert die Quelle an {names} und die Zahl {numbers}.",
            ),
            "names": (
                "Laut der Quelle spielt {names} in dieser Geschichte eine wichtige Rolle.",
                "Die Quelle widmet {names} einen Teil ihrer Erzählung.",
                "Hier führt uns die Quelle zu {names}, einem wesentlichen Teil des Themas.",
                "Die Quelle erklärt, warum {names} bei all dem so wichtig ist.",
                "Ein weiterer Name in der Quelle ist {names}, und das ist kein kleines Detail.",
                "Die Quelle erzählt auch von {names} und seinem Platz in der Geschichte.",
            ),
            "numbers": (
                "Die Quelle nennt hier eine Zahl, die man sich merken sollte: {numbers}.",
                "Es gibt eine Zahl in der Quelle, die alles zusammenfasst: {numbers}.",
                "Die Quelle macht diesen Punkt mit der Zahl {numbers} genauer.",
                "Laut der Quelle ist die wichtige Zahl hier {numbers}.",
                "Die Zahl, die die Quelle an dieser Stelle nennt, ist {numbers}.",
                "Die Quelle erklärt es mit einer konkreten Angabe: {numbers}.",
            ),
            "none": (
                "Die Quelle fügt hier ein weiteres Detail dazu, wie das alles funktioniert.",
                "Ein anderer Punkt der Quelle ergänzt die Erklärung des Themas.",
                "Die Quelle beschreibt auch, was danach geschieht, Schritt für Schritt.",
                "Laut der Quelle ist das einer der wichtigsten Mechanismen.",
                "Die Quelle betont, dass dieses Detail den Blick darauf verändert.",
                "Für die Quelle ist das der Teil, der alles andere erklärt.",
            ),
            "lead": ("Unser Thema heute: {topic}.",),
        },
        "fr": {
            "and": ("et",),
            "both": (
                "Selon la source, l'histoire de {names} est liée au chiffre {numbers}.",
                "La source explique que {names} joue un rôle clé et cite le nombre {numbers}.",
                "Un point important de la source : {names} apparaît avec le chiffre {numbers}.",
                "Ici, la source parle de {names} et donne le nombre {numbers}.",
                "La source raconte que {names} fait partie de ce qui s'est passé, avec le "
                "chiffre {numbers}.",
                "Pour le comprendre, la source rappelle {names} et le chiffre {numbers}.",
            ),
            "names": (
                "Selon la source, {names} joue un rôle important dans cette histoire.",
                "La source consacre une partie de son récit à {names}.",
                "Ici, la source nous mène jusqu'à {names}, une partie essentielle du sujet.",
                "La source explique pourquoi {names} compte autant dans tout cela.",
                "Un autre nom qui apparaît dans la source est {names}, et ce n'est pas un détail.",
                "La source nous parle aussi de {names} et de sa place dans l'histoire.",
            ),
            "numbers": (
                "La source donne ici un chiffre à retenir : {numbers}.",
                "Il y a un nombre dans la source qui résume tout : {numbers}.",
                "La source précise ce point avec le chiffre {numbers}.",
                "Selon la source, le chiffre qui compte ici est {numbers}.",
                "Le nombre que donne la source à cet endroit est {numbers}.",
                "La source l'explique avec une donnée concrète : {numbers}.",
            ),
            "none": (
                "La source ajoute ici un détail de plus sur la façon dont tout cela fonctionne.",
                "Un autre point de la source complète l'explication du sujet.",
                "La source décrit aussi ce qui se passe ensuite, étape par étape.",
                "Selon la source, c'est l'un des mécanismes les plus importants.",
                "La source insiste sur le fait que ce détail change notre regard.",
                "Pour la source, c'est cette partie qui explique tout le reste.",
            ),
            "lead": ("Notre sujet du jour : {topic}.",),
        },
        "pt": {
            "and": ("e",),
            "both": (
                "Segundo a fonte, a história de {names} está ligada ao número {numbers}.",
                "A fonte explica que {names} tem um papel central, e também menciona o "
                "número {numbers}, que não é pouca coisa.",
                "Um dado importante da fonte: {names} aparece junto com o número {numbers}.",
                "Neste ponto a fonte fala de {names} e dá o número {numbers}.",
                "A fonte conta que {names} faz parte do que aconteceu, com o número {numbers}.",
                "Para entender isso, a fonte lembra {names} e o número {numbers}.",
            ),
            "names": (
                "Segundo a fonte, {names} tem um papel importante nesta história.",
                "A fonte dedica uma parte do seu relato a {names}.",
                "Aqui a fonte nos leva até {names}, que é uma parte essencial do tema.",
                "A fonte explica por que {names} importa tanto em tudo isso.",
                "Outro nome que aparece na fonte é {names}, e não é um detalhe pequeno.",
                "A fonte também nos fala de {names} e do seu lugar na história.",
            ),
            "numbers": (
                "A fonte dá aqui um número que vale a pena lembrar: {numbers}.",
                "Há um número na fonte que resume tudo: {numbers}.",
                "A fonte precisa este ponto com o número {numbers}.",
                "Segundo a fonte, o número que importa aqui é {numbers}.",
                "O número que a fonte dá neste ponto é {numbers}.",
                "A fonte explica isso com um dado concreto: {numbers}.",
            ),
            "none": (
                "A fonte acrescenta aqui mais um detalhe sobre como tudo isso funciona.",
                "Outro ponto da fonte completa a explicação do tema.",
                "A fonte descreve também o que acontece depois, passo a passo.",
                "Segundo a fonte, este é um dos mecanismos mais importantes.",
                "A fonte insiste que este detalhe muda a nossa maneira de ver.",
                "Para a fonte, esta é a parte que explica todo o resto.",
            ),
            "lead": ("Nosso tema de hoje: {topic}.",),
        },
    }
)


def translated(sentence: str, lang: str, n: int, source_lang: str = "en") -> str:
    """The simulator's stand-in for ``sentence`` translated into ``lang``: the ``n``-th
    template of the kind its details call for, carrying its names and numbers."""
    table = _FACTS[lang]
    names, numbers = details(sentence, source_lang)
    kind = "both" if names and numbers else "names" if names else "numbers" if numbers else "none"
    joined = f" {table['and'][0]} "
    template = table[kind][n % len(table[kind])]
    return template.format(names=joined.join(names), numbers=joined.join(numbers))


def subject_first(found: list[str], topic: str, lang: str) -> list[str]:
    """A script in ``lang`` opens on its subject: the fact sharing the most of the topic's
    stems moves to the front (the first such, on a tie); when none shares one, a line
    saying the topic leads (``lead_line``)."""
    stems = set(content_stems(topic, lang))
    shared = [len(stems & set(content_stems(s, lang))) for s in found]
    best = max(range(len(found)), key=lambda i: (shared[i], -i), default=None)
    if best is None or not shared[best]:
        return [lead_line(lang, topic), *found]
    return [found[best], *found[:best], *found[best + 1 :]]


def lead_line(lang: str, topic: str) -> str:
    """The line a script in ``lang`` opens on when no fact names its subject: the topic,
    as the user wrote it ("Unser Thema heute: Wie der Kaffee nach Europa kam.")."""
    return _FACTS[lang]["lead"][0].format(topic=topic.strip().rstrip(".?!"))


_PADS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType(
    {
        "es": (
            (
                "Eso merece una pausa.",
                "Dicho así, tiene todo el sentido.",
                "¿Y eso qué significa para los demás?",
                "Nunca lo había pensado desde ese ángulo.",
                "Aquí es donde se pone interesante.",
                "Sigamos, porque todavía hay más.",
                "Creo que a mucha gente le va a sorprender.",
                "Es un detalle pequeño con grandes consecuencias.",
                "Esa es la parte que casi todo el mundo pasa por alto.",
                "Eso explica muchas cosas.",
                "Espera, cuéntame esa parte otra vez.",
                "Me gusta mucho lo concreto que resulta todo esto.",
                "Es más sencillo de lo que parece.",
                "Así las piezas empiezan a encajar.",
                "No me esperaba esa respuesta.",
                "Vamos con lo que viene ahora.",
            ),
            ("", ", de verdad", ", la verdad", ", si lo piensas", ", sin exagerar", ", en serio"),
        ),
        "de": (
            (
                "Da lohnt es sich, kurz innezuhalten.",
                "So gesagt, ergibt das völlig Sinn.",
                "Und was bedeutet das für uns alle?",
                "So habe ich das noch nie betrachtet.",
                "Jetzt wird es richtig spannend.",
                "Machen wir weiter, denn es gibt noch mehr.",
                "Ich glaube, das wird viele überraschen.",
                "Ein kleines Detail mit großen Folgen.",
                "Genau das übersehen die meisten Leute.",
                "Das erklärt wirklich eine Menge.",
                "Moment, erzähl mir diesen Teil noch einmal.",
                "Ich mag, wie greifbar das ist.",
                "Es ist einfacher, als es klingt.",
                "So fügen sich die Teile langsam zusammen.",
                "Mit dieser Antwort hatte ich nicht gerechnet.",
                "Kommen wir zum nächsten Teil.",
            ),
            ("", ", ehrlich", ", wirklich", ", wenn man darüber nachdenkt", ", ganz im Ernst"),
        ),
        "fr": (
            (
                "Ça mérite qu'on s'y arrête.",
                "Dit comme ça, tout s'explique.",
                "Et pour nous tous, ça change beaucoup.",
                "Je n'avais jamais vu les choses sous cet angle.",
                "C'est là que ça devient intéressant.",
                "Continuons, parce qu'il y a encore plus.",
                "Je crois que beaucoup de gens vont être surpris.",
                "C'est un petit détail aux grandes conséquences.",
                "C'est la partie que presque tout le monde oublie.",
                "Ça explique beaucoup de choses.",
                "Attends, redis-moi cette partie.",
                "J'adore à quel point c'est concret.",
                "C'est plus simple qu'il n'y paraît.",
                "Les pièces commencent à s'assembler.",
                "Je ne m'attendais pas à cette réponse.",
                "Passons à la suite.",
            ),
            ("", ", vraiment", ", franchement", ", quand on y pense", ", sans exagérer"),
        ),
        "pt": (
            (
                "Isso merece uma pausa.",
                "Dito assim, faz todo o sentido.",
                "E o que isso significa para todos nós?",
                "Nunca tinha pensado nisso por esse ângulo.",
                "É aqui que fica interessante.",
                "Vamos continuar, porque ainda há mais.",
                "Acho que muita gente vai se surpreender.",
                "É um detalhe pequeno com grandes consequências.",
                "É a parte que quase todo mundo deixa passar.",
                "Isso explica muita coisa.",
                "Espera, conta essa parte de novo.",
                "Adoro como isso é concreto.",
                "É mais simples do que parece.",
                "Assim as peças começam a se encaixar.",
                "Não esperava essa resposta.",
                "Vamos para a próxima parte.",
            ),
            ("", ", de verdade", ", sinceramente", ", se você pensar bem", ", sem exagero"),
        ),
    }
)


def pad_pool(lang: str) -> tuple[str, ...]:
    """Every connective line the simulated writer may use in ``lang``."""
    lines, tails = _PADS[lang]
    return tuple(p[:-1] + t + p[-1] for t in tails for p in lines)


def writes(lang: str) -> bool:
    """Whether the simulator has lines in ``lang`` (else it answers in English)."""
    return lang in _FACTS
