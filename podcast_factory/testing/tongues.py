"""What the simulated model writes in a language other than English.

A prompt for a show not in English says so (``providers.claude_prompts.language_rule``:
"Language: the show is in Spanish (language tag es)"); the simulated model then answers
in that language, as Claude does:

- research facts from sources in the show's language are their sentences, as in English;
- a fact from a source in another language is the simulator's stand-in for a
  translation: a sentence in the show's language made from a per-language template that
  carries the source sentence's names and numbers ("La historia de Alexander
  Fleming ... está unida a la cifra 1928."; never "the source", which would be in every
  fact and so become the chapters' key term), while its quote stays the source
  sentence, verbatim. It is not a translation (the simulator has no model), only text
  in the right language that says the source's checkable details, so the language,
  quote and detail checks downstream see what they would see from Claude;
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
                "La historia de {names} está unida a la cifra {numbers}.",
                "{names} tuvo un papel clave, y hay un número que lo muestra: {numbers}.",
                "Un dato importante: {names} aparece junto al valor {numbers}.",
                "En este punto entran en juego {names} y el número {numbers}.",
                "{names} forma parte de lo que pasó, y la cantidad es {numbers}.",
                "Para entenderlo conviene recordar a {names} y el dato {numbers}.",
            ),
            "names": (
                "{names} tiene un papel importante en esta historia.",
                "Gran parte del relato gira en torno a {names}, y con razón.",
                "Aquí llegamos a {names}, una pieza esencial del tema.",
                "Por buenas razones, {names} importa tanto en todo esto.",
                "Otro nombre que aparece es {names}, y no es un detalle menor.",
                "Hay que hablar de {names} y de su lugar en lo ocurrido.",
            ),
            "numbers": (
                "Aquí hay una cifra que conviene recordar: {numbers}.",
                "Hay un número que lo resume todo: {numbers}.",
                "Un dato precisa este punto: {numbers}.",
                "La cantidad que importa aquí es {numbers}.",
                "El número clave en este momento es {numbers}.",
                "Todo se explica con un valor concreto: {numbers}.",
            ),
            "none": (
                "El mecanismo tiene más de un paso, y cada paso cuenta.",
                "El proceso se entiende mejor de principio a fin, paso a paso.",
                "Un detalle pequeño puede cambiar el resultado por completo.",
                "La explicación completa tiene varias partes que encajan entre sí.",
                "Los detalles importan tanto como la idea general.",
                "El cambio no fue inmediato: llegó poco a poco, con el tiempo.",
            ),
            "lead": ("Nuestro tema de hoy: {topic}.",),
        },
        "de": {
            "and": ("und",),
            "both": (
                "Die Geschichte von {names} ist mit der Zahl {numbers} verbunden.",
                "{names} spielt eine wichtige Rolle, und eine Zahl zeigt es: {numbers}.",
                "Ein wichtiger Punkt: {names} steht neben der Angabe {numbers}.",
                "An dieser Stelle kommen {names} und die Zahl {numbers} ins Spiel.",
                "{names} gehört zu dem, was geschah, und der Wert ist {numbers}.",
                "Um das zu verstehen, hilft ein Blick auf {names} und die Angabe {numbers}.",
            ),
            "names": (
                "{names} spielt in dieser Geschichte eine wichtige Rolle.",
                "Ein großer Teil der Erzählung dreht sich um {names}.",
                "Hier kommen wir zu {names}, einem wesentlichen Teil des Themas.",
                "Aus gutem Grund ist {names} bei all dem so wichtig.",
                "Ein weiterer Name ist {names}, und das ist kein kleines Detail.",
                "{names} hat einen festen Platz in dieser Geschichte.",
            ),
            "numbers": (
                "Hier gibt es eine Zahl, die man sich merken sollte: {numbers}.",
                "Eine Zahl fasst alles zusammen: {numbers}.",
                "Genauer wird dieser Punkt mit der Angabe {numbers}.",
                "Der Wert, auf den es hier ankommt, ist {numbers}.",
                "Die entscheidende Zahl an dieser Stelle ist {numbers}.",
                "Eine konkrete Angabe erklärt es: {numbers}.",
            ),
            "none": (
                "Der Mechanismus hat mehr als einen Schritt, und jeder Schritt zählt.",
                "Der Vorgang lässt sich am besten von Anfang bis Ende verfolgen.",
                "Ein kleines Detail kann das Ergebnis völlig verändern.",
                "Die ganze Erklärung hat mehrere Teile, die ineinandergreifen.",
                "Die Einzelheiten sind genauso wichtig wie die große Idee.",
                "Die Veränderung kam nicht sofort, sondern nach und nach.",
            ),
            "lead": ("Unser Thema heute: {topic}.",),
        },
        "fr": {
            "and": ("et",),
            "both": (
                "L'histoire de {names} est liée au chiffre {numbers}.",
                "{names} joue un rôle clé, et un nombre le montre : {numbers}.",
                "Un point important : {names} apparaît avec la valeur {numbers}.",
                "Ici entrent en jeu {names} et le nombre {numbers}.",
                "{names} fait partie de ce qui s'est passé, avec le chiffre {numbers}.",
                "Pour bien comprendre, retenons {names} et la donnée {numbers}.",
            ),
            "names": (
                "{names} joue un rôle important dans cette histoire.",
                "Une grande partie du récit tourne autour de {names}.",
                "Nous arrivons ici à {names}, une partie essentielle du sujet.",
                "Pour de bonnes raisons, {names} compte autant dans tout cela.",
                "Un autre nom apparaît : {names}, et ce n'est pas un détail.",
                "{names} a aussi sa place dans cette histoire.",
            ),
            "numbers": (
                "Voici un chiffre à retenir : {numbers}.",
                "Un nombre résume tout : {numbers}.",
                "Une valeur précise ce point : {numbers}.",
                "La quantité qui compte ici est {numbers}.",
                "Le nombre clé à cet endroit est {numbers}.",
                "Une donnée concrète explique tout : {numbers}.",
            ),
            "none": (
                "Le mécanisme compte plus d'une étape, et chaque étape compte.",
                "Le processus se comprend mieux du début à la fin, étape par étape.",
                "Un petit détail peut changer complètement le résultat.",
                "L'explication complète a plusieurs parties qui s'emboîtent.",
                "Les détails comptent autant que l'idée générale.",
                "Le changement n'a pas été immédiat : il est venu peu à peu.",
            ),
            "lead": ("Notre sujet du jour : {topic}.",),
        },
        "pt": {
            "and": ("e",),
            "both": (
                "A história de {names} está ligada ao número {numbers}.",
                "{names} tem um papel central, e um número mostra isso: {numbers}.",
                "Um dado importante: {names} aparece junto com o valor {numbers}.",
                "Neste ponto entram em cena {names} e o número {numbers}.",
                "{names} faz parte do que aconteceu, com o valor {numbers}.",
                "Para entender, vale lembrar {names} e o dado {numbers}.",
            ),
            "names": (
                "{names} tem um papel importante nesta história.",
                "Boa parte do relato gira em torno de {names}.",
                "Aqui chegamos a {names}, uma parte essencial do tema.",
                "Por boas razões, {names} importa tanto em tudo isso.",
                "Outro nome que aparece é {names}, e não é um detalhe pequeno.",
                "{names} também tem o seu lugar na história.",
            ),
            "numbers": (
                "Aqui há um número que vale a pena lembrar: {numbers}.",
                "Um número resume tudo: {numbers}.",
                "Um dado precisa este ponto: {numbers}.",
                "A quantidade que importa aqui é {numbers}.",
                "O número-chave neste ponto é {numbers}.",
                "Um valor concreto explica tudo: {numbers}.",
            ),
            "none": (
                "O mecanismo tem mais de um passo, e cada passo conta.",
                "O processo se entende melhor do começo ao fim, passo a passo.",
                "Um detalhe pequeno pode mudar o resultado por completo.",
                "A explicação completa tem várias partes que se encaixam.",
                "Os detalhes importam tanto quanto a ideia geral.",
                "A mudança não foi imediata: veio aos poucos, com o tempo.",
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
