"""`make eval`: run the labelled conversation set through the running assistant.

Each message goes to Rasa's REST channel exactly as a channel adapter sends it; what the
assistant did is read back from Rasa's tracker API (intent, actions, slots), so the
figures measure the whole stack: NLU, rules, actions and the knowledge base.

Usage: python -m bench.eval_conversations [--url http://127.0.0.1:5005] [--set FILE] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "conversations_eval.yml"
HANDOFF_ACTIONS = {"action_handoff_request"}
OFFER_PAYLOAD = "/affirm"


@dataclass
class Turn:
    """What the assistant did with one message."""

    intent: str | None
    actions: list[str]
    slots: dict[str, Any]
    utterances: list[str]
    replies: list[dict[str, Any]]
    latency_ms: float

    @property
    def offers_handoff(self) -> bool:
        return any(
            b.get("payload") == OFFER_PAYLOAD for r in self.replies for b in r.get("buttons") or []
        )


@dataclass
class Tally:
    hits: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, label: str) -> None:
        self.total += 1
        self.hits += int(ok)
        if not ok:
            self.misses.append(label)

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 0.0


def send(client: httpx.Client, url: str, sender: str, text: str) -> Turn:
    started = time.perf_counter()
    response = client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text})
    latency = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    replies = response.json()
    tracker = client.get(f"{url}/conversations/{sender}/tracker").json()
    events = tracker.get("events", [])
    last_user = max(i for i, e in enumerate(events) if e.get("event") == "user")
    after = events[last_user + 1 :]
    return Turn(
        intent=(events[last_user].get("parse_data") or {}).get("intent", {}).get("name"),
        actions=[e["name"] for e in after if e.get("event") == "action"],
        slots={e["name"]: e.get("value") for e in after if e.get("event") == "slot"},
        utterances=[
            (e.get("metadata") or {}).get("utter_action", "")
            for e in after
            if e.get("event") == "bot"
        ],
        replies=replies,
        latency_ms=latency,
    )


def judge(turn: Turn, expect: dict[str, Any], tallies: dict[str, Tally], label: str) -> None:
    """Score one turn against its expectation; a turn may count in several figures."""
    if "intent" in expect:
        tallies["intent"].add(turn.intent == expect["intent"], f"{label} → {turn.intent}")
    if "answer" in expect:
        ok = (
            turn.slots.get("kb_band") == "answered"
            and turn.slots.get("last_entry") == expect["answer"]
        )
        tallies["answer"].add(
            ok, f"{label} → {turn.slots.get('kb_band')}:{turn.slots.get('last_entry')}"
        )
    if "unknown" in expect or expect.get("dont_know"):
        band = turn.slots.get("kb_band")
        entry_ok = "unknown" not in expect or (
            band == "dont_know" or turn.slots.get("last_entry") == expect["unknown"]
        )
        ok = band in {"unknown", "dont_know"} and turn.offers_handoff and entry_ok
        tallies["dont_know"].add(ok, f"{label} → {band}:{turn.slots.get('last_entry')}")
    if expect.get("offtopic"):
        ok = "utter_out_of_scope" in turn.utterances and "kb_band" not in turn.slots
        tallies["offtopic"].add(ok, f"{label} → {turn.intent}/{turn.actions}")
    if expect.get("handoff"):
        ok = bool(HANDOFF_ACTIONS & set(turn.actions)) or turn.offers_handoff
        tallies["handoff"].add(ok, f"{label} → {turn.intent}/{turn.actions}")


def run(url: str, eval_set: dict[str, Any]) -> dict[str, Any]:
    tallies = {k: Tally() for k in ("intent", "answer", "dont_know", "offtopic", "handoff")}
    latencies: list[float] = []
    run_id = uuid.uuid4().hex[:8]
    with httpx.Client(timeout=30) as client:
        for i, item in enumerate(eval_set.get("messages", [])):
            turn = send(client, url, f"eval-{run_id}-m{i}", item["text"])
            latencies.append(turn.latency_ms)
            judge(turn, item.get("expect", {}), tallies, repr(item["text"]))
        for d, dialogue in enumerate(eval_set.get("dialogues", [])):
            sender = f"eval-{run_id}-d{d}"
            for t, item in enumerate(dialogue["turns"]):
                turn = send(client, url, sender, item["text"])
                latencies.append(turn.latency_ms)
                judge(
                    turn,
                    item.get("expect", {}),
                    tallies,
                    f"{dialogue['name']}#{t + 1} {item['text']!r}",
                )
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "messages": len(latencies),
        "dialogues": len(eval_set.get("dialogues", [])),
        "figures": {
            k: {"rate": round(v.rate, 4), "hits": v.hits, "total": v.total}
            for k, v in tallies.items()
        },
        "latency_ms": {"p50": round(quantiles[49], 1), "p95": round(quantiles[94], 1)},
        "misses": {k: v.misses for k, v in tallies.items() if v.misses},
    }


NAMES = {
    "intent": "intent accuracy",
    "answer": "correct answers",
    "dont_know": "honest don't-know (coordinator offered)",
    "offtopic": "off-topic rejected",
    "handoff": "hand-off requests recognised",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        report = run(args.url.rstrip("/"), yaml.safe_load(args.set.read_text(encoding="utf-8")))
    except httpx.ConnectError:
        print(f"error: no assistant at {args.url}: start it with `make run` first", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"{report['messages']} messages ({report['dialogues']} dialogues)")
    for key, name in NAMES.items():
        f = report["figures"][key]
        print(f"  {name:42s} {f['rate'] * 100:6.1f} %  ({f['hits']}/{f['total']})")
    latency = report["latency_ms"]
    print(f"  latency per message p50 {latency['p50']} ms, p95 {latency['p95']} ms")
    for key, misses in report["misses"].items():
        print(f"\nmisses: {NAMES[key]}")
        for miss in misses[:40]:
            print(f"  - {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
