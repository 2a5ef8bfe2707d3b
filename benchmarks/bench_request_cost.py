"""Where a /voice/wait answer's CPU goes: the app with and without its database, against the
bare <Pause> view, interleaved in one process.

    python benchmarks/bench_request_cost.py [--db sqlite|postgres|both] [--rounds 7]
        [--requests 300] [--callers 300]

Why: bench_webhooks.py says how fast the deployed app answers, but on a shared two-core box
its rates move by half from one run to the next, and it cannot say which part of an answer
costs what. Here one process serves the same signed steady polls (QueueTime +60 s a poll,
under holdwell.example.toml) through Flask's test client, round after round, to:

- `anchor`: benchmarks/pause_anchor.py, the bare Flask view answering <Pause>;
- `app, no database`: the whole app (signature, forms, route, policy, TwiML), with the call
  log's poll answered from one view read earlier and its writes dropped: the floor the app's
  own Python sets, whatever the database costs;
- `app`: the whole app on a fresh SQLite file or PostgreSQL database.

It prints the median CPU time per answer of this process (user + system, ms) over the rounds
and its ratio to the anchor's. PostgreSQL's own CPU is not in it (bench_webhooks.py adds it).
One thread: SQLite's group commit writes batches of one here. The test client costs every
row the same (it is in the anchor too), so ratios are lower than over HTTP, not higher.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from twilio.request_validator import RequestValidator  # noqa: E402

from app import create_app  # noqa: E402
from app.storage.migrate import upgrade  # noqa: E402
from benchmarks import pause_anchor  # noqa: E402
from benchmarks.bench_webhooks import make_callers  # noqa: E402
from benchmarks.no_database import RememberedView  # noqa: E402
from tests.conftest import AUTH_TOKEN  # noqa: E402
from tests.support.postgres import fresh_database  # noqa: E402

WAIT = "/voice/wait?queue=support&policy=checkin"
Request = tuple[str, str, str]  # path, body, signature


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def headers(signature: str) -> dict[str, str]:
    return {"X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded"}


def signed(path: str, params: dict[str, str]) -> Request:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"http://localhost{path}", params)
    return path, urlencode(params), signature


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "postgres":
        with fresh_database() as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'holdwell.db'}"
        upgrade(url)
        yield url


def measure(kind: str, rounds: int, per_round: int, callers: int) -> dict[str, list[float]]:
    """CPU ms per answer of each variant, one list entry per round."""
    with database(kind) as url, tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "holdwell.toml"
        config.write_text((ROOT / "holdwell.example.toml").read_text())
        app = create_app({"auth_token": AUTH_TOKEN, "database_url": url,
                          "config_path": str(config), "journal_dir": str(Path(folder) / "j"),
                          "db_budget_s": 5.0})
        client, anchor = app.test_client(), pause_anchor.app.test_client()
        people = make_callers(callers)
        log(f"{kind}: seeding {callers} callers")
        for caller in people:
            for path, params in (("/voice/incoming", caller.incoming()),
                                 (WAIT, caller.poll(0, callers))):
                path, body, signature = signed(path, params)
                answer = client.post(path, data=body, headers=headers(signature))
                assert answer.status_code == 200, answer.data
        polls_needed = rounds * per_round + 1  # both app variants serve the same slice
        polls = [signed(WAIT, caller.poll(round_, callers))
                 for round_ in range(1, polls_needed // callers + 2) for caller in people]
        store = app.extensions["holdwell"].store
        remembered = RememberedView(store)
        with remembered.installed():  # its first poll is real: the view every later one gets
            path, body, signature = polls.pop(0)
            client.post(path, data=body, headers=headers(signature))
        served: dict[str, list[float]] = {"anchor": [], "app, no database": [], "app": []}
        for round_ in range(rounds):
            log(f"{kind}: round {round_ + 1} of {rounds}")
            served["anchor"].append(cpu_per_answer(anchor, polls[:per_round]))
            with remembered.installed():
                served["app, no database"].append(cpu_per_answer(client, polls[:per_round]))
            served["app"].append(cpu_per_answer(client, polls[:per_round]))
            del polls[:per_round]
        store.engine.dispose()
        return served


def cpu_per_answer(client, requests: list[Request]) -> float:  # noqa: ANN001
    started = time.process_time()
    for path, body, signature in requests:
        client.post(path, data=body, headers=headers(signature))
    return (time.process_time() - started) / len(requests) * 1000


def table(results: dict[str, dict[str, list[float]]], rounds: int, per_round: int) -> str:
    lines = [f"/voice/wait in one process (Flask test client), {rounds} rounds of {per_round} "
             "steady polls; CPU ms per answer of this process, median over rounds (range)",
             f"{'database':<10} {'variant':<18} {'cpu ms/answer':>14} {'x anchor':>9}  range",
             "-" * 72]
    for kind, served in results.items():
        anchor = statistics.median(served["anchor"])
        for variant, values in served.items():
            median = statistics.median(values)
            lines.append(f"{kind:<10} {variant:<18} {median:14.3f} {median / anchor:9.2f}  "
                         f"{min(values):.3f}-{max(values):.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300, help="polls per variant a round")
    parser.add_argument("--callers", type=int, default=300)
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = {kind: measure(kind, args.rounds, args.requests, args.callers) for kind in kinds}
    print(table(results, args.rounds, args.requests))


if __name__ == "__main__":
    main()
