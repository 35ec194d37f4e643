"""A naive Bayes model of how each entry is asked about, learned from its phrasings.

The lexical score (knowledge_base.retrieval) asks how much of a question an entry's
phrasings cover; it treats every shared key alike. Siblings (the programme, the project
types and the funding of one call; the programme, the experts and the purpose of one
meeting) share most keys, and what tells them apart is which words each is usually asked
with. A multinomial naive Bayes model over the title, phrasings and keywords (the answer
counts less) learns exactly that, by counting, so it is rebuilt with the index whenever
the content changes: no training step, nothing to retrain.

Siblings also share the words of their subject: every entry of the 2023 call is asked
about "LGD", "Toruń", "nabór", but a phrasing of the pool entry rarely repeats them all. A
plain per-entry model reads their absence as evidence against it, so the entry with the
longest phrasings of the subject wins whatever was asked. Each entry's word distribution
is therefore mixed with its group's (the entries of its call, else of its topic): words
common to the group cost a sibling little, and the words that tell siblings apart decide.

Features of a text are its retrieval keys and the character 4-grams of its written words
(stripped and stemmed, see `surface_tokens`), so an unknown inflection or a typo still
shares most of its grams with the right entry. The model only ranks the lexical
candidates of one question against each other: `posterior` is a distribution over them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from knowledge_base.documents import Document
from knowledge_base.text import surface_tokens

GRAM = 4
GRAM_WEIGHT = 0.25
ANSWER_WEIGHT = 0.3
ALPHA = 0.1
# Share of an entry's feature distribution taken from its group's (see above).
GROUP_SHARE = 0.3


Bag = dict[str, float]


def features(pairs: Iterable[tuple[str, str]], *, grams: bool = True) -> Bag:
    """Bag of features of (key, surface key) pairs: each key, and the grams of its surface."""
    bag: Bag = defaultdict(float)
    for key, surface in pairs:
        bag["k:" + key] += 1.0
        if grams:
            padded = f"^{surface}$"
            for start in range(len(padded) - GRAM + 1):
                bag["g:" + padded[start : start + GRAM]] += GRAM_WEIGHT
    return bag


def text_features(text: str) -> Bag:
    return features(surface_tokens(text))


def group_of(document: Document) -> str:
    """The siblings an entry shares its subject with: its call, else its topic."""
    return f"call:{document.call_code}" if document.call_code else f"topic:{document.topic}"


class PhrasingModel:
    """Per-entry feature counts; `posterior` ranks some entries for one question."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self._counts: list[dict[str, float]] = []
        self._totals: list[float] = []
        self._groups: list[str] = []
        group_counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        vocabulary: set[str] = set()
        for document in documents:
            bag: Bag = defaultdict(float)
            for text in (document.title, *document.phrasings, *document.keywords):
                for feature, count in text_features(text).items():
                    bag[feature] += count
            for feature, count in features(surface_tokens(document.answer), grams=False).items():
                bag[feature] += ANSWER_WEIGHT * count
            self._counts.append(dict(bag))
            self._totals.append(sum(bag.values()))
            group = group_of(document)
            self._groups.append(group)
            for feature, count in bag.items():
                group_counts[group][feature] += count
            vocabulary.update(bag)
        self._vocabulary = frozenset(vocabulary)
        self._smoothing = ALPHA * max(len(vocabulary), 1)
        self._group_counts = {group: dict(bag) for group, bag in group_counts.items()}
        self._group_totals = {group: sum(bag.values()) for group, bag in group_counts.items()}

    def posterior(
        self, query: Bag, entries: Sequence[int], priors: Sequence[float] | None = None
    ) -> list[float]:
        """P(entry | question) among `entries`, in their order; `priors` are relative prior
        weights (equal when None)."""
        if not entries:
            return []
        known = [(f, weight) for f, weight in query.items() if f in self._vocabulary]
        logs = []
        for entry in entries:
            counts = self._counts[entry]
            group = self._groups[entry]
            shared = self._group_counts[group]
            own_total = self._totals[entry] + self._smoothing
            group_total = self._group_totals[group] + self._smoothing
            logs.append(
                sum(
                    weight
                    * math.log(
                        (1.0 - GROUP_SHARE) * (counts.get(feature, 0.0) + ALPHA) / own_total
                        + GROUP_SHARE * (shared.get(feature, 0.0) + ALPHA) / group_total
                    )
                    for feature, weight in known
                )
            )
        if priors is not None:
            logs = [value + math.log(prior) for value, prior in zip(logs, priors, strict=True)]
        top = max(logs)
        exps = [math.exp(value - top) for value in logs]
        total = sum(exps)
        return [value / total for value in exps]
