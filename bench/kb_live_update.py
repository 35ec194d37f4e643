"""Live update benchmark (issue 4): `kb export` → edit one answer → `kb import` → ask Rasa.

Run from the repository root:

    .venv/bin/python bench/kb_live_update.py                       # own stack, 10 rounds
    .venv/bin/python bench/kb_live_update.py --runs 20 --json out.json
    .venv/bin/python bench/kb_live_update.py --url http://127.0.0.1:5005 \\
        --database-url sqlite:///var/asystent.db                   # a running stack

Without --url it starts its own action server and Rasa (the trained model, cached) on free
loopback ports over a throw-away SQLite knowledge base, and stops them afterwards. With --url
it uses a running Rasa whose action server reads --database-url, and imports the original
export back at the end (also when interrupted).

Each round writes the exported base with the answer of one entry changed (a new text every
round), runs the real `kb import` as a subprocess, then sends the question once over Rasa's
REST channel and checks that the edited text came back. Figures, median and max in ms:

* import: the `kb import` subprocess alone (interpreter start-up included);
* first answer: the next message after the import (the action server rebuilds its index);
* import → answer: from starting `kb import` until the edited answer has arrived;
* answer again: the same question once more (index already current), for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.launcher import prepare_database, warm_up  # noqa: E402
from bot.model_store import ensure_model  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from tests.support.processes import RASA_BIN, action_server, rasa_server  # noqa: E402

KB_BIN = ROOT / ".venv" / "bin" / "kb"
ENTRY_ID = "ogolne-vat"
QUESTION = "czy vat jest kosztem kwalifikowalnym?"
MAX_RUNS = 200
TIMEOUT_S = 60.0


@dataclass
class Round:
    import_ms: float
    first_answer_ms: float
    import_to_answer_ms: float
    answer_again_ms: float
    updated: bool


@dataclass
class Result:
    target: str
    entry: str
    question: str
    rounds: list[Round] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, float]]:
        figures: dict[str, dict[str, float]] = {}
        for name in ("import_ms", "first_answer_ms", "import_to_answer_ms", "answer_again_ms"):
            values = [getattr(r, name) for r in self.rounds]
            figures[name] = {
                "median": round(statistics.median(values), 1),
                "max": round(max(values), 1),
            }
        return figures


def kb(database_url: str, workdir: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real `kb` console script, as staff run it (no .env of the checkout: cwd=workdir)."""
    return subprocess.run(
        [str(KB_BIN), *map(str, args)],
        cwd=workdir,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def checked(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        raise SystemExit(f"{what} failed (exit {result.returncode}):\n{result.stderr}")


def ask(client: httpx.Client, rasa_url: str, sender: str, text: str) -> str:
    response = client.post(
        f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
    )
    response.raise_for_status()
    return "\n".join(m.get("text", "") for m in response.json())


def edited_file(original: Path, target: Path, entry_id: str, answer: str) -> Path:
    data = yaml.safe_load(original.read_text(encoding="utf-8"))
    [entry] = [e for e in data["faq"] if e["id"] == entry_id]
    entry["answer"] = answer
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return target


def measure(
    rasa_url: str, database_url: str, runs: int, entry_id: str, question: str, workdir: Path
) -> Result:
    result = Result(target=rasa_url, entry=entry_id, question=question)
    original = workdir / "original.yml"
    checked(kb(database_url, workdir, "export", original), "kb export")
    session = uuid.uuid4().hex[:8]
    try:
        with httpx.Client(timeout=TIMEOUT_S) as client:
            for number in range(1, runs + 1):
                marker = f"(pomiar {session}-{number})"
                answer = f"Odpowiedź zmieniona przez kb import {marker}."
                edited = edited_file(original, workdir / "edited.yml", entry_id, answer)
                sender = f"bench-live-{session}-{number}"
                started = time.perf_counter()
                imported = kb(database_url, workdir, "import", edited, "--who", "bench")
                done = time.perf_counter()
                checked(imported, "kb import")
                reply = ask(client, rasa_url, sender, question)
                arrived = time.perf_counter()
                ask(client, rasa_url, sender + "-again", question)
                again = time.perf_counter()
                result.rounds.append(
                    Round(
                        import_ms=(done - started) * 1000,
                        first_answer_ms=(arrived - done) * 1000,
                        import_to_answer_ms=(arrived - started) * 1000,
                        answer_again_ms=(again - arrived) * 1000,
                        updated=marker in reply,
                    )
                )
                print(
                    f"round {number}: import {(done - started) * 1000:.0f} ms, first answer "
                    f"{(arrived - done) * 1000:.0f} ms, updated={marker in reply}",
                    file=sys.stderr,
                )
    finally:
        checked(kb(database_url, workdir, "import", original, "--who", "bench"), "restoring")
    return result


@contextmanager
def own_stack(workdir: Path, model: Path | None) -> Iterator[tuple[str, str]]:
    """Action server + Rasa on free ports over a fresh, seeded SQLite base."""
    database_url = f"sqlite:///{workdir / 'kb.db'}"
    prepare_database(load_settings(env_file=None, database_url=database_url))
    model = model or ensure_model(ROOT, RASA_BIN)[0]
    print("starting the action server and Rasa (about a minute)…", file=sys.stderr)
    with ExitStack() as stack:
        actions = stack.enter_context(action_server(database_url, workdir / "logs"))
        rasa = stack.enter_context(rasa_server(model, actions.url, workdir / "logs"))
        warm_up(rasa.url)
        yield rasa.url, database_url


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help=f"rounds (1–{MAX_RUNS})")
    parser.add_argument("--url", help="Rasa of a running stack (needs --database-url)")
    parser.add_argument("--database-url", help="the database its action server reads")
    parser.add_argument("--model", type=Path, help="Rasa model (default: the cached one)")
    parser.add_argument("--entry", default=ENTRY_ID, help="FAQ id whose answer is edited")
    parser.add_argument("--question", default=QUESTION, help="what is asked after the import")
    parser.add_argument("--json", type=Path, help="also write the rounds and figures here")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= MAX_RUNS:
        parser.error(f"--runs must be 1–{MAX_RUNS}")
    if bool(args.url) != bool(args.database_url):
        parser.error("--url and --database-url go together")
    if args.url and not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        parser.error("--url must be on loopback (http://127.0.0.1:PORT)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not KB_BIN.exists():
        raise SystemExit(f"{KB_BIN} is missing: install the app env first")
    with tempfile.TemporaryDirectory(prefix="kb-live-") as tmp:
        workdir = Path(tmp)
        with ExitStack() as stack:
            if args.url:
                rasa_url, database_url = args.url.rstrip("/"), args.database_url
            else:
                rasa_url, database_url = stack.enter_context(own_stack(workdir, args.model))
            result = measure(rasa_url, database_url, args.runs, args.entry, args.question, workdir)
    figures = result.summary()
    updated = sum(r.updated for r in result.rounds)
    print(f"\nkb live update: {len(result.rounds)} rounds, entry {result.entry}, "
          f"edited answer on the next message in {updated}/{len(result.rounds)}")  # fmt: skip
    labels = {
        "import_ms": "kb import (subprocess)",
        "first_answer_ms": "first answer after import",
        "import_to_answer_ms": "start of import → edited answer",
        "answer_again_ms": "same question again",
    }
    for name, label in labels.items():
        print(f"  {label:<34} median {figures[name]['median']:>7.1f} ms   "
              f"max {figures[name]['max']:>7.1f} ms")  # fmt: skip
    if args.json:
        payload: dict[str, Any] = {**asdict(result), "figures": figures}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return 0 if updated == len(result.rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
