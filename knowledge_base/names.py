"""Names an entry is about: a programme, project or rule written as a name in its title.

"Kto finansuje projekt „Szkolimy NGO”?", "Co to jest program NOWEFIO?", "Czy VAT jest
kosztem kwalifikowalnym?": these entries are about a named thing. A question that shares
only their common words ("kiedy jest nabór w programie rządowym Senior+?" shares "program
rządowy" with the Szkolimy NGO entry) and names none of it is about something else, so a
weak match with such an entry is no answer (see knowledge_base.retrieval).

A name is a quoted phrase („…”) or an acronym (two or more capitals: NOWEFIO, EFS+, VAT,
FISE) of the entry's title. Retrieval keeps only the keys of names that few entries
share: "LGD" is in nearly every title and tells nothing apart.
"""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge_base.text import tokens

_UPPER = "A-ZĄĆĘŁŃÓŚŹŻ"
_QUOTED = re.compile(r"„([^”]+)”")
_ACRONYM = re.compile(rf"\b[{_UPPER}][{_UPPER}a-z0-9+]*[{_UPPER}+][{_UPPER}0-9+]*(?!\w)")


@lru_cache(maxsize=4096)
def name_keys(title: str) -> frozenset[str]:
    """Retrieval keys of the names in `title` (digits left out: "3" names nothing alone)."""
    names = [*_QUOTED.findall(title), *_ACRONYM.findall(title)]
    return frozenset(key for name in names for key in tokens(name) if not key.isdigit())
