"""Years named in a question: "kiedy ruszy nabór w 2027?" is not answered by the 2023 call.

An entry whose title, phrasings or keywords name years is about those years: the 2023 call,
the 2018 grant competition, the 2021-2027 strategy. A question that names a year asks about
that year, so an entry that names only other years does not answer it, however many words
they share; the honest reply is "nie wiem" with the coordinator. Entries that name no year
(general rules) are about any year. A period ("2021-2027") names the years it is written
with, not every year between: "the 2021-2027 strategy" is not "the 2023 call". A call code
such as "1/G/2018" names its year.

"Teraz", "obecny", "aktualny" name no year but ask about the present: an entry about past
years only (the 2018 competition, the 2014-2020 umbrella project) does not answer "ile teraz
można dostać?". What the present is, the base says: the latest year of the Toruń calls.
"""

from __future__ import annotations

import re
from functools import lru_cache

YEAR = r"(?:199\d|20\d\d)"
_YEAR = re.compile(rf"(?<!\d){YEAR}(?!\d)")
_NOW = re.compile(
    r"\b(?:teraz|obecn\w*|aktualn\w*|bie[zż][aą]c\w*|w\s+tym\s+roku|w\s+tej\s+chwili)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=16384)
def years(text: str) -> frozenset[int]:
    """The years `text` names: "w 2023 r." -> {2023}; "2021-2027" -> {2021, 2027}."""
    return frozenset(int(match) for match in _YEAR.findall(text))


@lru_cache(maxsize=16384)
def asks_now(text: str) -> bool:
    """True when `text` asks about the present ("a teraz?", "w obecnym naborze")."""
    return _NOW.search(text) is not None


def is_year(word: str) -> bool:
    """True when `word` is a year and nothing else ("2018" in the call code "1/G/2018")."""
    return re.fullmatch(YEAR, word) is not None
