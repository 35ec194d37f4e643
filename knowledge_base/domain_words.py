"""Words that put a message inside the assistant's domain whatever else it says.

The NLU's out_of_scope class learns from wording, and a grant question about something
the base does not cover ("jak wygląda sprawozdanie końcowe z grantu?") can look like small
talk to it. A message that names the LGD, a grant, a pilot, an NGO or a programme is about
grants: it deserves an answer from the base or an honest "nie wiem" with the coordinator,
not the off-topic refusal. Words that everyday errands share with grants ("wniosek",
"dotacja", "dofinansowanie", "nabór", "wkład własny": a childbirth allowance, new windows,
a heat pump, a school enrolment) are deliberately not here.
"""

from __future__ import annotations

from knowledge_base.text import strip_diacritics, words

# Diacritic-free beginnings of words, matched in any inflection ("grantu", "fundacji").
_ANCHORS = (
    "lgd",
    "grant",
    "pilotaz",
    "ngo",
    "fundacj",
    "stowarzysz",
    "pozarzad",
    "nowefio",
    "innowacj",
)
# Abbreviations matched as whole words only.
_ABBREVIATIONS = frozenset({"niw", "fio", "efs", "lsr", "rlks", "rpo", "fedkp"})


def names_the_domain(text: str) -> bool:
    """True when `text` uses a word of the grant domain (see the module docstring)."""
    for word in words(text):
        plain = strip_diacritics(word)
        if plain in _ABBREVIATIONS or plain.startswith(_ANCHORS):
            return True
    return False
