"""Retrieval benchmark: accuracy on the evaluation set, calibrated thresholds, and latency.

Run from the repository root:

    .venv/bin/python bench/retrieval.py            # report for people
    .venv/bin/python bench/retrieval.py --json     # the same figures, machine-readable

Reads the real content (knowledge_base/content/*.yml) and tests/data/retrieval_eval.yml
directly with PyYAML, so it needs no database. Latency is measured with deterministic
filler entries added beside the real ones, up to 100, 1 000 and 10 000 entries.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge_base import text  # noqa: E402
from knowledge_base.context import resolve  # noqa: E402
from knowledge_base.documents import (  # noqa: E402
    Band,
    Document,
    EntryStatus,
    Scope,
    Thresholds,
    runner_up_unknown,
)
from knowledge_base.retrieval import Retriever, decide_band  # noqa: E402

CONTENT = ROOT / "knowledge_base" / "content"
EVAL = ROOT / "tests" / "data" / "retrieval_eval.yml"
SIZES = (100, 1_000, 10_000)
CONVERSATIONS = ROOT / "tests" / "data" / "conversations_eval.yml"
DK_RECALL_TARGET = 0.95
WRONG_RATE_TARGET = 0.03
SEED = 20230509


# --- loading ------------------------------------------------------------------------


def content_at(revision: str, into: Path) -> Path:
    """Write the content files of a git revision into `into` (for calibration on them)."""
    folder = "knowledge_base/content"
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{revision}:{folder}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in names:
        if name.endswith(".yml"):
            text = subprocess.run(
                ["git", "show", f"{revision}:{folder}/{name}"],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            (into / name).write_text(text, encoding="utf-8")
    return into


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def load_documents(folder: Path) -> list[Document]:
    """Minimal YAML -> Document adapter (the real loader validates more)."""
    documents: list[Document] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for row in data.get("faq") or []:
            documents.append(
                Document(
                    id=row["id"],
                    kind="faq",
                    topic=row["topic"],
                    scope=Scope(row["scope"]),
                    status=EntryStatus(row.get("status", "answered")),
                    title=row["question"],
                    phrasings=tuple(row.get("phrasings") or ()),
                    keywords=tuple(str(k) for k in row.get("keywords") or ()),
                    answer=row["answer"],
                    source=row["source"],
                    info_date=_as_date(row["info_date"]),
                    call_code=row.get("call"),
                )
            )
        for row in data.get("guidance") or []:
            documents.append(
                Document(
                    id=row["id"],
                    kind="guidance",
                    topic=row["topic"],
                    scope=Scope(row["scope"]),
                    status=EntryStatus.ANSWERED,
                    title=row["title"],
                    phrasings=tuple(row.get("phrasings") or ()),
                    keywords=tuple(str(k) for k in row.get("keywords") or ()),
                    answer=row["body"],
                    source=row["source"],
                    info_date=_as_date(row["info_date"]),
                )
            )
    return documents


@dataclass(frozen=True)
class EvalItem:
    text: str
    expected: str | None
    kind: str
    topic_hint: str | None = None


def load_eval(path: Path) -> list[EvalItem]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(rows, dict):
        rows = rows.get("items") or rows.get("queries") or []
    return [EvalItem(str(r["text"]), r.get("expected"), str(r.get("kind", "?"))) for r in rows]


def intent_topics() -> dict[str, str]:
    """The action's intent -> topic hint map (actions/knowledge.py), the single source."""
    from actions.knowledge import INTENT_TOPICS

    return dict(INTENT_TOPICS)


def _conversation_item(turn: dict[str, Any], topics: dict[str, str]) -> EvalItem | None:
    """A knowledge-base question, a don't-know or an off-topic message; None for the rest."""
    expect = turn.get("expect") or {}
    hint = topics.get(str(expect.get("intent")))
    if "answer" in expect:
        return EvalItem(str(turn["text"]), str(expect["answer"]), "answer", hint)
    if "unknown" in expect:
        return EvalItem(str(turn["text"]), str(expect["unknown"]), "unknown", hint)
    if expect.get("dont_know"):
        return EvalItem(str(turn["text"]), None, "dont_know", hint)
    if expect.get("offtopic"):
        return EvalItem(str(turn["text"]), None, "offtopic", hint)
    return None


def load_conversations(
    path: Path, *, hints: bool = True
) -> tuple[list[EvalItem], list[list[EvalItem | None]]]:
    """Single messages and dialogue turns of the held-out conversation set.

    The topic hint is the one the action passes for the labelled intent (`expect.intent`);
    with `hints=False` none is passed.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    topics = intent_topics() if hints else {}
    messages = [_conversation_item(m, topics) for m in data.get("messages") or []]
    dialogues = [
        [_conversation_item(turn, topics) for turn in dialogue.get("turns") or []]
        for dialogue in data.get("dialogues") or []
    ]
    return [m for m in messages if m is not None], dialogues


# --- filler -------------------------------------------------------------------------

_REAL_WORDS = [
    "projekt",
    "program",
    "fundusz",
    "dotacja",
    "grant",
    "konkurs",
    "ogłoszenie",
    "umowa",
    "rozliczenie",
    "sprawozdanie",
    "budżet",
    "harmonogram",
    "wydatek",
    "faktura",
    "koszt",
    "rachunek",
    "przelew",
    "zaliczka",
    "transza",
    "kontrola",
    "audyt",
    "partner",
    "partnerstwo",
    "gmina",
    "powiat",
    "województwo",
    "miasto",
    "dzielnica",
    "osiedle",
    "szkoła",
    "przedszkole",
    "biblioteka",
    "świetlica",
    "klub",
    "senior",
    "młodzież",
    "dziecko",
    "rodzina",
    "wolontariusz",
    "stowarzyszenie",
    "fundacja",
    "spółdzielnia",
    "parafia",
    "kościół",
    "sport",
    "kultura",
    "teatr",
    "muzeum",
    "festiwal",
    "koncert",
    "warsztat",
    "szkolenie",
    "kurs",
    "doradztwo",
    "mentoring",
    "coaching",
    "praca",
    "zatrudnienie",
    "staż",
    "bezrobotny",
    "niepełnosprawny",
    "opiekun",
    "asystent",
    "terapeuta",
    "lekarz",
    "zdrowie",
    "profilaktyka",
    "ekologia",
    "środowisko",
    "zieleń",
    "drzewo",
    "rower",
    "transport",
    "autobus",
    "parking",
    "remont",
    "budowa",
    "lokal",
    "sala",
    "sprzęt",
    "komputer",
    "internet",
    "strona",
    "aplikacja",
    "promocja",
    "plakat",
    "ulotka",
    "media",
    "reklama",
    "ankieta",
    "badanie",
    "raport",
    "analiza",
    "diagnoza",
    "potrzeba",
    "problem",
    "rozwiązanie",
    "pomysł",
    "zmiana",
    "rezultat",
    "wskaźnik",
    "produkt",
    "usługa",
    "uczestnik",
    "odbiorca",
    "beneficjent",
    "realizator",
    "lider",
    "regulamin",
    "załącznik",
    "formularz",
    "podpis",
    "pieczęć",
    "pełnomocnictwo",
    "statut",
    "krs",
    "nip",
    "regon",
    "spotkanie",
    "wizyta",
    "wycieczka",
    "obóz",
    "kolonia",
    "piknik",
    "festyn",
    "jarmark",
    "wystawa",
    "konferencja",
    "gazeta",
    "radio",
    "telewizja",
    "film",
    "zdjęcie",
    "muzyka",
    "taniec",
    "plastyka",
    "rękodzieło",
    "kuchnia",
    "ogród",
]

_ONSETS = [
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "w",
    "z",
    "ch",
    "cz",
    "sz",
    "rz",
    "dz",
    "br",
    "kr",
    "pr",
    "st",
    "tr",
    "gr",
    "pl",
    "sk",
    "sp",
    "zw",
]
_VOWELS = ["a", "e", "i", "o", "u", "y", "a", "e", "o", "ie", "ia"]
_ENDINGS = [
    "ek",
    "ka",
    "ność",
    "anie",
    "enie",
    "owy",
    "ny",
    "ski",
    "cja",
    "stwo",
    "arz",
    "ista",
    "ować",
    "ić",
]
_TOPICS = [
    "nabor",
    "terminy",
    "kwoty",
    "uprawnieni",
    "dokumenty",
    "ocena",
    "protest",
    "koszty",
    "innowacje",
    "lgd",
    "kontakt",
    "wydarzenia",
    "programy",
]
_QUESTION_STARTS = (
    "czy można",
    "jak",
    "kiedy",
    "ile",
    "kto",
    "gdzie",
    "co z",
    "jakie są",
    "czy trzeba",
    "czy da się",
)


def _pseudo_words(rng: random.Random, count: int) -> list[str]:
    found: set[str] = set()
    while len(found) < count:
        syllables = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 3))
        )
        found.add(syllables + rng.choice(_ENDINGS))
    return sorted(found)


def filler_documents(count: int, seed: int = SEED) -> list[Document]:
    """Deterministic Polish-looking entries: real common words mixed with invented ones."""
    rng = random.Random(seed)
    vocabulary = _REAL_WORDS + _pseudo_words(rng, 6000)
    # Zipf-like draw: a few words are common, most are rare, as in real content.
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(vocabulary))]
    order = list(vocabulary)
    rng.shuffle(order)

    def phrase(low: int, high: int) -> str:
        return " ".join(rng.choices(order, weights, k=rng.randint(low, high)))

    documents = []
    for number in range(count):
        title = f"{rng.choice(_QUESTION_STARTS)} {phrase(3, 7)}?"
        phrasings = tuple(
            f"{rng.choice(_QUESTION_STARTS)} {phrase(2, 7)}" for _ in range(rng.randint(3, 6))
        )
        documents.append(
            Document(
                id=f"filler-{number:05d}",
                kind="faq",
                topic=rng.choice(_TOPICS),
                scope=Scope.OGOLNE,
                status=EntryStatus.ANSWERED,
                title=title,
                phrasings=phrasings,
                keywords=tuple(phrase(1, 2) for _ in range(rng.randint(2, 4))),
                answer=phrase(20, 40),
                source="filler",
                info_date=date(2024, 1, 1),
            )
        )
    return documents


# --- accuracy -----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the retriever found for one item, and what its band depends on."""

    item: EvalItem
    best_id: str | None
    best_score: float
    lead: float
    generic: bool
    ranked_ids: tuple[str, ...]
    best_unknown: bool = False
    runner_up_unknown: bool = False

    @property
    def right_entry(self) -> bool:
        return self.item.expected is not None and self.best_id == self.item.expected


def run_eval(retriever: Retriever, items: Sequence[EvalItem]) -> list[Outcome]:
    outcomes = []
    for item in items:
        ranking = retriever.rank(item.text, limit=3, topic_hint=item.topic_hint)
        best = ranking.candidates[0] if ranking.candidates else None
        outcomes.append(
            Outcome(
                item=item,
                best_id=best.document.id if best else None,
                best_score=ranking.best,
                lead=ranking.lead,
                generic=ranking.generic,
                ranked_ids=tuple(c.document.id for c in ranking.candidates),
                best_unknown=best is not None and best.document.is_unknown,
                runner_up_unknown=ranking.runner_up_unknown,
            )
        )
    return outcomes


def band_of(outcome: Outcome, thresholds: Thresholds) -> Band:
    if outcome.best_id is None:
        return Band.DONT_KNOW
    return decide_band(
        thresholds,
        outcome.best_score,
        outcome.lead,
        generic=outcome.generic,
        unknown=outcome.best_unknown,
        runner_up_unknown=outcome.runner_up_unknown,
    )


def _is_correct(outcome: Outcome, thresholds: Thresholds) -> bool:
    """Band-aware top-1: the right entry answered or suggested first; "nie wiem" if none."""
    band = band_of(outcome, thresholds)
    if outcome.item.expected is None:
        return band is Band.DONT_KNOW
    return band is not Band.DONT_KNOW and outcome.right_entry


def _is_direct(outcome: Outcome, thresholds: Thresholds) -> bool:
    """Answered directly (ANSWER band) with the right entry; "nie wiem" if none."""
    band = band_of(outcome, thresholds)
    if outcome.item.expected is None:
        return band is Band.DONT_KNOW
    return band is Band.ANSWER and outcome.right_entry


def _is_honest(outcome: Outcome, thresholds: Thresholds) -> bool:
    """A question the base cannot answer (not in it, or a known unknown) got an honest reply
    with the coordinator offered: "nie wiem", or the known unknown it asks about (for one not
    in the base, any known unknown: it asserts no fact). As bench/eval_conversations.py judges.
    """
    band = band_of(outcome, thresholds)
    if band is Band.DONT_KNOW:
        return True
    if band is not Band.ANSWER or not outcome.best_unknown:
        return False
    return outcome.item.expected is None or outcome.right_entry


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def metrics_of(pairs: Sequence[tuple[Outcome, Thresholds]]) -> dict[str, Any]:
    """Every accuracy figure of the report; each outcome is banded with its own thresholds."""
    answerable = [(o, t) for o, t in pairs if o.item.expected is not None]
    unanswerable = [(o, t) for o, t in pairs if o.item.expected is None]
    bands = [band_of(o, t) for o, t in pairs]
    answered = [o for (o, _), b in zip(pairs, bands, strict=True) if b is Band.ANSWER]
    dont_know = [o for (o, _), b in zip(pairs, bands, strict=True) if b is Band.DONT_KNOW]
    wrong = sum(not o.right_entry for o in answered)
    cannot = [(o, t) for o, t in pairs if o.item.expected is None or o.item.kind == "unknown"]
    per_kind: dict[str, list[tuple[Outcome, Thresholds]]] = defaultdict(list)
    for pair in pairs:
        per_kind[pair[0].item.kind].append(pair)

    def kind_row(rows: list[tuple[Outcome, Thresholds]]) -> dict[str, Any]:
        if rows[0][0].item.expected is None:
            return {
                "n": len(rows),
                "dont_know": _share(sum(_is_direct(*r) for r in rows), len(rows)),
            }
        return {
            "n": len(rows),
            "direct": _share(sum(_is_direct(*r) for r in rows), len(rows)),
            "top1": _share(sum(_is_correct(*r) for r in rows), len(rows)),
        }

    return {
        "items": len(pairs),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "direct_correct": _share(sum(_is_direct(o, t) for o, t in answerable), len(answerable)),
        "top1": _share(sum(_is_correct(o, t) for o, t in answerable), len(answerable)),
        "top1_ranking": _share(sum(o.right_entry for o, _ in answerable), len(answerable)),
        "top3_ranking": _share(
            sum(o.item.expected in o.ranked_ids for o, _ in answerable), len(answerable)
        ),
        "answered": len(answered),
        "answer_band_rate": _share(len(answered), len(pairs)),
        "wrong_answers": wrong,
        "wrong_answer_rate": _share(wrong, len(answered)),
        # Wrong answers that state a fact (not a known unknown's "not known yet").
        "wrong_facts": sum(not o.right_entry and not o.best_unknown for o in answered),
        "suggest_rate": _share(bands.count(Band.SUGGEST), len(pairs)),
        "suggest_rate_answerable": _share(
            sum(band_of(o, t) is Band.SUGGEST for o, t in answerable), len(answerable)
        ),
        "dont_know_recall": _share(
            sum(band_of(o, t) is Band.DONT_KNOW for o, t in unanswerable), len(unanswerable)
        ),
        "honest_unknown": _share(sum(_is_honest(o, t) for o, t in cannot), len(cannot)),
        "dont_know_precision": _share(
            sum(o.item.expected is None for o in dont_know), len(dont_know)
        ),
        "per_kind": {kind: kind_row(rows) for kind, rows in sorted(per_kind.items())},
    }


def metrics(outcomes: Sequence[Outcome], thresholds: Thresholds) -> dict[str, Any]:
    return metrics_of([(o, thresholds) for o in outcomes])


# --- calibration --------------------------------------------------------------------

# Grids searched for the answer-band parameters (points of the 0–100 score).
ANSWER_GRID = (*range(50, 101), 101)  # 101: only the margin rule answers
MARGIN_GRID = tuple(range(31))
TIE_GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
# Robustness: a setting is scored as if every right answer scored this much lower (and
# led by this much less), and every wrong one this much higher: the chosen cut-offs keep
# a gap on both sides instead of touching the nearest training item.
ROBUST_POINTS = 1.0


def _grid() -> list[float]:
    return [step / 2 for step in range(201)]


def _plateau_middle(feasible: list[float], value: dict[float, float]) -> float:
    """Middle of the run of feasible cut-offs that share the best value (margin both ways)."""
    best = max(value[c] for c in feasible)
    start = min(c for c in feasible if value[c] == best)
    run = [start]
    for cut in _grid():
        if cut > start and cut in value and value[cut] == best:
            run.append(cut)
        elif cut > start:
            break
    return run[len(run) // 2]


def _calibrate_suggest(outcomes: Sequence[Outcome]) -> float:
    """Suggest cut-off: most right top-1 answers with don't-know recall >= 95 %."""
    answerable = [o for o in outcomes if o.item.expected is not None]
    unanswerable = [o for o in outcomes if o.item.expected is None]
    top1: dict[float, float] = {}
    for cut in _grid():
        dk = sum(o.best_score < cut for o in unanswerable) / max(len(unanswerable), 1)
        if dk >= DK_RECALL_TARGET:
            top1[cut] = sum(o.best_score >= cut and o.right_entry for o in answerable)
    return _plateau_middle(list(top1), top1) if top1 else 100.0


def _at_least(leads: Sequence[float]) -> list[int]:
    """How many of `leads` are >= each margin of MARGIN_GRID (integers from 0)."""
    top = len(MARGIN_GRID) - 1
    counts = [0] * len(MARGIN_GRID)
    for lead in leads:
        counts[min(top, max(0, math.floor(lead)))] += 1
    for index in range(top - 1, -1, -1):
        counts[index] += counts[index + 1]
    return counts


def _calibrate_answer(outcomes: Sequence[Outcome], suggest: float) -> Thresholds:
    """Answer-band cut-offs: most right direct answers with <= 3 % of the answers wrong.

    Searches `answer`, `confident`, `margin` and `tie` on their grids. Each setting is
    judged pessimistically (see ROBUST_POINTS): right answers are counted with their score
    and lead lowered, wrong ones with them raised. Among equally good settings the middle
    one (in the order answer, confident, margin, tie) is taken.
    """
    d = ROBUST_POINTS
    pool = [o for o in outcomes if o.best_id is not None and not o.generic]
    rights = [(o.best_score, o.lead) for o in pool if o.right_entry]
    wrongs = [(o.best_score, o.lead) for o in pool if not o.right_entry]
    low = math.ceil(suggest)
    best_key: tuple[int, int, int] | None = None
    best_settings: list[tuple[float, float, float, float]] = []
    for tie in TIE_GRID:
        # Pessimistic views: right rows lowered by d, wrong rows raised by d.
        right = [(s - d, lead - d) for s, lead in rights if lead - d >= tie and s - d >= suggest]
        wrong = [(s + d, lead + d) for s, lead in wrongs if lead + d >= tie and s + d >= suggest]
        exact = [(s, lead) for s, lead in rights if lead >= tie and s >= suggest]
        for answer in ANSWER_GRID:
            right_high = sum(s >= answer for s, _ in right)
            wrong_high = sum(s >= answer for s, _ in wrong)
            exact_high = sum(s >= answer for s, _ in exact)
            for confident in range(low, min(answer, 100) + 1):
                right_mid = _at_least([lead for s, lead in right if confident <= s < answer])
                wrong_mid = _at_least([lead for s, lead in wrong if confident <= s < answer])
                exact_mid = _at_least([lead for s, lead in exact if confident <= s < answer])
                for index, margin in enumerate(MARGIN_GRID):
                    good = right_high + right_mid[index]
                    bad = wrong_high + wrong_mid[index]
                    if bad > WRONG_RATE_TARGET * (good + bad):
                        continue
                    key = (good, exact_high + exact_mid[index], -bad)
                    setting = (float(answer), float(confident), float(margin), tie)
                    if best_key is None or key > best_key:
                        best_key, best_settings = key, [setting]
                    elif key == best_key:
                        best_settings.append(setting)
    if not best_settings:
        return Thresholds(answer=101.0, suggest=suggest, confident=101.0, margin=0.0, tie=0.0)
    answer, confident, margin, tie = sorted(best_settings)[len(best_settings) // 2]
    return Thresholds(answer=answer, suggest=suggest, confident=confident, margin=margin, tie=tie)


def calibrate(outcomes: Sequence[Outcome]) -> Thresholds:
    """Suggest cut-off for don't-know recall, then the answer band for direct answers."""
    return _calibrate_answer(outcomes, _calibrate_suggest(outcomes))


def fold_indices(count: int, folds: int = 5) -> list[list[int]]:
    """A fixed random split of item positions into `folds` parts."""
    order = list(range(count))
    random.Random(SEED).shuffle(order)
    return [order[fold::folds] for fold in range(folds)]


def cross_validated(
    outcomes: Sequence[Outcome],
    folds: int = 5,
    *,
    calibrate_on: Sequence[Outcome] | None = None,
) -> dict[str, Any]:
    """Held-out figures: thresholds calibrated on k-1 folds, measured on the last.

    `calibrate_on` (the same items, searched in another version of the content) is what
    the thresholds are calibrated on, when not `outcomes` themselves.
    """
    source = outcomes if calibrate_on is None else calibrate_on
    parts = fold_indices(len(outcomes), folds)
    held_out: list[tuple[Outcome, Thresholds]] = []
    chosen = []
    for fold, test in enumerate(parts):
        train = [source[i] for other, part in enumerate(parts) if other != fold for i in part]
        thresholds = calibrate(train)
        chosen.append(asdict(thresholds))
        held_out.extend((outcomes[i], thresholds) for i in test)
    return {"folds": folds, "thresholds": chosen, "metrics": metrics_of(held_out)}


# --- latency ------------------------------------------------------------------------


def _clear_text_caches() -> None:
    text.key_of.cache_clear()
    text.lemma.cache_clear()
    text.restore_diacritics.cache_clear()


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _timed(retriever: Retriever, queries: Sequence[str]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each search (CPU time ignores other processes)."""
    wall: list[float] = []
    cpu: list[float] = []
    for query in queries:
        started, started_cpu = time.perf_counter(), time.thread_time()
        retriever.search(query)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return wall, cpu


def latency(
    documents: Sequence[Document], queries: Sequence[str], size: int, rounds: int = 5
) -> dict[str, Any]:
    """Build an index of `size` entries (real + filler) and time every query.

    "cold" is the first pass after clearing the word caches (every word lemmatised, every
    typo looked up); "warm" is the next `rounds` passes.
    """
    filler = filler_documents(max(0, size - len(documents)))
    corpus = list(documents)[:size] + filler
    _clear_text_caches()
    started, started_cpu = time.perf_counter(), time.thread_time()
    retriever = Retriever(corpus, Thresholds())
    build_s, build_cpu_s = time.perf_counter() - started, time.thread_time() - started_cpu
    _clear_text_caches()
    cold, cold_cpu = _timed(retriever, queries)
    warm: list[float] = []
    warm_cpu: list[float] = []
    for _ in range(rounds):
        wall, cpu = _timed(retriever, queries)
        warm.extend(wall)
        warm_cpu.extend(cpu)

    def ms(values: Sequence[float], share: float) -> float:
        return round(_percentile(values, share), 3)

    return {
        "entries": len(corpus),
        "build_s": round(build_s, 2),
        "build_cpu_s": round(build_cpu_s, 2),
        "queries": len(queries),
        "p50_ms": ms(warm, 0.50),
        "p95_ms": ms(warm, 0.95),
        "max_ms": round(max(warm), 3),
        "cpu_p50_ms": ms(warm_cpu, 0.50),
        "cpu_p95_ms": ms(warm_cpu, 0.95),
        "cold_p50_ms": ms(cold, 0.50),
        "cold_p95_ms": ms(cold, 0.95),
        "cold_cpu_p95_ms": ms(cold_cpu, 0.95),
    }


def latency_queries(items: Sequence[EvalItem], documents: Sequence[Document]) -> list[str]:
    """The evaluation questions plus real phrasings with a typo, for a wider vocabulary."""
    rng = random.Random(SEED)
    queries = [item.text for item in items]
    for document in documents:
        for phrasing in document.phrasings[:2]:
            if len(phrasing) > 4:
                cut = rng.randrange(1, len(phrasing) - 1)
                queries.append(phrasing[:cut] + phrasing[cut + 1 :])
    return queries


# --- held-out conversations -----------------------------------------------------------


def run_dialogues(
    retriever: Retriever,
    dialogues: Sequence[Sequence[EvalItem | None]],
    documents: Sequence[Document] = (),
) -> list[Outcome]:
    """Dialogue turns searched as the Answerer does (knowledge_base.context.resolve): a
    follow-up ("a ile mam na to dni?") is also searched in the context of the entry given
    last (answered or a known unknown), and the better result kept. Turns that are not
    knowledge-base questions are skipped; the previous entry stays until another is given."""
    outcomes: list[Outcome] = []
    for dialogue in dialogues:
        previous: Document | None = None
        for item in dialogue:
            if item is None:
                continue
            result = resolve(
                retriever.search,
                item.text,
                topic_hint=item.topic_hint,
                previous=previous,
                documents=documents,
            )
            best = result.best
            outcome = Outcome(
                item=item,
                best_id=best.document.id if best else None,
                best_score=best.score if best else 0.0,
                lead=result.lead,
                generic=result.generic,
                ranked_ids=tuple(c.document.id for c in result.candidates),
                best_unknown=best is not None and best.document.is_unknown,
                runner_up_unknown=runner_up_unknown(result.candidates),
            )
            outcomes.append(outcome)
            if best is not None and result.band is Band.ANSWER:
                previous = best.document
    return outcomes


def held_out(documents: Sequence[Document], path: Path, thresholds: Thresholds) -> dict[str, Any]:
    """Retrieval figures on the held-out conversation set (never used for calibration)."""
    retriever = Retriever(documents, thresholds)
    messages, dialogues = load_conversations(path)
    plain, _ = load_conversations(path, hints=False)
    message_outcomes = run_eval(retriever, messages)
    dialogue_outcomes = run_dialogues(retriever, dialogues, documents)
    misses = [
        {
            "text": o.item.text,
            "kind": o.item.kind,
            "expected": o.item.expected,
            "got": o.best_id,
            "score": o.best_score,
            "lead": o.lead,
            "band": band_of(o, thresholds).value,
        }
        for o in message_outcomes + dialogue_outcomes
        if not _is_direct(o, thresholds)
    ]
    return {
        "thresholds": asdict(thresholds),
        "messages": metrics(message_outcomes, thresholds),
        "messages_without_hint": metrics(run_eval(retriever, plain), thresholds),
        "dialogue_turns": metrics(dialogue_outcomes, thresholds),
        "eval_mirror": eval_mirror(message_outcomes + dialogue_outcomes, thresholds),
        "misses": misses,
    }


def eval_mirror(outcomes: Sequence[Outcome], thresholds: Thresholds) -> dict[str, Any]:
    """The two knowledge-base figures of `make eval` (bench/eval_conversations.py judge()),
    over messages and dialogue turns together: answers given directly with the expected
    entry, and unknowns (known unknowns and questions not in the base) answered honestly
    with the coordinator offered. Off-topic messages are the NLU's part and left out."""
    answers = [o for o in outcomes if o.item.kind == "answer"]
    unknowns = [o for o in outcomes if o.item.kind in {"unknown", "dont_know"}]
    right = sum(_is_direct(o, thresholds) for o in answers)
    honest = sum(_is_honest(o, thresholds) for o in unknowns)
    return {
        "answer": {"hits": right, "total": len(answers), "rate": _share(right, len(answers))},
        "dont_know": {
            "hits": honest,
            "total": len(unknowns),
            "rate": _share(honest, len(unknowns)),
        },
    }


# --- report -------------------------------------------------------------------------


def _miss(outcome: Outcome, thresholds: Thresholds) -> dict[str, Any]:
    return {
        "text": outcome.item.text,
        "kind": outcome.item.kind,
        "expected": outcome.item.expected,
        "got": outcome.best_id,
        "score": outcome.best_score,
        "lead": outcome.lead,
        "band": band_of(outcome, thresholds).value,
    }


def report(args: argparse.Namespace) -> dict[str, Any]:
    documents = load_documents(args.content)
    items = load_eval(args.eval)
    current = Thresholds()
    if args.answer is not None:
        current = Thresholds(
            answer=args.answer,
            suggest=args.suggest,
            confident=args.answer if args.confident is None else args.confident,
            margin=args.margin,
            tie=args.tie,
        )
    retriever = Retriever(documents, current)
    outcomes = run_eval(retriever, items)
    calibrated = calibrate(outcomes)
    result: dict[str, Any] = {
        "documents": len(documents),
        "eval_kinds": dict(Counter(i.kind for i in items)),
        "thresholds_default": asdict(current),
        "metrics_default": metrics(outcomes, current),
        "thresholds_calibrated": asdict(calibrated),
        "metrics_calibrated": metrics(outcomes, calibrated),
        "cross_validated": cross_validated(outcomes),
        "misses_default": [_miss(o, current) for o in outcomes if not _is_direct(o, current)],
    }
    if args.calibrate_at:
        with tempfile.TemporaryDirectory() as folder:
            earlier = load_documents(content_at(args.calibrate_at, Path(folder)))
        unseen = run_eval(Retriever(earlier, current), items)
        chosen = calibrate(unseen)
        result["calibrated_at"] = {
            "revision": args.calibrate_at,
            "thresholds": asdict(chosen),
            "metrics_there": metrics(unseen, chosen),
            "metrics_here": metrics(outcomes, chosen),
            "cross_validated": cross_validated(outcomes, calibrate_on=unseen),
        }
    if not args.no_held_out:
        result["held_out"] = held_out(documents, args.conversations, current)
    if not args.no_latency:
        queries = latency_queries(items, documents)
        result["latency"] = [latency(documents, queries, size) for size in args.sizes]
    return result


_HEADLINE = (
    "direct_correct",
    "top1",
    "top1_ranking",
    "top3_ranking",
    "answered",
    "answer_band_rate",
    "wrong_answers",
    "wrong_answer_rate",
    "wrong_facts",
    "suggest_rate",
    "suggest_rate_answerable",
    "dont_know_recall",
    "honest_unknown",
    "dont_know_precision",
)


def _print_metrics(figures: dict[str, Any]) -> None:
    print(
        f"  items {figures['items']} ({figures['answerable']} answerable, "
        f"{figures['unanswerable']} not)"
    )
    for key in _HEADLINE:
        print(f"  {key:24} {figures[key]}")
    for kind, row in figures["per_kind"].items():
        rest = ", ".join(f"{k} {v}" for k, v in row.items() if k != "n")
        print(f"  kind {kind:19} n={row['n']:3}  {rest}")


def _print_misses(title: str, misses: Sequence[dict[str, Any]]) -> None:
    if not misses:
        return
    print(f"\n{title}:")
    for miss in misses:
        print(
            f"  [{miss['kind']}] {miss['text']!r}: expected {miss['expected']}, got "
            f"{miss['got']} {miss['score']} lead {miss['lead']} ({miss['band']})"
        )


def _thresholds_line(thresholds: dict[str, float]) -> str:
    return ", ".join(f"{key} {value:g}" for key, value in thresholds.items())


def print_report(result: dict[str, Any]) -> None:
    print(f"documents: {result['documents']}, eval kinds: {result['eval_kinds']}")
    for name in ("default", "calibrated"):
        print(f"\n== thresholds {name}: {_thresholds_line(result[f'thresholds_{name}'])}")
        _print_metrics(result[f"metrics_{name}"])
    cv = result["cross_validated"]
    print(f"\n== {cv['folds']}-fold cross-validated (thresholds from the other folds)")
    for fold, thresholds in enumerate(cv["thresholds"], start=1):
        print(f"  fold {fold}: {_thresholds_line(thresholds)}")
    _print_metrics(cv["metrics"])
    if "calibrated_at" in result:
        at = result["calibrated_at"]
        print(
            f"\n== calibrated on the content of {at['revision']} (the eval set unseen by it): "
            f"{_thresholds_line(at['thresholds'])}"
        )
        print(f"-- there ({at['revision']} content)")
        _print_metrics(at["metrics_there"])
        print("-- here (this content)")
        _print_metrics(at["metrics_here"])
        cv = at["cross_validated"]
        print(f"-- here, {cv['folds']}-fold cross-validated (calibrated there on the other folds)")
        for fold, thresholds in enumerate(cv["thresholds"], start=1):
            print(f"  fold {fold}: {_thresholds_line(thresholds)}")
        _print_metrics(cv["metrics"])
    _print_misses("not answered directly with default thresholds", result["misses_default"])
    if "held_out" in result:
        ho = result["held_out"]
        print(f"\n== held-out conversations, thresholds {_thresholds_line(ho['thresholds'])}")
        for part in ("messages", "messages_without_hint", "dialogue_turns"):
            print(f"-- {part}")
            _print_metrics(ho[part])
        mirror = ho["eval_mirror"]
        print("-- as `make eval` judges (messages and dialogue turns)")
        for name, row in mirror.items():
            print(f"  {name:24} {row['rate']} ({row['hits']}/{row['total']})")
        _print_misses("held-out: not answered directly", ho["misses"])
    for row in result.get("latency", []):
        print(
            f"\nlatency @ {row['entries']} entries ({row['queries']} queries): build "
            f"{row['build_s']} s ({row['build_cpu_s']} s CPU); warm p50 {row['p50_ms']} ms, "
            f"p95 {row['p95_ms']} ms, max {row['max_ms']} ms; warm CPU p50 "
            f"{row['cpu_p50_ms']} ms, p95 {row['cpu_p95_ms']} ms; cold p50 "
            f"{row['cold_p50_ms']} ms, p95 {row['cold_p95_ms']} ms "
            f"(CPU {row['cold_cpu_p95_ms']} ms)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--content", type=Path, default=CONTENT)
    parser.add_argument(
        "--content-at",
        metavar="REV",
        help="use the content files of this git revision instead of --content",
    )
    parser.add_argument("--eval", type=Path, default=EVAL)
    parser.add_argument("--conversations", type=Path, default=CONVERSATIONS)
    parser.add_argument(
        "--answer", type=float, help="answer threshold to report (default: Thresholds())"
    )
    parser.add_argument("--suggest", type=float, help="suggest threshold to report")
    parser.add_argument("--confident", type=float, help="confident threshold (default: answer)")
    parser.add_argument("--margin", type=float, default=0.0, help="lead needed when confident")
    parser.add_argument("--tie", type=float, default=0.0, help="lead below which never answer")
    parser.add_argument(
        "--calibrate-at",
        metavar="REV",
        help="also calibrate on the content of this git revision and report it on this one",
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--no-latency", action="store_true", help="skip the latency runs")
    parser.add_argument(
        "--no-held-out", action="store_true", help="skip the held-out conversation set"
    )
    args = parser.parse_args(argv)
    if args.answer is not None and args.suggest is None:
        parser.error("--answer needs --suggest")
    with tempfile.TemporaryDirectory() as folder:
        if args.content_at:
            args.content = content_at(args.content_at, Path(folder))
        result = report(args)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_report(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
