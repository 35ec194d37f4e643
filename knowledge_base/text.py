"""Polish text normalisation for retrieval: one key for inflected, typo'd, diacritic-less words.

A word becomes a key in four steps: lemma (simplemma, on the word as written, or on its
diacritics restored from simplemma's own dictionary when typed without them), diacritics
stripped, stop words dropped, and a light suffix stem so that related base forms
("składać" / "składanie", "dofinansować" / "dofinansowanie") meet. Every step runs on
both the knowledge base and the query, so the keys agree whatever the user typed.
Nothing is loaded at import time; simplemma loads its Polish dictionary on first use.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import combinations, product

import simplemma

from knowledge_base.years import is_year

LANG = "pl"

# Polish letters with diacritics and the letters users type instead.
_PLAIN = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
_RESTORE: dict[str, tuple[str, ...]] = {
    "a": ("ą",),
    "c": ("ć",),
    "e": ("ę",),
    "l": ("ł",),
    "n": ("ń",),
    "o": ("ó",),
    "s": ("ś",),
    "z": ("ż", "ź"),
}
_MAX_RESTORED_LETTERS = 3
_MAX_RESTORE_LOOKUPS = 400

_WORD = re.compile(r"[^\W_]+(?:[.,]\d+)*", re.UNICODE)
_THOUSANDS = re.compile(r"(?<=\d)[\s\u00a0.](?=\d{3}(?!\d))")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")

# Multi-word names keyed as their usual abbreviation ("Lokalnej Grupy Działania" -> "lgd"),
# in any inflection, with or without diacritics; and question frames with the meaning of a
# question word: "od którego dnia" asks "od kiedy", "do jakiego terminu" asks "do kiedy",
# "na jaką kwotę" asks "ile".
_PHRASES = (
    # A greeting, not a day: "dzień" stays a key ("ile dni mam na protest").
    (re.compile(r"\bdzie[nń]\s+dobry\b", re.IGNORECASE), " "),
    (re.compile(r"\blokaln\w*\s+grup\w*\s+dzia[lł]ani\w*", re.IGNORECASE), "lgd"),
    (re.compile(r"\bnarodow\w*\s+instytut\w*\s+wolno[sś]ci\b", re.IGNORECASE), "niw"),
    (
        re.compile(
            r"\b(od|do)\s+(?:kt[oó]r\w*|jaki\w*)\s+(?:dni[a]?|daty|momentu|terminu)\b",
            re.IGNORECASE,
        ),
        r"\1 kiedy",
    ),
    (re.compile(r"\bna\s+jak\w*\s+(?:kwot\w*|sum\w*)", re.IGNORECASE), "ile"),
)

# Question words that tell deadline / amount / eligibility / place / how-to questions apart.
# "do kiedy" (until when: a deadline) and "od kiedy" (since when: a start) also give a key
# of their own besides "kiedy", so "do kiedy trwa nabór" leans away from "od kiedy działa LGD".
_SPAN_WORDS = {"do": "dokiedy", "od": "odkiedy"}
SPAN_KEYS = frozenset(_SPAN_WORDS.values())
QUESTION_WORDS = frozenset({"kiedy", "ile", "kto", "gdzie", "jak", "dlaczego", *SPAN_KEYS})

# Stop words, diacritics stripped; matched on the written form and on the lemma. Besides
# function words, the frame of a question ("co oznacza", "daj", "w sprawie", "obecnie")
# and the fillers of chat ("właściwie", "generalnie", "spoko", "serio") say nothing about
# its topic.
_STOP_TEXT = """
chyba generalnie jakby naprawde nigdy ogolnie ok okej okey oki prostu przepraszac sam serio
opowiedz opowiedziec slyszec sluchaj sluchajcie sorki sorry sory spoko wiesz wlasciwie
a aby aktualnie albo ale az b bardzo bez bo by byc bylo byl c chce chcemy chciec chcialbym
chcialabym chcielibysmy ci cie co cos coz czesc czy czyli czym czego d dac dany dla do dobry
dobrze dowiedziec dzieki dziekowac dziekuje e ej f g gdy h halo hej hello hi i ich im
informacja itd itp ja jaki jakis jako je jego jej jemu jesli jest jestem jestesmy
jeszcze jezeli juz k kazdy kiedys ktory ktora ktore ktos l lub m ma mam mama mamy mi miec mnie
moc moge moj moja moje mozemy moze mozna mu musiec my n na nad nam nas nasz nasza nasze naszej
nawet nia nic nie niech niego niej nim no np o obecnie od ogol ogole oraz oznaczac on ona
one oni ono p pan pani panstwo pls plis po pod podac pojecie powiedziec prosic prosze przez
przy pytac pytanie r s sa siema sie siebie soba sobie sprawa szukac t ta tak taki tam
tamten te tego tej ten teraz to tobie toba tu tutaj ty tych tym u w wam was wasz wiec
wiedziec witac witam wlasnie wszystko wy x y z za zeby ze znaczyc
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

# One lemma for words used interchangeably in questions about grants, diacritics stripped:
# perfective/imperfective verb pairs ("złożyć" / "składać"), which no suffix rule can join,
# a few synonyms of the grant vocabulary ("konkurs" / "nabór", "kasa" / "pieniądze"), and
# colloquial or short forms applicants type ("fb" / "fejs" for Facebook, "tel", "mejl",
# "wideo" for a recording, "siedziba" for the office).
_CANONICAL_TEXT = """
zlozyc:skladac zlozenie:skladac wniesc:wnosic wniesienie:wnosic otworzyc:otwierac
otwarcie:otwierac zamknac:zamykac zamkniecie:zamykac przyjac:przyjmowac dostac:dostawac
zglosic:zglaszac zgloszenie:zglaszac oglosic:oglaszac ogloszenie:oglaszac
rozliczyc:rozliczac uzyskac:uzyskiwac otrzymac:otrzymywac wypelnic:wypelniac
dolaczyc:dolaczac skonczyc:konczyc zakonczyc:konczyc zakonczenie:konczyc zaczac:zaczynac
rozpoczac:zaczynac rozpoczynac:zaczynac rozpoczecie:zaczynac wyslac:wysylac
przeslac:przesylac zrealizowac:realizowac sfinansowac:finansowac zaplanowac:planowac
przygotowac:przygotowywac napisac:pisac ocenic:oceniac zorganizowac:organizowac
podpisac:podpisywac przyznac:przyznawac zadzwonic:dzwonic skontaktowac:kontaktowac
konkurs:nabor dotacja:grant kasa:pieniadz srodek:pieniadz srodki:pieniadz fundusz:pieniadz
czemu:dlaczego online:elektroniczny internet:elektroniczny elektronicznie:elektroniczny
deadline:termin
fb:facebook fejsbuk:facebook fejs:facebook tel:telefon komorka:telefon email:mail mejl:mail
wideo:nagranie video:nagranie filmik:nagranie hajs:pieniadz pln:zloty siedziba:biuro
wspierac:finansowac wesprzec:finansowac wyciagnac:dostawac alokacja:pula
"""
CANONICAL = dict(pair.split(":") for pair in _CANONICAL_TEXT.split())

# Suffixes removed from a lemma (diacritics stripped), longest first; one per word.
_SUFFIXES = (
    "owanie",
    "ywanie",
    "iwanie",
    "owosc",
    "anie",
    "enie",
    "ecie",
    "ycie",
    "owac",
    "ywac",
    "iwac",
    "nosc",
    "osc",
    "owy",
    "owano",
    "iac",
    "any",
    "ony",
    "ano",
    "ono",
    "ac",
    "ec",
    "ic",
    "yc",
    "a",
    "e",
    "i",
    "o",
    "y",
)
_MIN_STEM = 3


def strip_diacritics(text: str) -> str:
    """Drop Polish (and other combining) diacritics: "źródło" -> "zrodlo"."""
    plain = text.translate(_PLAIN)
    if plain.isascii():
        return plain
    decomposed = unicodedata.normalize("NFKD", plain)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _prepare(text: str) -> str:
    """Lowercase, NFC, and join digit groups ("50 000" -> "50000", "1,3" -> "1.3")."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _THOUSANDS.sub("", text)
    return _DECIMAL_COMMA.sub(".", text)


def words(text: str) -> list[str]:
    """Lowercased words and numbers of `text`, diacritics kept, punctuation dropped."""
    return _WORD.findall(_prepare(text))


def normalize(text: str) -> str:
    """Text for matching: lowercase, no diacritics, no punctuation, single spaces."""
    return " ".join(strip_diacritics(word) for word in words(text))


def tokens(text: str) -> tuple[str, ...]:
    """Content keys of `text` in order: lemmatised, diacritic-free, stemmed, no stop words."""
    return tuple(key for key, _ in _keyed_words(text))


def surface_tokens(text: str) -> tuple[tuple[str, str], ...]:
    """(key, surface key) pairs: the surface key is the written word, stripped and stemmed.

    The surface key keeps the spelling the lemma hides ("kryteria" -> "kryteri" beside the
    key "kryterium"), so a typo of an inflected form can still find its entry.
    """
    return tuple(
        (key, key if word is None else stem(strip_diacritics(word)))
        for key, word in _keyed_words(text)
    )


# A call code ("RPKP.11.01.00-04-0001/22", "1/G/2018", "1/P1/2022/Ino") is one identifier,
# not four words: as one key it weighs like one word, so the words around it ("pula",
# "termin") still tell the entries of that call apart. A year in it stays a key of its own.
_CALL_CODE = re.compile(
    r"(?<![\w./-])(?=[\w./-]*[^\W\d_])(?=[\w./-]*\d)[^\W_]+(?:[./-][^\W_]+){2,}(?![\w/-])"
)


def _join_code(match: re.Match[str]) -> str:
    parts = re.split(r"[./-]", match.group(0))
    found_years = [part for part in parts if is_year(part)]
    return " ".join(["".join(parts).lower(), *found_years])


def _keyed_words(text: str) -> list[tuple[str, str | None]]:
    """(key, written word) of every content word; None for a key no single word gives
    ("dokiedy" for "do kiedy")."""
    found: list[tuple[str, str | None]] = []
    previous = ""
    text = _CALL_CODE.sub(_join_code, text)
    for pattern, short in _PHRASES:
        text = pattern.sub(short, text)
    for index, word in enumerate(words(text)):
        if _is_verb_maja(word, previous) or (index == 0 and word in _OPENERS):
            key = ""
        else:
            key = key_of(word)
        if key == "kiedy" and previous in _SPAN_WORDS:
            found.append((_SPAN_WORDS[previous], None))
        if key:
            found.append((key, word))
        previous = word
    return found


# Words that open a chat message as "OK, so…" ("dobra, to z jakiego programu…"); elsewhere
# they keep their meaning ("dobra wspólnego", "Ziarno Dobra").
_OPENERS = frozenset({"dobra", "jasne", "super", "aha"})

# "maja" typed without diacritics is the month after a day or a preposition of time
# ("9 maja", "do maja", "w połowie maja"); anywhere else it is "mają" (they have), a stop
# word: "a gdzie maja biuro?" asks nothing about May.
_MONTH_BEFORE_MAJA_TEXT = (
    "do od przed po z koniec konca koncem poczatek poczatku polowa polowie polowy"
)
_MONTH_BEFORE_MAJA = frozenset(_MONTH_BEFORE_MAJA_TEXT.split())


def _is_verb_maja(word: str, previous: str) -> bool:
    if word != "maja":
        return False
    before = strip_diacritics(previous)
    return not (before.isdigit() or before in _MONTH_BEFORE_MAJA)


@lru_cache(maxsize=65536)
def key_of(word: str) -> str:
    """The key of one lowercased word, or "" for a stop word."""
    if any(ch.isdigit() for ch in word):
        return word
    plain = strip_diacritics(word)
    if plain in QUESTION_WORDS:
        return plain
    if plain in CANONICAL:
        return stem(CANONICAL[plain])
    if plain in STOP_WORDS:
        return ""
    base = strip_diacritics(lemma(word).lower())
    if base in QUESTION_WORDS:
        return base
    if base in STOP_WORDS:
        return ""
    return stem(CANONICAL.get(base, base))


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """simplemma's lemma of `word`; a word typed without diacritics gets them restored first.

    A diacritic-free word that the dictionary knows only as a proper name ("kosztow" as
    the village Kosztowo) is restored too when that gives a common word ("kosztów").
    """
    if simplemma.is_known(word, LANG, low_memory=True):
        found = str(simplemma.lemmatize(word, LANG, low_memory=True))
        if not found[:1].isupper():
            return found
        restored = restore_diacritics(word)
        if restored is not None:
            other = str(simplemma.lemmatize(restored, LANG, low_memory=True))
            if not other[:1].isupper():
                return other
        return found
    restored = restore_diacritics(word)
    return str(simplemma.lemmatize(restored or word, LANG, low_memory=True))


@lru_cache(maxsize=16384)
def restore_diacritics(word: str) -> str | None:
    """The dictionary word closest to `word` with diacritics added ("wnioskow" -> "wniosków").

    Tries one added diacritic, then two, then three, and returns the first form that the
    lemmatiser knows; None when `word` already has diacritics or no variant is known.
    """
    if len(word) < 3 or not word.isalpha() or strip_diacritics(word) != word:
        return None
    positions = [i for i, ch in enumerate(word) if ch in _RESTORE]
    lookups = 0
    for count in range(1, min(len(positions), _MAX_RESTORED_LETTERS) + 1):
        for chosen in combinations(positions, count):
            for letters in product(*(_RESTORE[word[i]] for i in chosen)):
                chars = list(word)
                for i, letter in zip(chosen, letters, strict=True):
                    chars[i] = letter
                candidate = "".join(chars)
                if simplemma.is_known(candidate, LANG, low_memory=True):
                    return candidate
                lookups += 1
                if lookups >= _MAX_RESTORE_LOOKUPS:
                    return None
    return None


def stem(base: str) -> str:
    """Remove one derivational/inflectional suffix from a diacritic-free lemma."""
    if base in QUESTION_WORDS:
        return base
    for suffix in _SUFFIXES:
        if base.endswith(suffix) and len(base) - len(suffix) >= _MIN_STEM:
            return base[: -len(suffix)]
    return base
