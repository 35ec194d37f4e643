"""The naive Bayes phrasing model (knowledge_base.phrasing_model)."""

from __future__ import annotations

import pytest

from knowledge_base import phrasing_model
from knowledge_base.phrasing_model import PhrasingModel, text_features
from tests.support.documents import doc

DOCS = (
    doc("eksperci", "Kto był ekspertem na spotkaniu?", ("kto mówił na spotkaniu", "eksperci FISE")),
    doc("program", "Jaki był program spotkania?", ("co było na spotkaniu", "agenda spotkania")),
    doc("pula", "Jaka jest pula naboru?", ("ile pieniędzy w naborze", "kwota puli")),
)


def test_the_posterior_is_a_distribution_favouring_the_entry_asked_with_these_words() -> None:
    model = PhrasingModel(DOCS)
    posterior = model.posterior(text_features("kto mowil na spotkaniu"), [0, 1, 2])
    assert sum(posterior) == pytest.approx(1.0)
    assert posterior[0] == max(posterior)
    assert posterior[2] == min(posterior)


def test_a_typo_still_shares_grams_with_its_entry() -> None:
    model = PhrasingModel(DOCS)
    posterior = model.posterior(text_features("agnda spotknia"), [0, 1])
    assert posterior[1] > posterior[0]


def test_priors_shift_the_posterior_and_unknown_words_change_nothing() -> None:
    model = PhrasingModel(DOCS)
    query = text_features("spotkanie")
    even = model.posterior(query, [0, 1])
    favoured = model.posterior(query, [0, 1], priors=[1.0, 3.0])
    assert favoured[1] > even[1]
    assert model.posterior(text_features("zzzqqq"), [0, 1]) == pytest.approx([0.5, 0.5])


def test_no_entries_no_posterior() -> None:
    assert PhrasingModel(DOCS).posterior(text_features("spotkanie"), []) == []


def test_words_every_sibling_is_asked_with_count_less_between_siblings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pool and the programme of one call: the programme entry repeats the call's name
    in every phrasing, the pool entry does not. Mixed with the call's distribution, the
    call's name costs the pool entry less, so "pula" weighs more."""
    siblings = (
        doc(
            "program",
            "Z jakiego programu jest nabór LGD Toruń?",
            ("program naboru lgd toruń", "nabór lgd toruń z jakiego programu"),
            call_code="C/1",
        ),
        doc("pula", "Jaka jest pula?", ("ile pieniędzy łącznie", "pula środków"), call_code="C/1"),
    )
    query = text_features("jaka pula jest w naborze lgd")
    mixed = PhrasingModel(siblings).posterior(query, [0, 1])
    monkeypatch.setattr(phrasing_model, "GROUP_SHARE", 0.0)
    plain = PhrasingModel(siblings).posterior(query, [0, 1])
    assert mixed[1] > 2 * plain[1]
