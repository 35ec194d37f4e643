"""Load benchmark: simulated applicants hold Polish conversations through Rasa's REST channel.

Run from the repository root (figures and command lines are kept in bench/README.md):

    .venv/bin/python bench/load.py                                   # every target, short runs
    .venv/bin/python bench/load.py --targets embedded --scenarios think --users 50 \\
        --think 2 --duration 300                                     # the 5-minute run
    .venv/bin/python bench/load.py --scenarios saturation,length --json results.json

Every target is started here on free loopback ports and stopped afterwards:

* ``plain``: a plain Rasa 3.6 FAQ bot (bench/plain_rasa; same NLU pipeline and policies,
  fixed responses, in-memory tracker, no action server) — the yardstick;
* ``embedded``: the default profile (``make run``): Rasa with endpoints.yml and one action
  server over a fresh SQLite knowledge base;
* ``production``: the production profile (``make run-production``): nginx in front of
  RASA_INSTANCES Rasa servers (PostgreSQL tracker store, Redis lock store) and
  ACTION_INSTANCES action servers, on throw-away databases ``asystent_bench*``.

Scenarios, each bounded in time and count and talking only to 127.0.0.1:

* ``think``: N applicants at once, each a conversation after another, with a think time;
* ``saturation``: C applicants without think time; throughput is the figure;
* ``length``: one conversation of M messages, each message paired with the first message
  of a fresh conversation sent right after it, so the cost at depth k is compared with the
  cost of a first message under the same machine load.

Memory: the peak resident memory of every process tree (VmRSS of the process and its
children sampled from /proc twice a second; VmHWM of the main process).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.launcher import Service, Supervisor, prepare_database  # noqa: E402
from bot.model_store import default_cache_dir, ensure_model  # noqa: E402
from bot.settings import load_settings  # noqa: E402

RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
PLAIN_ROOT = ROOT / "bench" / "plain_rasa"
MAX_DURATION_S = 900.0
MAX_USERS = 200
REQUEST_TIMEOUT_S = 30.0

# Multi-turn conversations of applicants, as they write (no hand-off: it would notify the
# coordinator). Each simulated applicant goes through them in turn, with a new sender id.
CONVERSATIONS: tuple[tuple[str, ...], ...] = (
    ("Dzień dobry", "Do kiedy można składać wnioski?", "A ile można dostać pieniędzy?",
     "Czy fundacja może złożyć wniosek?", "Jakie dokumenty trzeba dołączyć?",
     "Dziękuję bardzo", "Do widzenia"),
    ("cześć", "kto może złożyć wniosek", "czy stowarzyszenie spoza Torunia może aplikować",
     "jaka jest maksymalna kwota dofinansowania", "czy trzeba mieć wkład własny", "dzięki"),
    ("Witam, mam pytanie o ocenę wniosku", "jak złożyć protest?",
     "ile mam czasu na złożenie protestu", "co powinien zawierać protest",
     "dziękuję za informację"),
    ("co to jest innowacja społeczna", "a czym jest projekt pilotażowy",
     "czy mój pomysł musi być zupełnie nowy", "jak są oceniane wnioski",
     "ile punktów trzeba zdobyć", "ok, to wszystko"),
    ("hej", "jesteś botem?", "jakie koszty są kwalifikowalne",
     "czy mogę kupić laptopa z dotacji", "a wynagrodzenia dla koordynatora?", "super, dzięki"),
    ("dzień dobry", "jaka będzie jutro pogoda?", "a do kiedy trwa nabór",
     "w czym możesz mi pomóc", "jakie załączniki do wniosku", "dziękuję, do widzenia"),
)  # fmt: skip
# The embedded profile's endpoints as proposed in bench/README.md ("Production and load"):
# the action server URL substituted (unquoted), the compacting in-memory tracker store.
PROPOSED_EMBEDDED_ENDPOINTS = """\
action_endpoint:
  url: ${ACTION_SERVER_URL}
tracker_store:
  type: nlu.components.tracker_store.CompactingInMemoryTrackerStore
  max_events: 60
  keep_turns: 5
  precompiled_action_schema: true
"""
LENGTH_MESSAGES: tuple[str, ...] = tuple(m for c in CONVERSATIONS for m in c[1:-1])


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Sample:
    depth: int  # 1 = the first message of its conversation
    latency_ms: float
    ok: bool


@dataclass
class Stats:
    messages: int
    errors: int
    seconds: float
    throughput: float
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[Sample], seconds: float) -> Stats:
        good = sorted(s.latency_ms for s in samples if s.ok)
        return cls(
            messages=len(samples),
            errors=sum(not s.ok for s in samples),
            seconds=round(seconds, 1),
            throughput=round(len(good) / seconds, 2) if seconds else 0.0,
            p50=_percentile(good, 50),
            p95=_percentile(good, 95),
            p99=_percentile(good, 99),
            max=round(good[-1], 1) if good else 0.0,
        )


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))
    return round(values[index], 1)


async def send(client: httpx.AsyncClient, url: str, sender: str, text: str, depth: int) -> Sample:
    started = time.perf_counter()
    try:
        response = await client.post(
            f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
        )
        ok = response.status_code == 200 and bool(response.json())
    except (httpx.HTTPError, ValueError):
        ok = False
    return Sample(depth, (time.perf_counter() - started) * 1000, ok)


def _client(users: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=users + 4, max_keepalive_connections=users + 4)
    return httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits)


async def applicants(
    url: str, users: int, think_s: float, duration_s: float, warmup_s: float, seed: int = 7
) -> tuple[Stats, list[Sample]]:
    """`users` applicants, each one conversation after another, for `duration_s` seconds."""
    run = uuid.uuid4().hex[:8]
    samples: list[Sample] = []
    rng = random.Random(seed)
    deadline = time.monotonic() + warmup_s + duration_s
    measure_from = time.monotonic() + warmup_s

    async def applicant(number: int) -> None:
        # Start spread over one think time, so the applicants do not move in lockstep.
        await asyncio.sleep(rng.uniform(0, max(think_s, 0.2)))
        conversation = number
        while time.monotonic() < deadline:
            script = CONVERSATIONS[conversation % len(CONVERSATIONS)]
            sender = f"load-{run}-{number}-{conversation}"
            for depth, text in enumerate(script, start=1):
                if time.monotonic() >= deadline:
                    return
                sample = await send(client, url, sender, text, depth)
                if time.monotonic() >= measure_from:
                    samples.append(sample)
                if think_s:
                    await asyncio.sleep(rng.uniform(0.5 * think_s, 1.5 * think_s))
            conversation += len(CONVERSATIONS)

    async with _client(users) as client:
        await asyncio.gather(*(applicant(i) for i in range(users)))
    return Stats.of(samples, duration_s), samples


async def warm_up(url: str) -> None:
    """First messages load TensorFlow graphs and caches in every process: not measured."""
    async with _client(8) as client:
        for round_ in range(3):
            await asyncio.gather(
                *(send(client, url, f"warmup-{round_}-{i}", text, 1)
                  for i, text in enumerate(LENGTH_MESSAGES[:8]))
            )  # fmt: skip


async def long_conversation(url: str, messages: int) -> dict[str, Any]:
    """Latency by depth of one long conversation, paired with first messages of fresh ones."""
    run = uuid.uuid4().hex[:8]
    deep: list[float] = []
    first: list[float] = []
    errors = 0
    async with _client(2) as client:
        for i in range(messages):
            text = LENGTH_MESSAGES[i % len(LENGTH_MESSAGES)]
            sample = await send(client, url, f"long-{run}", text, i + 1)
            fresh = await send(client, url, f"fresh-{run}-{i}", text, 1)
            deep.append(sample.latency_ms)
            first.append(fresh.latency_ms)
            errors += (not sample.ok) + (not fresh.ok)
    result: dict[str, Any] = {"messages": messages, "sent": 2 * messages, "errors": errors,
                              "points": {}}  # fmt: skip
    for k in sorted({1, 10, 100, 200, 300, 400, messages} & set(range(1, messages + 1))):
        window = slice(max(0, k - 6), min(messages, k + 5))
        at_k = statistics.median(deep[window]) if k > 1 else deep[0]
        base = statistics.median(first[window])
        result["points"][k] = {
            "latency_ms": round(at_k, 1),
            "first_message_ms": round(base, 1),
            "ratio": round(at_k / base, 2),
        }
    result["first_message_median_ms"] = round(statistics.median(first), 1)
    return result


# --- memory ----------------------------------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])  # kB
    return values


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError), open(f"/proc/{entry.name}/stat") as stat:
            ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time of the processes (and of their waited-for children)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / CLOCK_TICKS


def tree_of(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


class MemoryWatch:
    """Peak resident memory of each service's process tree, sampled in a thread."""

    def __init__(self, services: Sequence[Service], interval_s: float = 0.5):
        self.services = services
        self.interval_s = interval_s
        self.peak_kb: dict[str, int] = {s.name: 0 for s in services}
        self.hwm_kb: dict[str, int] = {s.name: 0 for s in services}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def sample(self) -> None:
        for service in self.services:
            if service.process is None or service.process.poll() is not None:
                continue
            pids = tree_of(service.process.pid)
            rss = sum(_status(p).get("VmRSS", 0) for p in pids)
            hwm = sum(_status(p).get("VmHWM", 0) for p in pids)
            self.peak_kb[service.name] = max(self.peak_kb[service.name], rss)
            self.hwm_kb[service.name] = max(self.hwm_kb[service.name], hwm)

    def cpu(self) -> dict[str, float]:
        return {
            s.name: cpu_seconds(tree_of(s.process.pid)) if s.process else 0.0 for s in self.services
        }

    def report(self) -> dict[str, dict[str, float]]:
        return {
            name: {"peak_rss_mb": round(self.peak_kb[name] / 1024, 1),
                   "vmhwm_mb": round(self.hwm_kb[name] / 1024, 1)}
            for name in self.peak_kb
        }  # fmt: skip


# --- targets ---------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Target:
    name: str
    url: str
    services: list[Service]
    notes: dict[str, Any] = field(default_factory=dict)


def _rasa(name: str, model: Path, port: int, endpoints: str, env: dict[str, str]) -> Service:
    return Service(
        name=name,
        command=[str(RASA_BIN), "run", "--enable-api", "--interface", "127.0.0.1", "--port",
                 str(port), "--model", str(model), "--endpoints", endpoints,
                 "--credentials", "credentials.yml"],
        health_url=f"http://127.0.0.1:{port}/",
        port=port,
        env={"RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1", **env},
    )  # fmt: skip


def _actions(name: str, port: int, database_url: str) -> Service:
    return Service(
        name=name,
        command=[str(APP_PYTHON), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        port=port,
        env={"DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"},
    )


def plain_target(workdir: Path) -> Target:
    cache = default_cache_dir().parent / "plain-rasa"
    model, _ = ensure_model(PLAIN_ROOT, RASA_BIN, models_dir=cache, cache_dir=cache)
    empty = workdir / "endpoints.plain.yml"
    empty.write_text("# plain Rasa: default in-memory tracker and lock stores\n")
    port = free_port()
    service = _rasa("rasa", model, port, str(empty), {})
    return Target("plain", f"http://127.0.0.1:{port}", [service], {"model": model.name})


def assistant_model(given: Path | None) -> Path:
    return given or ensure_model(ROOT, RASA_BIN)[0]


def embedded_target(workdir: Path, endpoints: str, model: Path) -> Target:
    if endpoints == "proposed":
        endpoints = str(workdir / "endpoints.embedded.yml")
        Path(endpoints).write_text(PROPOSED_EMBEDDED_ENDPOINTS)
    database_url = f"sqlite:///{workdir / 'kb.db'}"
    prepare_database(load_settings(env_file=None, database_url=database_url))
    action_port, rasa_port = free_port(), free_port()
    services = [
        _actions("actions", action_port, database_url),
        _rasa("rasa", model, rasa_port, endpoints,
              {"ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook"}),
    ]  # fmt: skip
    return Target("embedded", f"http://127.0.0.1:{rasa_port}", services,
                  {"model": model.name, "endpoints": endpoints})  # fmt: skip


def production_target(
    workdir: Path, rasa_instances: int, action_instances: int, model: Path
) -> Target:
    from bot import production

    base = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
    ps = production.load_production_settings(
        database_url=f"{base}/asystent_bench",
        rasa_tracker_store_url=f"{base}/asystent_bench_rasa",
        redis_key_prefix="asystentbench",
        rasa_instances=rasa_instances,
        action_instances=action_instances,
    )
    _recreate_databases(ps)
    ports = {"rasa_port": free_port(), "action_port": free_port(), "bot_port": free_port()}
    settings = load_settings(env_file=None, database_url=ps.database_url, **ports)
    prepare_database(settings)
    production.check_redis(ps)
    production.ensure_nginx()
    layout = production.Layout(
        entry_host="127.0.0.1",
        rasa_port=settings.rasa_port,
        action_port=settings.action_port,
        rasa_ports=tuple(free_port() for _ in range(rasa_instances)),
        action_ports=tuple(free_port() for _ in range(action_instances)),
        bot_port=settings.bot_port,
    )
    conf = production.render_nginx(layout, workdir / "run", workdir / "log")
    services = production.build_production_services(settings, ps, layout, model, conf)
    services = [s for s in services if s.name != "web"]  # the REST load does not pass it
    return Target("production", layout.entry_url, services,
                  {"model": model.name, "rasa_instances": rasa_instances,
                   "action_instances": action_instances})  # fmt: skip


def _recreate_databases(ps: Any) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(ps.postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for url in (make_url(ps.database_url), ps.tracker_url()):
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    admin.dispose()


@contextlib.contextmanager
def started(target: Target, log_dir: Path) -> Iterator[Target]:
    supervisor = Supervisor(target.services, log_dir, ROOT)
    try:
        supervisor.start()
        supervisor.wait_healthy(timeout_s=300)
        yield target
    finally:
        supervisor.stop()


# --- running ---------------------------------------------------------------------------------


def run_target(target: Target, args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    for old in log_dir.glob("*.log"):
        old.unlink()
    result: dict[str, Any] = {"target": target.name, **target.notes, "load_before": _load()}
    with started(target, log_dir), MemoryWatch(target.services) as memory:
        print(f"--- {target.name}: {target.url}", flush=True)
        asyncio.run(warm_up(target.url))
        for scenario in args.scenarios:
            cpu_before = memory.cpu()
            if scenario == "think":
                stats, _ = asyncio.run(
                    applicants(target.url, args.users, args.think, args.duration, args.warmup)
                )
                result["think"] = {"users": args.users, "think_s": args.think, **asdict(stats)}
            elif scenario == "saturation":
                stats, _ = asyncio.run(
                    applicants(target.url, args.concurrency, 0.0, args.saturation_duration,
                               args.warmup)
                )  # fmt: skip
                result["saturation"] = {"concurrency": args.concurrency, **asdict(stats)}
            elif scenario == "length":
                result["length"] = asyncio.run(long_conversation(target.url, args.messages))
            done = result[scenario].get("sent") or result[scenario].get("messages") or 1
            result[scenario]["cpu_ms_per_message"] = {
                name: round((used - cpu_before[name]) * 1000 / done, 1)
                for name, used in memory.cpu().items()
            }
            print(f"    {scenario}: {json.dumps(result.get(scenario), ensure_ascii=False)}",
                  flush=True)  # fmt: skip
        memory.sample()
    result["memory"] = memory.report()
    result["load_after"] = _load()
    return result


def _load() -> str:
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def print_report(results: Sequence[dict[str, Any]]) -> None:
    plain = next((r for r in results if r["target"] == "plain"), None)
    print("\n=== results")
    for r in results:
        print(f"\n{r['target']} (load average before {r['load_before']}, after {r['load_after']})")
        for scenario in ("think", "saturation"):
            if scenario in r:
                s = r[scenario]
                ratio = ""
                if scenario == "saturation" and plain and "saturation" in plain:
                    ratio = f"  = {s['throughput'] / plain['saturation']['throughput']:.2f}× plain"
                print(f"  {scenario:10} {s['messages']:6} msgs  {s['errors']} errors  "
                      f"{s['throughput']:6.1f} msg/s{ratio}  p50 {s['p50']} ms  p95 {s['p95']} ms  "
                      f"p99 {s['p99']} ms  max {s['max']} ms")  # fmt: skip
        if "length" in r:
            points = r["length"]["points"]
            cells = "  ".join(
                f"#{k}: {v['latency_ms']} ms ({v['ratio']}× first)" for k, v in points.items()
            )
            print(f"  length     {cells}")
        memory = "  ".join(f"{n} {m['peak_rss_mb']} MB" for n, m in r["memory"].items())
        print(f"  memory     {memory}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--targets", default="plain,embedded,production")
    parser.add_argument("--scenarios", default="think,saturation,length")
    parser.add_argument("--users", type=int, default=50, help="think: applicants at once")
    parser.add_argument("--think", type=float, default=2.0, help="think: mean seconds")
    parser.add_argument("--duration", type=float, default=60.0, help="think: measured seconds")
    parser.add_argument("--concurrency", type=int, default=8, help="saturation: applicants")
    parser.add_argument("--saturation-duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds not measured")
    parser.add_argument("--messages", type=int, default=400, help="length: conversation")
    parser.add_argument("--rasa-instances", type=int, default=2)
    parser.add_argument("--action-instances", type=int, default=2)
    parser.add_argument(
        "--embedded-endpoints", default="endpoints.yml", help='a file, or "proposed"'
    )
    parser.add_argument("--model", type=Path, help="assistant model (default: trained if needed)")
    parser.add_argument("--log-dir", type=Path, default=ROOT / "var" / "log" / "bench-load")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if max(args.duration, args.saturation_duration) + args.warmup > MAX_DURATION_S:
        parser.error(f"a scenario may last at most {MAX_DURATION_S:.0f} s")
    if not 1 <= max(args.users, args.concurrency) <= MAX_USERS or args.messages > 2000:
        parser.error(f"at most {MAX_USERS} applicants and 2000 messages")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="asystent-load-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)  # nginx workers (nobody) keep temporary files below it
        for name in args.targets:
            if name == "plain":
                target = plain_target(workdir)
            elif name == "embedded":
                target = embedded_target(workdir, args.embedded_endpoints,
                                         assistant_model(args.model))  # fmt: skip
            elif name == "production":
                target = production_target(workdir, args.rasa_instances, args.action_instances,
                                           assistant_model(args.model))  # fmt: skip
            else:
                raise SystemExit(f"unknown target {name!r}")
            results.append(run_target(target, args, args.log_dir / name))
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps({"argv": sys.argv, "results": results}, indent=2,
                                        ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
