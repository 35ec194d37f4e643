"""Tell keyboard mashing ("asdfgh", "jdjdjd") from a real, if off-topic, Polish message."""

from __future__ import annotations

import re

import simplemma

from knowledge_base.text import restore_diacritics

LETTERS = re.compile(r"[^\W\d_]+")
# Short tokens users type that no dictionary knows but that are not nonsense.
KNOWN_SHORT = frozenset({"lgd", "ngo", "fio", "efs", "vat", "krs", "ok", "xd", "hej", "elo"})


def _is_word(token: str) -> bool:
    lowered = token.lower()
    if lowered in KNOWN_SHORT:
        return True
    if len(lowered) < 2:
        return False
    if simplemma.is_known(lowered, lang="pl"):
        return True
    restored = restore_diacritics(lowered)
    return restored is not None and simplemma.is_known(restored, lang="pl")


def is_gibberish(text: str) -> bool:
    """True when the message has no recognisable Polish word at all."""
    tokens = LETTERS.findall(text)
    if not tokens:
        return bool(text.strip())
    return not any(_is_word(token) for token in tokens)
