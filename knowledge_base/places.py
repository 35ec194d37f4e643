"""Towns named in a question: the assistant knows Toruń and a few other LGDs' examples only.

A question that names another town ("czy LGD w Koninie ma nabór?") asks about that town's
LGD: an entry about Toruń does not answer it, however many words they share, and saying so
("nie wiem" + the coordinator) is the honest reply. A question that names Toruń asks about
Toruń: an example from another LGD does not answer it either.

Towns are matched by a diacritic-free stem at the start of a word, so every inflected form
counts ("Grudziądz", "w Grudziądzu", "grudziadza"; "Toruń", "w Toruniu", "toruński"). "U nas"
names Toruń too: the assistant speaks for the Toruń LGD, and "a u nas?" after another LGD's
example asks about the Toruń call.
The list covers the towns of the Kujawsko-Pomorskie region (where the LGDs of the
programme are) and the largest Polish cities; it is data, extend it as questions show.
"""

from __future__ import annotations

from functools import lru_cache

from knowledge_base.text import strip_diacritics, words

HOME = "torun"

# Diacritic-free stems; each must not start a common Polish word (checked in the tests).
_STEMS_TEXT = """
torun
aleksandrow barcin bobrowni brodnic bydgoszcz bydgoskie chelmn chelmz ciechocin
golub gniewkow grudziadz inowroclaw janikow kcyn koronow kowal kruszwic
lipno lipnie mogiln naklo nakle nieszaw pakosc radziejow rypin sepolno solec
strzelno szubin tuchol unislaw wabrzezno wabrzeznie wloclaw znin zninie
warszaw krakow krakowie lodz lodzi wroclaw poznan gdansk gdyni gdynia szczecin lublin
lublinie bialystok bialymstok katowic gdansku poznaniu szczecinie olsztyn elblag konin
kalisz plock plocku slupsk koszalin opol rzeszow kielc
"""
_STEMS = tuple(sorted(set(_STEMS_TEXT.split()), key=len, reverse=True))

# Place stems that match whole words only (short, or the start of common words).
_WHOLE_WORDS = frozenset({"kowal", "lipno", "lipnie", "solec", "golub", "poznan", "poznaniu"})

# Stems of one town, so that each town is one name ("w Krakowie" and "Kraków" alike).
_SAME_TOWN = {
    "bydgoskie": "bydgoszcz",
    "lipnie": "lipno",
    "nakle": "naklo",
    "wabrzeznie": "wabrzezno",
    "zninie": "znin",
    "krakowie": "krakow",
    "lodzi": "lodz",
    "gdyni": "gdynia",
    "lublinie": "lublin",
    "bialymstok": "bialystok",
    "gdansku": "gdansk",
    "poznaniu": "poznan",
    "szczecinie": "szczecin",
    "plocku": "plock",
}


@lru_cache(maxsize=16384)
def _place_of_word(word: str) -> str | None:
    plain = strip_diacritics(word)
    for stem in _STEMS:
        if plain == stem or (stem not in _WHOLE_WORDS and plain.startswith(stem)):
            return _SAME_TOWN.get(stem, stem)
    return None


def places(text: str) -> frozenset[str]:
    """The towns `text` names, as stems ("w Grudziądzu i Toruniu" -> {"grudziadz", "torun"};
    "a u nas?" -> {"torun"}).

    "Bydgoskie Przedmieście" is a district of Toruń, not Bydgoszcz: "bydgoskie" followed by
    "przedmieście" names no town.
    """
    found: set[str] = set()
    written = words(text)
    for index, word in enumerate(written):
        place = _place_of_word(word)
        following = strip_diacritics(written[index + 1]) if index + 1 < len(written) else ""
        if place is None:
            if word == "u" and following == "nas":
                found.add(HOME)
            continue
        if place == "bydgoszcz" and following.startswith("przedmiesc"):
            continue
        found.add(place)
    return frozenset(found)
