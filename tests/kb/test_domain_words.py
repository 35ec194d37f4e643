"""Messages that name the grant domain (knowledge_base.domain_words)."""

from __future__ import annotations

import pytest

from knowledge_base.domain_words import names_the_domain


@pytest.mark.parametrize(
    "text",
    [
        "jak wygląda sprawozdanie końcowe z grantu?",
        "czy LGD organizuje szkolenia z pisania wniosków",
        "czy nasza fundacja może to sfinansować",
        "stowarzyszeniom się należy?",
        "projekt pilotazowy a urzad miasta",
        "program NOWEFIO",
        "priorytety FIO",
        "czym jest innowacja spoleczna",
    ],
)
def test_grant_words_name_the_domain(text: str) -> None:
    assert names_the_domain(text)


@pytest.mark.parametrize(
    "text",
    [
        "jak złożyć wniosek o becikowe",
        "dotacja do wymiany okien",
        "dofinansowanie do pompy ciepła",
        "kredyt hipoteczny bez wkładu własnego",
        "nabór do przedszkola",
        "jaka będzie pogoda w Toruniu",
        "efekt cieplarniany",
    ],
)
def test_everyday_errands_do_not(text: str) -> None:
    assert not names_the_domain(text)
