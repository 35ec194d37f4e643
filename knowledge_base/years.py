"""Years named in a question: "kiedy ruszy nabór w 2027?" is not answered by the 2023 call.

An entry whose title, phrasings or keywords name years is about those years: the 2023 call,
the 2018 grant competition, the 2021-2027 strategy. A question that names a year asks about
that year, so an entry that names only other years does not answer it, however many words
they share; the honest reply is "nie wiem" with the coordinator. Entries that name no year
(general rules) are about any year. A period ("2021-2027") names the years it is written
with, not every year between: "the 2021-2027 strategy" is not "the 2023 call". A call code
such as "1/G/2018" names its year.
"""

from __future__ import annotations

import re
from functools import lru_cache

YEAR = r"(?:199\d|20\d\d)"
_YEAR = re.compile(rf"(?<!\d){YEAR}(?!\d)")


@lru_cache(maxsize=16384)
def years(text: str) -> frozenset[int]:
    """The years `text` names: "w 2023 r." -> {2023}; "2021-2027" -> {2021, 2027}."""
    return frozenset(int(match) for match in _YEAR.findall(text))


def is_year(word: str) -> bool:
    """True when `word` is a year and nothing else ("2018" in the call code "1/G/2018")."""
    return re.fullmatch(YEAR, word) is not None
