"""Wishes to be contacted (knowledge_base.contact_request)."""

from __future__ import annotations

import pytest

from knowledge_base.contact_request import asks_for_contact


@pytest.mark.parametrize(
    "text",
    [
        "wolałabym, żeby on sam się ze mną skontaktował",
        "niech ktoś do mnie zadzwoni",
        "proszę oddzwonić do mnie jutro",
        "czy ktoś może mi odpisać?",
        "odezwijcie się do nas w tej sprawie",
    ],
)
def test_wishes_for_contact_are_recognised(text: str) -> None:
    assert asks_for_contact(text)


@pytest.mark.parametrize(
    "text",
    [
        "jak się skontaktować z LGD?",
        "jaki jest numer telefonu do biura",
        "zadzwonię jutro",
        "mam do was pytanie o nabór",
        "kto jest koordynatorem projektu",
    ],
)
def test_questions_about_contact_data_are_not_wishes(text: str) -> None:
    assert not asks_for_contact(text)
