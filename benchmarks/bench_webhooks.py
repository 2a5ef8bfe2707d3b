"""Throughput and fault latency of /voice/wait over real HTTP, as deployed (issue 11).

    python benchmarks/bench_webhooks.py [--db sqlite|postgres|both] [--seconds 20]
        [--callers 2000] [--connections 32] [--hang-seconds 20] [--no-hang] [--no-ceiling]
        [--rev REV | --code DIR] [--profile DIR [--cpu-only]]

Why: in-process timings hide what gunicorn, HTTP, signatures and database round trips cost; a
caller is thrown out of the queue when /voice/wait is slow, so its rate and tail are the product.

For each database: gunicorn per the Procfile on 127.0.0.1 (fresh PostgreSQL database or temp
SQLite file, `holdwell db upgrade` first), `--callers` distinct callers seeded with a signed
/voice/incoming and their first /voice/wait (Twilio polls on entering), then wrk (Debian's,
with benchmarks/bench_webhooks.lua) replays precomputed signed /voice/wait polls over
`--connections` keep-alive connections: each caller's polls in order, QueueTime +60 s per poll
(a one-minute segment), QueuePosition its place among the seeded callers. Each timed run starts once
every gunicorn worker has booted and gone idle (else wrk's connections all land on the first).
Enough polls are
prepared for 12,000 req/s (a run that uses them all up is flagged: its rate would be understated
and its last polls repeated). Right before each, the anchor — a bare Flask view answering
<Pause> (benchmarks/pause_anchor.py) under the same gunicorn command — gets the same requests.
Every timed answer is checked to be TwiML (a 403 from a bad signature would count as an
error); every seeding answer is read in full. After the app, on its port (the polls are signed
for its URL), the same polls go to the app with no database work (benchmarks/no_database.py:
the most that any work on the database could bring), and to the app answering from that same
view while still writing every poll's count and check-in, batched behind the answers by one
thread every 10 ms, on a database of its own seeded the same way (what a redesign answering
without a round trip could reach; its note counts the polls written; `--no-ceiling` skips
both).

"database hung": the app on PostgreSQL through tests/support/tcp_proxy.py, a threaded Python
load generator (per-request timings are needed, wrk gives only totals) at the same connection
count, the proxy switched to `hang` after 5 s; the row covers answers finished after the
switch: p99, answers later than Twilio's 15 s and everything that was not TwiML (5xx, client
timeouts at 20 s). `--rev` benchmarks a committed revision (git archive) instead of the working
tree, `--code` another checkout (a copy with changes not yet committed, when other work shares
the working tree). `--profile DIR` runs `py-spy record --idle` on every gunicorn worker
during the timed runs (collapsed stacks, which speedscope opens) and prints where request
threads spend their time (with `--cpu-only`, py-spy without --idle: threads it sees waiting
drop out); profiled rates are lower than the unprofiled ones. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.live_server import (  # noqa: E402
    LiveServer,
    WebhookResponse,
    signed_request,
)
from tests.support.postgres import fresh_database, postgres_address  # noqa: E402
from tests.support.tcp_proxy import TcpProxy, proxied_url  # noqa: E402

HERE = Path(__file__).resolve().parent
LUA = HERE / "bench_webhooks.lua"
WRK_THREADS = 2  # one per core on the 2-core reference box
MAX_RATE = 12000  # req/s the precomputed polls must last for (above the anchor: ~8,000 seen)
SEGMENT_S = 60  # a wait segment is about a minute: QueueTime grows by this per poll
TWILIO_LIMIT_S = 15.0
CLIENT_TIMEOUT_S = 20.0
WAIT_VERBS = {"Play", "Say", "Pause", "Gather", "Redirect", "Leave", "Hangup"}
HANG_AFTER_S = 5.0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Caller:
    index: int
    sid: str
    number: str
    offset_s: int  # callers do not all poll on the same second of their minute

    def incoming(self) -> dict[str, str]:
        return {"CallSid": self.sid, "AccountSid": "AC" + "0" * 32, "From": self.number,
                "To": "+14155550199", "CallStatus": "ringing", "Direction": "inbound",
                "ApiVersion": "2010-04-01"}

    def poll(self, round_: int, queue_size: int) -> dict[str, str]:
        """What Twilio posts to waitUrl at this caller's `round_`-th poll (0: on entering)."""
        queue_time = self.offset_s + SEGMENT_S * round_ if round_ else 0
        return {"CallSid": self.sid, "AccountSid": "AC" + "0" * 32, "From": self.number,
                "To": "+14155550199", "CallStatus": "in-progress", "ApiVersion": "2010-04-01",
                "QueueSid": "QU" + "0" * 32, "QueuePosition": str(self.index + 1),
                "QueueTime": str(queue_time), "AvgQueueTime": str(queue_time),
                "CurrentQueueSize": str(queue_size)}


def make_callers(count: int) -> list[Caller]:
    return [Caller(i, f"CA{i:032x}", f"+1415{i:07d}", i % SEGMENT_S) for i in range(count)]


@dataclass(frozen=True)
class Row:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    non_twiml: int
    note: str = ""
    cpu_ms: float | None = None  # gunicorn workers' CPU time per request
    db_cpu_ms: float | None = None  # PostgreSQL backends' CPU time per request

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def format_table(rows: Sequence[tuple[Row, Row | None]]) -> str:
    """Rows with the ratio of each to its anchor (None: the row is an anchor or has none)."""
    head = (f"{'backend':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
            f"{'errors':>7} {'non-TwiML':>9} {'vs anchor':>9} {'cpu ms/req':>10} "
            f"{'db cpu ms':>9}  note")
    lines = [head, "-" * len(head)]
    for row, anchor in rows:
        ratio = f"{row.rate / anchor.rate:8.0%}" if anchor and anchor.rate else f"{'':>8}"
        cpu = f"{row.cpu_ms:10.2f}" if row.cpu_ms is not None else f"{'':>10}"
        db_cpu = f"{row.db_cpu_ms:9.2f}" if row.db_cpu_ms is not None else f"{'':>9}"
        lines.append(f"{row.name:<28} {row.rate:8.0f} {row.p50_ms:8.1f} {row.p99_ms:8.1f} "
                     f"{row.max_ms:8.0f} {row.errors:7d} {row.non_twiml:9d} {ratio:>9} "
                     f"{cpu} {db_cpu}  {row.note}")
    return "\n".join(lines)


# --- CPU time per request (steadier than rates on a shared box) ----------------------------


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time the processes have used so far (Linux /proc)."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def workers_ready(server: LiveServer, timeout_s: float = 30.0) -> None:
    """Wait until every worker the command asks for has booted and gone idle.

    gunicorn answers as soon as its first worker has loaded the app; a run started then put
    all of wrk's keep-alive connections on that one worker, and the anchor measured half its
    rate in about one run of two (3,400 against 7,900 req/s, one worker's CPU against two).
    """
    wanted = int(re.search(r"--workers (\d+)", server.command()).group(1))
    pids = server.wait_for_workers(wanted, timeout_s=timeout_s)
    deadline, quiet = time.monotonic() + timeout_s, 0
    while quiet < 2 and time.monotonic() < deadline:
        before = cpu_seconds(pids)
        time.sleep(0.25)
        quiet = quiet + 1 if cpu_seconds(pids) - before < 0.02 else 0


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL server processes serving `url`'s database (none for SQLite)."""
    if not url.startswith("postgresql"):
        return []
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :name "
                "AND pid <> pg_backend_pid()"), {"name": make_url(url).database}).scalars())
    finally:
        engine.dispose()


@contextlib.contextmanager
def cpu_per_request(server: LiveServer, url: str | None) -> Iterator[Callable[[Row], Row]]:
    """Yields a function that adds the workers' (and the database's) CPU ms per request
    spent during the block to a Row. A rate says how much CPU other work on the box left;
    CPU per request says what one answer costs, whatever the box was doing."""
    workers = server.worker_pids()
    backends = backend_pids(url) if url else []
    before = (cpu_seconds(workers), cpu_seconds(backends))
    spent: list[tuple[float, float]] = []

    def add(row: Row) -> Row:
        done = max(row.requests, 1)
        app_s, db_s = spent[0]
        return replace(row, cpu_ms=app_s / done * 1e3,
                       db_cpu_ms=db_s / done * 1e3 if backends else None)

    yield add
    spent.append((cpu_seconds(workers) - before[0], cpu_seconds(backends) - before[1]))


# --- the servers -------------------------------------------------------------------------


def code_checkout(rev: str | None, into: Path) -> Path | None:
    """A clean copy of `rev` (None: run the working tree as installed)."""
    if rev is None:
        return None
    target = into / f"code-{rev.replace('/', '_')}"
    target.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True,
                             capture_output=True, timeout=60).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True, timeout=60)
    return target


def example_config(code: Path | None) -> Path:
    """The example configuration of the code being run (its keys are the ones it knows)."""
    return (code or ROOT) / "holdwell.example.toml"


def upgrade_database(server: LiveServer) -> None:
    """`holdwell db upgrade` with the server's own environment (and code)."""
    subprocess.run(["holdwell", "db", "upgrade"], env=server.environment(), cwd=server.workdir,
                   check=True, timeout=120, stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def database(kind: str, workdir: Path, through: TcpProxy | None = None) -> Iterator[str]:
    """A fresh database URL of `kind` ("postgres" or "sqlite"), optionally via a proxy."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    with fresh_database(migrate=False) as url:
        yield proxied_url(url, through) if through else url


# --- the load ------------------------------------------------------------------------------


def wait_path_of(answer: WebhookResponse) -> str:
    """The waitUrl (path and query) of an /voice/incoming answer's <Enqueue>."""
    enqueue = ElementTree.fromstring(answer.body).find(".//Enqueue") if answer.is_twiml else None
    wait_url = enqueue.get("waitUrl") if enqueue is not None else None
    if not wait_url:
        raise SystemExit(f"/voice/incoming did not answer an <Enqueue waitUrl>: {answer}")
    return re.sub(r"^https?://[^/]+", "", wait_url)


def is_wait_document(answer: WebhookResponse) -> bool:
    """TwiML that Twilio accepts as a wait document (what the app's /voice/wait must be)."""
    if not answer.is_twiml:
        return False
    verbs = {node.tag for node in ElementTree.fromstring(answer.body).iter()} - {"Response"}
    return bool(verbs) and verbs <= WAIT_VERBS


def seed(server: LiveServer, callers: Sequence[Caller]) -> str:
    """Each caller dials in and hears its first wait segment (Twilio requests the waitUrl at
    once, QueueTime 0), so the timed polls are the steady state: no first-poll ENTERQUEUE.
    Every answer is checked; returns the waitUrl path."""
    def dial(caller: Caller) -> str:
        answer = server.post("/voice/incoming", caller.incoming(), timeout=CLIENT_TIMEOUT_S)
        path = wait_path_of(answer)
        first = server.post(path, caller.poll(0, len(callers)), timeout=CLIENT_TIMEOUT_S)
        if not is_wait_document(first):
            raise SystemExit(f"the first /voice/wait of {caller.sid} is not a wait document: "
                             f"{first}")
        return path

    with ThreadPoolExecutor(16) as pool:
        paths = set(pool.map(dial, callers))
    if len(paths) != 1:
        raise SystemExit(f"callers of one queue were given different waitUrls: {paths}")
    return paths.pop()


def write_polls(prefix: Path, server: LiveServer, wait_path: str, callers: Sequence[Caller],
                rounds: int) -> int:
    """Precompute signed polls so the generator only sends: one file per wrk thread, each
    with its callers' polls round after round (a caller's polls in order on one thread)."""
    url = server.url(wait_path)
    count = 0
    with contextlib.ExitStack() as stack:
        files = [stack.enter_context(Path(f"{prefix}-{n}.tsv").open("w", encoding="utf-8"))
                 for n in range(WRK_THREADS)]
        for round_ in range(1, rounds + 1):
            for caller in callers:
                body, headers = signed_request(url, caller.poll(round_, len(callers)),
                                               server.auth_token)
                files[caller.index % WRK_THREADS].write(
                    f"{wait_path}\t{headers['X-Twilio-Signature']}\t{body.decode()}\n")
                count += 1
    return count


def run_wrk(name: str, server: LiveServer, polls: Path, seconds: int, connections: int) -> Row:
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s",
               f"--timeout={int(CLIENT_TIMEOUT_S)}s", "-s", str(LUA), server.base_url, "--",
               str(polls)]
    log(f"{name}: wrk for {seconds} s over {connections} connections")
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    line = next((entry for entry in done.stdout.splitlines() if entry.startswith("BENCH_JSON")),
                None)
    if line is None:
        raise SystemExit(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("BENCH_JSON"))
    socket_errors = sum(result[key] for key in
                        ("connect_errors", "read_errors", "write_errors", "timeouts"))
    note = f"{result['requests']} requests"
    if result["forbidden"]:
        note += f", {result['forbidden']} x 403 (bad signatures?)"
    if result["server_errors"]:
        note += f", {result['server_errors']} x 5xx"
    if result["exhausted"]:
        note += ", POLLS RAN OUT: rate understated, rerun with fewer --seconds"
    return Row(name, result["requests"], result["duration_us"] / 1e6, result["p50_us"] / 1e3,
               result["p99_us"] / 1e3, result["max_us"] / 1e3,
               socket_errors + result["status_errors"], result["non_twiml"], note)


@dataclass(frozen=True)
class Sample:
    finished: float  # monotonic time the answer (or the failure) came
    elapsed: float
    twiml: bool
    status: int | None


def python_load(server: LiveServer, wait_path: str, callers: Sequence[Caller],
                connections: int, seconds: float,
                at: tuple[float, Callable[[], None]]) -> list[Sample]:
    """Threads with keep-alive connections, each its own callers' polls in order; calls
    at[1]() once, at[0] seconds in. Bounded: `seconds` plus one client timeout."""
    import http.client

    samples: list[Sample] = []
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + seconds

    def worker(share: Sequence[Caller]) -> None:
        connection: http.client.HTTPConnection | None = None
        mine: list[Sample] = []
        for round_ in range(1, 10_000):
            for caller in share:
                if time.monotonic() >= deadline:
                    with lock:
                        samples.extend(mine)
                    if connection:
                        connection.close()
                    return
                body, headers = signed_request(server.url(wait_path),
                                               caller.poll(round_, len(callers)),
                                               server.auth_token)
                sent = time.monotonic()
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection(
                            "127.0.0.1", server.port, timeout=CLIENT_TIMEOUT_S)
                    connection.request("POST", wait_path, body=body, headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                    answer = WebhookResponse(response.status, data, 0.0,
                                             response.getheader("Content-Type", ""))
                    status, twiml = answer.status, answer.is_twiml
                except (OSError, http.client.HTTPException):
                    status, twiml = None, False
                    if connection:
                        connection.close()
                    connection = None
                now = time.monotonic()
                mine.append(Sample(now, now - sent, twiml, status))

    threads = [threading.Thread(target=worker, args=(callers[i::connections],), daemon=True)
               for i in range(connections)]
    for thread in threads:
        thread.start()
    time.sleep(at[0])
    at[1]()
    for thread in threads:
        thread.join(seconds + CLIENT_TIMEOUT_S + 10)
    return samples


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1)]


def hung_row(samples: Sequence[Sample], since: float, until: float) -> Row:
    during = [s for s in samples if s.finished >= since]
    times = [s.elapsed for s in during]
    late = sum(s.elapsed > TWILIO_LIMIT_S for s in during)
    failed = sum(not s.twiml for s in during)
    server_errors = sum(s.status is not None and s.status >= 500 for s in during)
    no_answer = sum(s.status is None for s in during)
    note = (f"{len(during)} answers after the switch; {late} later than {TWILIO_LIMIT_S:.0f} s; "
            f"{server_errors} x 5xx; {no_answer} no answer in {CLIENT_TIMEOUT_S:.0f} s "
            "(timed at that)")
    return Row("postgres, database hung", len(during), until - since,
               percentile(times, 50) * 1e3, percentile(times, 99) * 1e3,
               max(times, default=0.0) * 1e3, server_errors + no_answer, failed, note)


# --- profiling ----------------------------------------------------------------------------


@contextlib.contextmanager
def profiled(server: LiveServer, name: str, seconds: int, into: Path | None,
             idle: bool = True) -> Iterator[None]:
    """py-spy on every worker for the run (nothing when `into` is None); `idle` False samples
    only threads on the CPU."""
    if into is None:
        yield
        return
    into.mkdir(parents=True, exist_ok=True)
    spies = [subprocess.Popen(
        ["py-spy", "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "100",
         *(["--idle"] if idle else []), "--nonblocking", "--format", "raw",
         "-o", str(into / f"{name}-{pid}.txt")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for pid in server.worker_pids()]
    try:
        yield
    finally:
        for spy in spies:
            try:
                spy.wait(timeout=seconds + 30)
            except subprocess.TimeoutExpired:
                spy.kill()
                spy.wait()


WRAPPERS = ("threading.py", "gunicorn/", "flask/app.py", "flask/ctx.py", "werkzeug/local.py",
            "concurrent/futures", "contextlib.py")


def function_of(frame: str) -> str:
    """'f (pkg/mod.py:12)' -> 'f (pkg/mod.py)': a function's time, whichever line ran."""
    return re.sub(r":\d+\)$", ")", frame)


def area_of(frame: str) -> str:
    """The top-level package a frame's file belongs to ('psycopg', 'app', 'werkzeug', ...)."""
    match = re.search(r"\(([^/:)]+)", frame)
    return (match.group(1).removesuffix(".py") if match else "?")


OPERATIONS = (  # (what a request thread is doing, a frame that shows it), first match wins
    ("pool pre-ping (SELECT 1 per checkout)", "do_ping ("),
    ("COMMIT", "do_commit ("),
    ("statements (execute)", "do_execute ("),
    ("pool checkout, connect", "Pool.connect ("),
    ("signature check", "SignatureCheck.is_valid ("),
    ("TwiML rendering", "(app/twiml.py"),
    ("the hold policy", "(hold_policies/"),
)


def summarize_profile(files: Sequence[Path], top: int = 12) -> str:
    """Where request threads spend their (wall-clock) time: samples under Flask's wsgi_app, by
    package and function of the running frame, by database operation, and by the app's own
    innermost call site."""
    own: collections.Counter[str] = collections.Counter()
    areas: collections.Counter[str] = collections.Counter()
    operations: collections.Counter[str] = collections.Counter()
    sites: collections.Counter[str] = collections.Counter()
    requests = other = 0
    for file in files:
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            frames = stack.split(";")
            if not any(frame.startswith("Flask.wsgi_app (") for frame in frames):
                other += int(count)
                continue
            requests += int(count)
            own[function_of(frames[-1])] += int(count)
            areas[area_of(frames[-1])] += int(count)
            operation = next((name for name, marker in OPERATIONS
                              if any(marker in frame for frame in frames)),
                             "other (Flask, werkzeug, app code)")
            operations[operation] += int(count)
            app_frames = [frame for frame in frames if "(app/" in frame]
            sites[" > ".join(app_frames[-2:]) or "(no app frame)"] += int(count)
    if not requests:
        return "no request samples"

    def listing(counter: collections.Counter[str], limit: int) -> list[str]:
        return [f"  {n / requests:6.1%}  {key}" for key, n in counter.most_common(limit)]

    return "\n".join([
        f"request-thread samples: {requests} (plus {other} outside a request: idle pool "
        "threads, gunicorn's main loop)",
        "self, by package of the running frame", *listing(areas, 6),
        "self, by function", *listing(own, top),
        "by operation (frame anywhere on the stack)", *listing(operations, len(OPERATIONS) + 1),
        "by the app's innermost call site (caller > callee)", *listing(sites, top)])


# --- the run -------------------------------------------------------------------------------


def bench_backend(kind: str, args: argparse.Namespace, workdir: Path, code: Path | None,
                  callers: Sequence[Caller]) -> list[tuple[Row, Row | None]]:
    rounds = max(2, math.ceil(MAX_RATE * args.seconds / len(callers)))
    rows: list[tuple[Row, Row | None]] = []
    host = workdir / kind
    host.mkdir(parents=True)
    with database(kind, host) as url:
        server = LiveServer(url, workdir=host, code_root=code, config=example_config(code))
        upgrade_database(server)
        with server:
            anchor_server = LiveServer(url, workdir=host / "anchor", code_root=code,
                                       config=example_config(code),
                                       app_target="pause_anchor:app",
                                       extra_env={"PYTHONPATH": str(HERE)})
            log(f"{kind}: seeding {len(callers)} callers (/voice/incoming, first /voice/wait)")
            wait_path = seed(server, callers)
            polls = write_polls(host / "polls", server, wait_path, callers, rounds)
            log(f"{kind}: {polls} signed polls prepared")
            with anchor_server:  # the same bytes; the anchor reads no signature
                workers_ready(anchor_server)
                with cpu_per_request(anchor_server, None) as measured:
                    anchor = run_wrk(f"anchor (<Pause>), {kind} run", anchor_server,
                                     host / "polls", args.seconds, args.connections)
                rows.append((measured(anchor), None))
            workers_ready(server)
            with profiled(server, kind, args.seconds, args.profile, not args.cpu_only), \
                    cpu_per_request(server, url) as measured:
                row = run_wrk(kind, server, host / "polls", args.seconds, args.connections)
            rows.append((measured(row), anchor))
            log(f"{kind}: {row.rate:.0f} req/s against the anchor's {anchor.rate:.0f}")
        if not args.no_ceiling:  # on the app's port: the polls are signed for its URL
            rows.append((ceiling_row(kind, NO_DATABASE, args, url, host, code, server.port),
                         anchor))
            rows.append((writes_behind_row(kind, args, host, code, server.port, callers,
                                           wait_path), anchor))
    return rows


NO_DATABASE = ("app with no database", "no_database:create()")
"""After the app's row, on its database and port (the polls are signed for its URL): the app
with no database work at all (benchmarks/no_database.py), the most that any work on the
database could bring."""
WRITES_BEHIND = ("app, writes behind", "no_database:create_write_behind()")
"""The app answering from that same view while every poll's count and check-in is still
written, batched behind the answers: what a redesign answering without a round trip could
reach (issue 11). On a database of its own, seeded as the app's was, so its polls are new
there and its writes do the work the app's did."""
SETTLE_S = 1.0  # for the last batches written behind to land before they are counted


def ceiling_row(kind: str, target: tuple[str, str], args: argparse.Namespace, url: str,
                host: Path, code: Path | None, port: int) -> Row:
    """The same polls to the app served as `target` (its label, a gunicorn app target)."""
    label, app_target = target
    server = target_server(url, host / app_target.split(":")[1].strip("()"), code, port,
                           app_target)
    with server:
        workers_ready(server)
        with cpu_per_request(server, None) as measured:
            row = run_wrk(f"{kind}, {label}", server, host / "polls", args.seconds,
                          args.connections)
    log(f"{kind}: the {label} {row.rate:.0f} req/s")
    return measured(row)


def target_server(url: str, workdir: Path, code: Path | None, port: int,
                  app_target: str = "app:create_app()") -> LiveServer:
    return LiveServer(url, workdir=workdir, code_root=code, config=example_config(code),
                      app_target=app_target, port=port,
                      extra_env={"PYTHONPATH": os.pathsep.join([str(code or ROOT), str(HERE)])})


def writes_behind_row(kind: str, args: argparse.Namespace, host: Path, code: Path | None,
                      port: int, callers: Sequence[Caller], wait_path: str) -> Row:
    """WRITES_BEHIND on a fresh database seeded by the app on the same port; its note says
    how many of the polls answered were counted in the log once the writes settled."""
    label, app_target = WRITES_BEHIND
    workdir = host / "writes-behind"
    (workdir / "seed").mkdir(parents=True)
    with database(kind, workdir) as url:
        seeder = target_server(url, workdir / "seed", code, port)
        upgrade_database(seeder)
        with seeder:
            if seed(seeder, callers) != wait_path:
                raise SystemExit("the writes-behind database's callers got another waitUrl")
        before = polls_logged(url)
        server = target_server(url, workdir, code, port, app_target)
        with server:
            workers_ready(server)
            with cpu_per_request(server, None) as measured:
                row = run_wrk(f"{kind}, {label}", server, host / "polls", args.seconds,
                              args.connections)
            time.sleep(SETTLE_S)
            written = polls_logged(url) - before
            failed = [line for line in server.log_text().splitlines()
                      if "writes behind: a batch failed" in line]
    log(f"{kind}: the {label} {row.rate:.0f} req/s, {written} polls written, "
        f"{len(failed)} batches failed{': ' + failed[0] if failed else ''}")
    # answers still in flight when wrk stopped are written but not timed: a few more
    return replace(measured(row), note=f"{row.note}; {written} polls written, "
                                       f"{len(failed)} batches failed".lstrip("; "))


def polls_logged(url: str) -> int:
    """The polls the call log has counted, over all its calls."""
    from sqlalchemy import create_engine, func, select

    from app.storage.schema import calls

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.coalesce(func.sum(calls.c.polls), 0))).scalar_one()
    finally:
        engine.dispose()


def bench_hung(args: argparse.Namespace, workdir: Path, code: Path | None,
               callers: Sequence[Caller]) -> Row:
    host = workdir / "hung"
    host.mkdir(parents=True)
    with TcpProxy(postgres_address()) as proxy, database("postgres", host, through=proxy) as url:
        server = LiveServer(url, workdir=host, code_root=code, config=example_config(code))
        upgrade_database(server)
        with server:
            log(f"hung: seeding {len(callers)} callers, then {HANG_AFTER_S:.0f} s of polls and "
                f"{args.hang_seconds} s with the database hung")
            wait_path = seed(server, callers)
            workers_ready(server)
            switched: list[float] = []

            def hang() -> None:
                proxy.set_mode("hang")
                switched.append(time.monotonic())
                log("hung: proxy switched to hang")

            samples = python_load(server, wait_path, callers, args.connections,
                                  HANG_AFTER_S + args.hang_seconds, (HANG_AFTER_S, hang))
            ended = max(s.finished for s in samples)
            proxy.set_mode("pass")  # let the workers finish before gunicorn is stopped
    return hung_row(samples, switched[0], ended)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=20, help="timed run per server")
    parser.add_argument("--callers", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--hang-seconds", type=int, default=20)
    parser.add_argument("--no-hang", action="store_true", help="skip the database-hung row")
    parser.add_argument("--no-ceiling", action="store_true",
                        help="skip the rows of the app without database reads (CEILINGS)")
    parser.add_argument("--rev", help="benchmark this git revision instead of the working tree")
    parser.add_argument("--code", type=Path, help="benchmark the code in this directory")
    parser.add_argument("--profile", type=Path, help="py-spy the workers, stacks into this dir")
    parser.add_argument("--cpu-only", action="store_true",
                        help="with --profile: sample threads on the CPU only (no waits)")
    args = parser.parse_args(argv)
    if not 1 <= args.seconds <= 600 or not 1 <= args.hang_seconds <= 120:
        parser.error("--seconds must be within 1..600 and --hang-seconds within 1..120")
    if not 100 <= args.callers <= 100_000 or not 1 <= args.connections <= 512:
        parser.error("--callers must be within 100..100000, --connections within 1..512")
    if args.rev and args.code:
        parser.error("--rev and --code name two different codes: give one")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    callers = make_callers(args.callers)
    kinds = ["postgres", "sqlite"] if args.db == "both" else [args.db]
    rows: list[tuple[Row, Row | None]] = []
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as tmp:
        workdir = Path(tmp)
        code = args.code.resolve() if args.code else code_checkout(args.rev, workdir)
        for kind in kinds:
            rows += bench_backend(kind, args, workdir, code, callers)
        if "postgres" in kinds and not args.no_hang:
            rows.append((bench_hung(args, workdir, code, callers), None))
    print()
    print(f"/voice/wait over HTTP: gunicorn per the Procfile, {args.callers} callers, "
          f"{args.connections} connections, {args.seconds} s per run, code: "
          f"{args.rev or args.code or 'working tree'}")
    print(format_table(rows))
    print("load average (1/5/15 min) at the end: "
          + " ".join(f"{load:.1f}" for load in os.getloadavg())
          + f" on {os.cpu_count()} CPUs (other work on the box lowers every rate)")
    if args.profile:
        for kind in kinds:
            how = "on-CPU samples" if args.cpu_only else "py-spy --idle"
            print(f"\nprofile, {kind} ({how}, {args.profile}/{kind}-*.txt)")
            print(summarize_profile(sorted(args.profile.glob(f"{kind}-*.txt"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
