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
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge_base import text  # noqa: E402
from knowledge_base.documents import (  # noqa: E402
    Band,
    Document,
    EntryStatus,
    Scope,
    SearchResult,
    Thresholds,
)
from knowledge_base.retrieval import Retriever  # noqa: E402

CONTENT = ROOT / "knowledge_base" / "content"
EVAL = ROOT / "tests" / "data" / "retrieval_eval.yml"
SIZES = (100, 1_000, 10_000)
DK_RECALL_TARGET = 0.95
ANSWER_PRECISION_TARGET = 0.97
SEED = 20230509


# --- loading ------------------------------------------------------------------------


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


def load_eval(path: Path) -> list[EvalItem]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(rows, dict):
        rows = rows.get("items") or rows.get("queries") or []
    return [EvalItem(str(r["text"]), r.get("expected"), str(r.get("kind", "?"))) for r in rows]


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
    item: EvalItem
    best_id: str | None
    best_score: float
    ranked_ids: tuple[str, ...]


def run_eval(retriever: Retriever, items: Sequence[EvalItem]) -> list[Outcome]:
    outcomes = []
    for item in items:
        result: SearchResult = retriever.search(item.text, limit=3)
        best = result.best
        outcomes.append(
            Outcome(
                item=item,
                best_id=best.document.id if best else None,
                best_score=best.score if best else 0.0,
                ranked_ids=tuple(c.document.id for c in result.candidates),
            )
        )
    return outcomes


def band_of(score: float, thresholds: Thresholds) -> Band:
    if score >= thresholds.answer:
        return Band.ANSWER
    if score >= thresholds.suggest:
        return Band.SUGGEST
    return Band.DONT_KNOW


def _is_correct(outcome: Outcome, thresholds: Thresholds) -> bool:
    band = band_of(outcome.best_score, thresholds)
    if outcome.item.expected is None:
        return band is Band.DONT_KNOW
    return band is not Band.DONT_KNOW and outcome.best_id == outcome.item.expected


def metrics(outcomes: Sequence[Outcome], thresholds: Thresholds) -> dict[str, Any]:
    """Every accuracy figure of the report, for one set of thresholds."""
    answerable = [o for o in outcomes if o.item.expected is not None]
    unanswerable = [o for o in outcomes if o.item.expected is None]
    bands = [band_of(o.best_score, thresholds) for o in outcomes]
    dont_know = [o for o, b in zip(outcomes, bands, strict=True) if b is Band.DONT_KNOW]
    answered = [o for o, b in zip(outcomes, bands, strict=True) if b is Band.ANSWER]
    per_kind: dict[str, list[bool]] = defaultdict(list)
    for outcome in outcomes:
        per_kind[outcome.item.kind].append(_is_correct(outcome, thresholds))

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        "items": len(outcomes),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "top1": share(sum(_is_correct(o, thresholds) for o in answerable), len(answerable)),
        "top1_ranking": share(
            sum(o.best_id == o.item.expected for o in answerable), len(answerable)
        ),
        "top3_ranking": share(
            sum(o.item.expected in o.ranked_ids for o in answerable), len(answerable)
        ),
        "answer_band_rate": share(len(answered), len(outcomes)),
        "answer_precision": share(
            sum(o.best_id == o.item.expected for o in answered), len(answered)
        ),
        "wrong_answers": sum(o.best_id != o.item.expected for o in answered),
        "suggest_rate": share(bands.count(Band.SUGGEST), len(outcomes)),
        "dont_know_precision": share(
            sum(o.item.expected is None for o in dont_know), len(dont_know)
        ),
        "dont_know_recall": share(
            sum(band_of(o.best_score, thresholds) is Band.DONT_KNOW for o in unanswerable),
            len(unanswerable),
        ),
        "per_kind": {
            kind: {"n": len(flags), "accuracy": share(sum(flags), len(flags))}
            for kind, flags in sorted(per_kind.items())
        },
    }


# --- calibration --------------------------------------------------------------------


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


def calibrate(outcomes: Sequence[Outcome]) -> Thresholds:
    """Suggest cut-off: most correct top-1 with don't-know recall >= 95 %.

    Answer cut-off (>= suggest): most answers with answer precision >= 97 % (an answer
    to a question the base cannot answer counts as wrong). Each is the middle of its
    optimal plateau, so it keeps a margin on both sides.
    """
    answerable = [o for o in outcomes if o.item.expected is not None]
    unanswerable = [o for o in outcomes if o.item.expected is None]
    top1: dict[float, float] = {}
    for cut in _grid():
        dk = sum(o.best_score < cut for o in unanswerable) / max(len(unanswerable), 1)
        if dk >= DK_RECALL_TARGET:
            top1[cut] = sum(
                o.best_score >= cut and o.best_id == o.item.expected for o in answerable
            )
    suggest = _plateau_middle(list(top1), top1) if top1 else 100.0
    answers: dict[float, float] = {}
    for cut in _grid():
        if cut < suggest:
            continue
        given = [o for o in outcomes if o.best_score >= cut]
        right = sum(o.best_id == o.item.expected for o in given)
        if not given or right / len(given) >= ANSWER_PRECISION_TARGET:
            answers[cut] = len(given)
    answer = _plateau_middle(list(answers), answers) if answers else 100.0
    return Thresholds(answer=answer, suggest=suggest)


def cross_validated(outcomes: Sequence[Outcome], folds: int = 5) -> dict[str, Any]:
    """Held-out figures: thresholds calibrated on k-1 folds, measured on the last."""
    rng = random.Random(SEED)
    order = list(outcomes)
    rng.shuffle(order)
    held_out: list[tuple[Outcome, Thresholds]] = []
    for fold in range(folds):
        test = order[fold::folds]
        train = [o for i, o in enumerate(order) if i % folds != fold]
        thresholds = calibrate(train)
        held_out.extend((o, thresholds) for o in test)
    answerable = [(o, t) for o, t in held_out if o.item.expected is not None]
    unanswerable = [(o, t) for o, t in held_out if o.item.expected is None]
    return {
        "folds": folds,
        "top1": round(sum(_is_correct(o, t) for o, t in answerable) / len(answerable), 4)
        if answerable
        else None,
        "dont_know_recall": round(
            sum(_is_correct(o, t) for o, t in unanswerable) / len(unanswerable), 4
        )
        if unanswerable
        else None,
        "wrong_answers": sum(
            band_of(o.best_score, t) is Band.ANSWER and o.best_id != o.item.expected
            for o, t in held_out
        ),
    }


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


# --- report -------------------------------------------------------------------------


def report(args: argparse.Namespace) -> dict[str, Any]:
    documents = load_documents(args.content)
    items = load_eval(args.eval)
    retriever = Retriever(documents, Thresholds())
    outcomes = run_eval(retriever, items)
    calibrated = calibrate(outcomes)
    current = Thresholds(args.answer, args.suggest) if args.answer is not None else Thresholds()
    misses = [
        {
            "text": o.item.text,
            "kind": o.item.kind,
            "expected": o.item.expected,
            "got": o.best_id,
            "score": o.best_score,
            "band": band_of(o.best_score, calibrated).value,
        }
        for o in outcomes
        if not _is_correct(o, calibrated)
    ]
    result: dict[str, Any] = {
        "documents": len(documents),
        "eval_kinds": dict(Counter(i.kind for i in items)),
        "thresholds_default": {"answer": current.answer, "suggest": current.suggest},
        "metrics_default": metrics(outcomes, current),
        "thresholds_calibrated": {"answer": calibrated.answer, "suggest": calibrated.suggest},
        "metrics_calibrated": metrics(outcomes, calibrated),
        "cross_validated": cross_validated(outcomes),
        "misses_calibrated": misses,
    }
    if not args.no_latency:
        queries = latency_queries(items, documents)
        result["latency"] = [latency(documents, queries, size) for size in args.sizes]
    return result


def print_report(result: dict[str, Any]) -> None:
    print(f"documents: {result['documents']}, eval kinds: {result['eval_kinds']}")
    for name in ("default", "calibrated"):
        thresholds = result[f"thresholds_{name}"]
        figures = result[f"metrics_{name}"]
        print(
            f"\n== thresholds {name}: answer {thresholds['answer']}, suggest "
            f"{thresholds['suggest']}"
        )
        for key, value in figures.items():
            if key != "per_kind":
                print(f"  {key:22} {value}")
        for kind, row in figures["per_kind"].items():
            print(f"  kind {kind:17} n={row['n']:3}  accuracy {row['accuracy']}")
    print(f"\ncross-validated (thresholds from the other folds): {result['cross_validated']}")
    if result["misses_calibrated"]:
        print("\nmisses with calibrated thresholds:")
        for miss in result["misses_calibrated"]:
            print(
                f"  [{miss['kind']}] {miss['text']!r}: expected {miss['expected']}, "
                f"got {miss['got']} {miss['score']} ({miss['band']})"
            )
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
    parser.add_argument("--eval", type=Path, default=EVAL)
    parser.add_argument(
        "--answer", type=float, help="answer threshold to report (default: Thresholds())"
    )
    parser.add_argument("--suggest", type=float, help="suggest threshold to report")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--no-latency", action="store_true", help="skip the latency runs")
    args = parser.parse_args(argv)
    if args.answer is not None and args.suggest is None:
        parser.error("--answer needs --suggest")
    result = report(args)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_report(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
