"""Polish retrieval over knowledge-base entries: rank entries for a question and band the best.

Every entry is indexed by the keys (see :mod:`knowledge_base.text`) of its title, phrasings
and keywords, and more weakly of its answer. A query's keys match index keys exactly or,
for typos, through rapidfuzz; each weighs its IDF, and a key the base has never seen
weighs as much as the rarest one, so a question about something absent cannot look
covered. An entry's score (0–100) blends how much of the query its best title/phrasing
explains (and how much of that phrasing the query asks about), how much of the query
the whole entry explains, and a rapidfuzz string similarity.

A naive Bayes model of each entry's phrasings (:mod:`knowledge_base.phrasing_model`) then
reorders the best candidates: siblings share their words, but not the words they are asked
with. A question that names another town only is answered only by entries about that town;
one that names Toruń (also beside another town, to compare) not by an example from another
LGD (:mod:`knowledge_base.places`); one that names a year, not by an entry about other years
only, and one asking about the present ("teraz"), not by an entry about past years only
(:mod:`knowledge_base.years`). A weak match with an entry about a named programme or
rule („Szkolimy NGO”, NOWEFIO, VAT) is no answer to a question that does not name it
(:mod:`knowledge_base.names`).

The band (see :func:`decide_band`) asks for a clear winner: a high score, or a good score
that leads the second-best entry by a margin; near-equal siblings are suggested, not
answered. A known unknown that leads is given from the suggest cut-off on: its reply says
what is not known yet and offers the coordinator, so it asserts nothing. A query made
only of common words ("nabór", "kiedy wniosek") names a topic, not a question: it is never
answered directly.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from knowledge_base.documents import (
    Band,
    Candidate,
    Document,
    Scope,
    SearchResult,
    Thresholds,
    runner_up_unknown,
)
from knowledge_base.names import name_keys
from knowledge_base.phrasing_model import Bag, PhrasingModel, features
from knowledge_base.places import HOME, places
from knowledge_base.text import QUESTION_WORDS, SPAN_KEYS, surface_tokens, tokens
from knowledge_base.years import asks_now, years

MAX_QUERY_CHARS = 1000

# Typo matching: a query key unknown to the index matches index keys this similar.
_TYPO_MIN_LEN = 4
_TYPO_CUTOFF = 80.0
_TYPO_LIMIT = 3
_TYPO_CACHE_SIZE = 4096

# A query key the index has never seen weighs this share of the rarest key's IDF.
_UNKNOWN_FACTOR = 1.0

# Question words (kiedy, ile, kto…) are in many entries but tell deadline, amount and
# eligibility questions apart: they weigh at least this much.
_QUESTION_WEIGHT = 1.5

# A key found only in an entry's answer counts this much of a title/phrasing key.
_ANSWER_FACTOR = 0.5

# Candidate entries scored in full, after the cheap key-overlap pre-ranking.
_SHORTLIST = 25
# Keys in more than this share of entries do not bring candidates in by themselves.
_COMMON_DF_SHARE = 0.05

# Score blend; the three parts are shares of 100, the bonuses are points.
_W_VARIANT = 0.45
_W_ENTRY = 0.45
_W_FUZZ = 0.10
_BETA2 = 1.0  # F1: the query and the phrasing should cover each other.
_KEYWORD_BONUS = 8.0
_TOPIC_BONUS = 4.0
# An example from another LGD loses this much unless the query names something that only
# such examples contain (another town, "inna LGD"): the user asks about the Toruń call.
# The other way round, a Toruń entry loses as much when the query does name such a thing:
# the user asks about the other LGD, and a Toruń fact does not answer it.
_ANALOGIA_PENALTY = 8.0
_ANALOGIA_SIMILARITY = 0.85

# The phrasing model's say (knowledge_base.phrasing_model): candidates are ranked by
# lexical score + _MODEL_WEIGHT * 100 * posterior, the posterior taken over the _MODEL_POOL
# best lexical candidates; the lead is that blend's difference divided by 1 + _MODEL_WEIGHT
# (back on the 0-100 scale), while a candidate's score stays the lexical one.
_MODEL_WEIGHT = 0.2
_MODEL_POOL = 8
# Two entries whose lexical scores are this close fit the question's words equally: the
# model's preference alone (often just which entry has fewer phrasings) makes no lead.
# Unless only the first is ever asked with the question's question word ("gdzie było
# spotkanie" fits the meeting's place, not its programme, however close their scores).
_LEXICAL_TIE = 1.5
# The topic hint (the NLU intent's topic) is evidence for the model too: entries of that
# topic start with this prior weight against 1 for the others.
_TOPIC_PRIOR = 3.0

# An entry about a named thing (knowledge_base.names) scoring below this is no answer to a
# question that names none of it; names in more than this share of entries tell nothing.
_UNNAMED_BELOW = 60.0
_NAME_DF_SHARE = 0.1

# "Teraz" asks about this many years from the latest year of the Toruń calls on; an entry
# naming only earlier years does not answer it, one naming a later year (a 2021-2027
# strategy) or none does.
_NOW_SPAN = 10

# A query whose matched keys are all this common (share of entries containing the key)
# names a topic, not a question.
_GENERIC_DF_SHARE = 0.2
_GENERIC_MAX_KEYS = 2
_GENERIC_CAP = 0.97


@dataclass(frozen=True)
class _Variant:
    """One indexed text of an entry (its title or a phrasing)."""

    keys: frozenset[str]
    text: str
    weight: float


@dataclass(frozen=True)
class _Entry:
    """Index data of one document: its variants, and key -> field factor for all its keys."""

    variants: tuple[_Variant, ...]
    fields: dict[str, float]
    keywords: frozenset[str]
    places: frozenset[str]
    years: frozenset[int]
    names: frozenset[str]


class _Plan:
    """A query's keys, their weights, and the index keys each one matches (with similarity)."""

    def __init__(self, keys: list[str], matches: list[dict[str, float]], weights: list[float]):
        self.keys = keys
        self.matches = matches
        self.weights = weights
        self.total = sum(weights)
        self.text = " ".join(sorted(keys))
        self.matched = frozenset(key for found in matches for key in found)
        self.names_analogia = False

    def cover(self, fields: dict[str, float] | frozenset[str]) -> float:
        """Share of the query weight explained by `fields` (key set, or key -> factor)."""
        covered = 0.0
        factors = fields if isinstance(fields, dict) else None
        for weight, found in zip(self.weights, self.matches, strict=True):
            best = 0.0
            for key, similarity in found.items():
                if key in fields:
                    factor = factors[key] if factors is not None else 1.0
                    best = max(best, similarity * factor)
            covered += weight * best
        return covered / self.total

    def hit_weight(self, keys: frozenset[str], idf: dict[str, float]) -> float:
        """IDF weight of the `keys` that the query matches."""
        hit: dict[str, float] = {}
        for found in self.matches:
            for key, similarity in found.items():
                if key in keys and similarity > hit.get(key, 0.0):
                    hit[key] = similarity
        return sum(idf[key] * similarity for key, similarity in hit.items())


class Retriever:
    """In-memory index over documents; build once per content version, then `search`."""

    def __init__(self, documents: Sequence[Document], thresholds: Thresholds) -> None:
        self._documents = tuple(documents)
        self._thresholds = thresholds
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._aliases: dict[str, set[str]] = defaultdict(set)
        self._scopes: dict[str, set[Scope]] = defaultdict(set)
        self._typo_cache: dict[str, dict[str, float]] = {}
        raw = [self._read(index, document) for index, document in enumerate(self._documents)]
        total = max(len(self._documents), 1)
        self._idf = {
            key: math.log((total + 1) / (len(entries) + 0.5))
            for key, entries in self._postings.items()
        }
        self._unknown_idf = _UNKNOWN_FACTOR * math.log((total + 1) / 0.5)
        # A town the base never names ("fundacja z Bydgoszczy") is no subject the base
        # lacks: the town rule decides which entries may answer; as a word it weighs as
        # little as the home town, which nearly every entry is about.
        self._place_idf = self._idf.get(HOME, 0.0)
        self._generic_df = max(2.0, _GENERIC_DF_SHARE * total)
        self._rare_df = max(_SHORTLIST, int(_COMMON_DF_SHARE * total))
        name_df = max(1.0, _NAME_DF_SHARE * total)
        self._spellings = sorted(set(self._idf) | set(self._aliases))
        self._model = PhrasingModel(self._documents)
        self._entries = [
            _Entry(
                variants=tuple(
                    _Variant(keys, " ".join(sorted(keys)), sum(self._idf[k] for k in keys))
                    for keys in variant_keys
                ),
                fields=fields,
                keywords=keywords,
                places=places(" ".join((document.title, *document.phrasings, document.answer))),
                years=years(document.asked_text),
                names=frozenset(
                    key
                    for key in name_keys(document.title)
                    if 0 < len(self._postings.get(key, ())) <= name_df
                )
                if document.kind == "faq"
                else frozenset(),
            )
            for (variant_keys, fields, keywords), document in zip(raw, self._documents, strict=True)
        ]
        self._current_year = _latest_call_year(
            (document, entry.years)
            for document, entry in zip(self._documents, self._entries, strict=True)
        )

    def __len__(self) -> int:
        return len(self._documents)

    @property
    def thresholds(self) -> Thresholds:
        return self._thresholds

    def search(
        self,
        query: str,
        *,
        limit: int = 3,
        topic_hint: str | None = None,
        exclude: Collection[str] = (),
    ) -> SearchResult:
        """Rank entries for `query` (best first, one candidate per entry) and band the best.

        Entries whose id is in `exclude` are left out (a follow-up question searched with
        the previous answer's title asks for something else than that answer).
        """
        ranking = self.rank(query, limit=max(limit, 2), topic_hint=topic_hint, exclude=exclude)
        if not ranking.candidates or limit <= 0:
            return SearchResult(query=ranking.query, band=Band.DONT_KNOW, candidates=())
        band = decide_band(
            self._thresholds,
            ranking.best,
            ranking.lead,
            generic=ranking.generic,
            unknown=ranking.candidates[0].document.is_unknown,
            runner_up_unknown=ranking.runner_up_unknown,
        )
        return SearchResult(
            query=ranking.query,
            band=band,
            candidates=ranking.candidates[:limit],
            lead=ranking.lead,
            generic=ranking.generic,
        )

    def rank(
        self,
        query: str,
        *,
        limit: int = 3,
        topic_hint: str | None = None,
        exclude: Collection[str] = (),
    ) -> Ranking:
        """Candidates for `query` and what the band depends on, without the band itself."""
        query = query[:MAX_QUERY_CHARS]
        written = surface_tokens(query)  # keys for the index, surfaces for the model
        plan = self._plan(written)
        if not plan.keys or limit <= 0:
            return Ranking(query=query, candidates=(), best=0.0, lead=0.0, generic=True)
        named, asked_years = places(query), years(query)
        if not asked_years and self._current_year is not None and asks_now(query):
            asked_years = frozenset(range(self._current_year, self._current_year + _NOW_SPAN))
        if named or asked_years:
            plan = self._outside(plan, named, asked_years)
        plan.names_analogia = HOME not in named and self._names_analogia(plan)
        generic = self._is_generic(plan)
        cap = self._thresholds.answer * _GENERIC_CAP if generic else 100.0
        scored = [
            (self._score(entry, plan, topic_hint), entry)
            for entry in self._shortlist(plan)
            if self._documents[entry].id not in exclude and self._about(entry, named, asked_years)
        ]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        lexical = {entry: score for score, entry in scored}
        ranked = self._blend(features(written), scored, topic_hint)
        candidates = tuple(
            Candidate(
                document=self._documents[entry],
                score=round(_clip(lexical[entry], cap), 2),
                model=round(p, 4),
            )
            for _, entry, p in ranked[:limit]
        )
        if not candidates:
            return Ranking(query=query, candidates=(), best=0.0, lead=0.0, generic=generic)
        # The lead is measured on the blended scores, rescaled to the lexical 0-100 range.
        second = max(ranked[1][0], 0.0) if len(ranked) > 1 else 0.0
        lead = (max(ranked[0][0], 0.0) - second) / (1.0 + _MODEL_WEIGHT)
        if len(ranked) > 1:
            fit = abs(lexical[ranked[0][1]] - lexical[ranked[1][1]])
            if fit < _LEXICAL_TIE and not self._covers_more(plan, ranked[0][1], ranked[1][1]):
                lead = min(lead, fit)
        lead = round(lead, 2)
        if self._unnamed(plan, ranked[0][1], candidates[0]):
            # Below the suggest cut-off: "nie wiem" and the coordinator, not a guess.
            demoted = replace(candidates[0], score=_below(self._thresholds.suggest))
            candidates = (demoted, *candidates[1:])
        return Ranking(
            query=query, candidates=candidates, best=candidates[0].score, lead=lead, generic=generic
        )

    def band_of(
        self, score: float, lead: float = math.inf, *, generic: bool = False, unknown: bool = False
    ) -> Band:
        """The band of a best `score` leading the second-best entry by `lead` points."""
        return decide_band(self._thresholds, score, lead, generic=generic, unknown=unknown)

    # --- indexing -------------------------------------------------------------------

    def _read(
        self, index: int, document: Document
    ) -> tuple[list[frozenset[str]], dict[str, float], frozenset[str]]:
        """Keys of one document; fills postings and spelling aliases as a side effect."""
        variant_keys: list[frozenset[str]] = []
        strong: set[str] = set()
        for text in (document.title, *document.phrasings, *document.keywords):
            pairs = surface_tokens(text)
            for key, surface in pairs:
                if surface != key:
                    self._aliases[surface].add(key)
            strong.update(key for key, _ in pairs)
            for key, _ in pairs:
                self._scopes[key].add(document.scope)
            if text not in document.keywords and pairs:
                variant_keys.append(frozenset(key for key, _ in pairs))
        keywords = frozenset(key for phrase in document.keywords for key in tokens(phrase))
        fields = dict.fromkeys(tokens(document.answer), _ANSWER_FACTOR)
        fields.update(dict.fromkeys(strong, 1.0))
        for key, factor in fields.items():
            self._postings[key].append((index, factor))
        return variant_keys, fields, keywords

    # --- querying -------------------------------------------------------------------

    def _plan(self, written: Sequence[tuple[str, str]]) -> _Plan:
        keys = list(dict.fromkeys(key for key, _ in written))
        matches = [self._matches(key) for key in keys]
        weights = [
            self._idf[max(found, key=found.__getitem__)]
            if found
            else (self._place_idf if places(key) else self._unknown_idf)
            for key, found in zip(keys, matches, strict=True)
        ]
        weights = [
            max(weight, _QUESTION_WEIGHT) if key in QUESTION_WORDS else weight
            for key, weight in zip(keys, weights, strict=True)
        ]
        return _Plan(keys, matches, weights)

    def _outside(self, plan: _Plan, named: frozenset[str], asked_years: frozenset[int]) -> _Plan:
        """The plan with every key that only entries about other towns or years contain
        weighed as a key the base never saw: "ile wniosków wpłynęło w 2018?" is no better
        covered by the 2018 entries because an entry about 2023 knows "wpłynąć"."""
        weights = list(plan.weights)
        for index, (key, found) in enumerate(zip(plan.keys, plan.matches, strict=True)):
            if not found or key in QUESTION_WORDS:
                continue
            holders = {entry for match in found for entry, _ in self._postings[match]}
            if not any(self._about(entry, named, asked_years) for entry in holders):
                weights[index] = self._unknown_idf
        return _Plan(plan.keys, plan.matches, weights)

    def _matches(self, key: str) -> dict[str, float]:
        """Index keys matching a query key: itself, or near spellings of an unknown key."""
        if key in self._idf:
            return {key: 1.0}
        cached = self._typo_cache.get(key)
        if cached is not None:
            return cached
        found: dict[str, float] = dict.fromkeys(self._aliases.get(key, ()), 1.0)
        if not found and len(key) >= _TYPO_MIN_LEN and not key.isdigit():
            for spelling, similarity, _ in process.extract(
                key,
                self._spellings,
                scorer=fuzz.ratio,
                limit=_TYPO_LIMIT,
                score_cutoff=_TYPO_CUTOFF,
            ):
                for match in self._keys_spelled(spelling):
                    found[match] = max(found.get(match, 0.0), similarity / 100.0)
        if len(self._typo_cache) >= _TYPO_CACHE_SIZE:
            self._typo_cache.clear()
        self._typo_cache[key] = found
        return found

    def _keys_spelled(self, spelling: str) -> tuple[str, ...] | set[str]:
        """The index keys behind a spelling: the key itself, or the lemmas it was written for."""
        return (spelling,) if spelling in self._idf else self._aliases.get(spelling, set())

    def _shortlist(self, plan: _Plan) -> list[int]:
        """Entries sharing a key with the query, pre-ranked by the query weight they cover.

        Keys found in many entries (question words, "wniosek") only rank entries found
        through rarer keys, unless the query has nothing rarer.
        """
        rare = [
            [(k, s) for k, s in found.items() if len(self._postings[k]) <= self._rare_df]
            for found in plan.matches
        ]
        if not any(rare):
            rare = [list(found.items()) for found in plan.matches]
        covered: dict[int, float] = defaultdict(float)
        for weight, pairs in zip(plan.weights, rare, strict=True):
            best: dict[int, float] = {}
            for key, similarity in pairs:
                for entry, factor in self._postings[key]:
                    value = similarity * factor
                    if value > best.get(entry, 0.0):
                        best[entry] = value
            for entry, value in best.items():
                covered[entry] += weight * value
        top = heapq.nlargest(_SHORTLIST, covered.items(), key=lambda pair: (pair[1], -pair[0]))
        return [entry for entry, _ in top]

    def _is_generic(self, plan: _Plan) -> bool:
        """True when the query names a topic, not a question: at most two known keys besides
        question words, each common to many entries ("nabór", "kiedy wniosek"). "Do kiedy" or
        "od kiedy" asks for a date: "do kiedy nabór?" is a question."""
        if SPAN_KEYS.intersection(plan.keys):
            return False
        matched = [
            found
            for key, found in zip(plan.keys, plan.matches, strict=True)
            if found and key not in QUESTION_WORDS
        ]
        if len(matched) > _GENERIC_MAX_KEYS:
            return False
        return all(
            len(self._postings[key]) >= self._generic_df for found in matched for key in found
        )

    def _blend(
        self, query: Bag, scored: list[tuple[float, int]], topic_hint: str | None
    ) -> list[tuple[float, int, float]]:
        """(blended score, entry, posterior), best first: the lexical score plus the phrasing
        model's posterior among the best lexical candidates (the rest get none)."""
        pool = scored[:_MODEL_POOL]
        entries = [entry for _, entry in pool]
        priors = [
            _TOPIC_PRIOR if self._documents[entry].topic == topic_hint else 1.0 for entry in entries
        ]
        posterior = (
            self._model.posterior(query, entries, priors) if len(pool) > 1 else [0.0] * len(pool)
        )
        blended = [
            (score + _MODEL_WEIGHT * 100.0 * p, entry, p)
            for (score, entry), p in zip(pool, posterior, strict=True)
        ]
        blended.sort(key=lambda item: (-item[0], item[1]))
        return blended + [(score, entry, 0.0) for score, entry in scored[_MODEL_POOL:]]

    def _about(self, index: int, named: frozenset[str], asked_years: frozenset[int]) -> bool:
        """Can the entry answer a question naming these towns and years? A question naming
        Toruń asks about Toruń, even when it names another town to compare ("czy w Toruniu
        też jest 100 % jak w Inowrocławiu?"): an example from another LGD does not answer it.
        A question about another town only is answered only by entries that name it. A
        question naming a year is answered only by entries that name it or no year at all."""
        known_years = self._entries[index].years
        if asked_years and known_years and not asked_years & known_years:
            return False
        if HOME in named:
            return self._documents[index].scope is not Scope.ANALOGIA
        if named:
            return bool(named & self._entries[index].places)
        return True

    def _covers_more(self, plan: _Plan, first: int, second: int) -> bool:
        """True when `first` matches a question word of the query that `second` does not."""
        one, other = self._entries[first].fields, self._entries[second].fields
        return any(key in QUESTION_WORDS and key in one and key not in other for key in plan.keys)

    def _unnamed(self, plan: _Plan, index: int, best: Candidate) -> bool:
        """True when the best entry is a weak match (below _UNNAMED_BELOW) about a named
        thing that the query does not name: "kiedy jest nabór w programie rządowym Senior+?"
        shares "program rządowy" with the „Szkolimy NGO” entry but asks about another
        programme. A known unknown asserts nothing and is exempt."""
        names = self._entries[index].names
        if not names or best.document.is_unknown or best.score >= _UNNAMED_BELOW:
            return False
        return not any(
            key in names and similarity >= _ANALOGIA_SIMILARITY
            for found in plan.matches
            for key, similarity in found.items()
        )

    def _names_analogia(self, plan: _Plan) -> bool:
        """True when the query uses a word that only examples from other LGDs contain."""
        return any(
            self._scopes.get(key) == {Scope.ANALOGIA}
            for found in plan.matches
            for key, similarity in found.items()
            if similarity >= _ANALOGIA_SIMILARITY
        )

    def _score(self, index: int, plan: _Plan, topic_hint: str | None) -> float:
        entry = self._entries[index]
        best_variant = 0.0
        best_fuzz = 0.0
        for variant in entry.variants:
            # A variant sharing no key with the query covers none of it (the common case).
            shared = not variant.keys.isdisjoint(plan.matched)
            query_cover = plan.cover(variant.keys) if shared else 0.0
            if query_cover > 0.0:
                precision = plan.hit_weight(variant.keys, self._idf) / variant.weight
                best_variant = max(best_variant, _f_beta(query_cover, precision))
            best_fuzz = max(best_fuzz, fuzz.token_sort_ratio(plan.text, variant.text))
        score = 100.0 * (_W_VARIANT * best_variant + _W_ENTRY * plan.cover(entry.fields))
        score += _W_FUZZ * best_fuzz + _KEYWORD_BONUS * plan.cover(entry.keywords)
        document = self._documents[index]
        if topic_hint is not None and document.topic == topic_hint:
            score += _TOPIC_BONUS
        # Another LGD's example when Toruń is asked about, or the other way round.
        elsewhere = Scope.TORUN if plan.names_analogia else Scope.ANALOGIA
        if document.scope is elsewhere:
            score -= _ANALOGIA_PENALTY
        return score


@dataclass(frozen=True)
class Ranking:
    """Ranked candidates and the inputs of the band decision.

    `best` is the first candidate's (clipped) score; `lead` is how many points it leads the
    second-best entry by, on the unclipped scores (so a topic hint still separates two
    perfect matches); `generic` marks a query of common words only, which is never answered.
    """

    query: str
    candidates: tuple[Candidate, ...]
    best: float
    lead: float
    generic: bool

    @property
    def runner_up_unknown(self) -> bool:
        """The second candidate is a known unknown too."""
        return runner_up_unknown(self.candidates)


def decide_band(
    thresholds: Thresholds,
    best: float,
    lead: float,
    *,
    generic: bool,
    unknown: bool = False,
    runner_up_unknown: bool = False,
) -> Band:
    """The band of a result: answer directly, suggest the close candidates, or say "nie wiem".

    ANSWER needs a clear winner: a best score >= `answer`, or >= `confident` with a lead of
    >= `margin` points over the second-best entry. Two near-equal candidates (lead < `tie`,
    typically siblings such as the amounts and the dates of one call) are never answered:
    the user picks. A generic query (common words only) names a topic, not a question, and
    is never answered either.

    A clear best candidate that is a known unknown (`unknown`: the base knows it does not
    know this) is given as soon as it reaches `suggest`: its reply asserts no fact, it says
    what is not known yet and offers the coordinator, which is the honest reply whether or
    not it is exactly the entry meant. That holds also when it is near-equal to another
    known unknown (`runner_up_unknown`, e.g. the deadline and the duration of a call whose
    rules are not published yet): whichever was meant, the reply is "not known yet".
    """
    if best < thresholds.suggest:
        return Band.DONT_KNOW
    if generic:
        return Band.SUGGEST
    if unknown and (lead >= thresholds.tie or runner_up_unknown):
        return Band.ANSWER
    if lead < thresholds.tie:
        return Band.SUGGEST
    if best >= thresholds.answer:
        return Band.ANSWER
    if best >= thresholds.confident and lead >= thresholds.margin:
        return Band.ANSWER
    return Band.SUGGEST


def _f_beta(recall: float, precision: float) -> float:
    if recall <= 0.0 or precision <= 0.0:
        return 0.0
    return (1 + _BETA2) * precision * recall / (_BETA2 * precision + recall)


def _latest_call_year(entries: Iterable[tuple[Document, frozenset[int]]]) -> int | None:
    """The present, for "teraz" (knowledge_base.years): the year of the latest Toruń call,
    each call's year being the one its entries (with the years they name) name most ("2023"
    for the pilot call, whose project type also names "2021-2027")."""
    named: dict[str, Counter[int]] = defaultdict(Counter)
    for document, entry_years in entries:
        if document.scope is Scope.TORUN and document.call_code:
            named[document.call_code].update(entry_years)
    call_years = [counts.most_common(1)[0][0] for counts in named.values() if counts]
    return max(call_years, default=None)


def _below(cut_off: float) -> float:
    """The highest two-decimal score under `cut_off` (scores are rounded to two places)."""
    return max(0.0, math.floor(cut_off * 100.0 - 1.0) / 100.0)


def _clip(score: float, cap: float) -> float:
    """Scores are ranked unclipped (a topic hint still orders two perfect matches)."""
    return max(0.0, min(score, cap, 100.0))
