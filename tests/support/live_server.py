"""The Procfile's web process for real, and signed Twilio webhooks posted to it over HTTP.

Why: in-process test clients hide what matters under faults and load (gunicorn's workers and
threads, its timeouts, real sockets, a worker killed mid-request); issue 11's fault, two-host and
benchmark runs need the app exactly as deployed.

API::

    from tests.support.live_server import LiveServer, live_servers, post_signed

    with LiveServer(database_url=url, workdir=tmp_path) as web:   # or live_servers fixture
        web.base_url                    # "http://127.0.0.1:<free port>"
        answer = web.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"},
                          timeout=20)   # signed like Twilio; never raises
        answer.status, answer.body, answer.elapsed, answer.error, answer.is_twiml
        web.worker_pids()               # gunicorn's worker processes (children of the master)
        pid = web.kill_worker()         # kill -9 one worker; gunicorn forks a new one
        web.wait_for_workers(2, exclude={pid})
        web.log_text()                  # gunicorn's stdout+stderr so far

    def test_two_hosts(live_servers, fresh_postgres_url):   # fixture: a factory; every
        a = live_servers(database_url=fresh_postgres_url)    # server it started is stopped
        b = live_servers(database_url=fresh_postgres_url)    # at teardown

`LiveServer(database_url, *, workdir, auth_token=AUTH_TOKEN, public_url=None,
config=<holdwell.example.toml> (None: built-in defaults), extra_env=None, port=None,
startup_timeout_s=60, code_root=None, app_target=None)`. `code_root` runs another checkout of
the code (e.g. a `git archive` of a revision: first on PYTHONPATH, its own Procfile);
`app_target` serves another WSGI app with the same gunicorn settings. The environment is this
process's minus every HOLDWELL_*/TWILIO_*, DATABASE_URL, PORT and GUNICORN_CMD_ARGS, plus
exactly what is passed. With `public_url` (HOLDWELL_PUBLIC_URL) `post` signs over
public_url + path, as Twilio would have seen it, and posts to 127.0.0.1; otherwise it signs over
the exact URL posted. `start()` returns once an HTTP request is answered (gunicorn workers
accept only after loading the app); `stop()` sends SIGTERM to the process group, then SIGKILL
after `grace_s` (default 5 s). `post_signed(url, params, ...)` is the same signed POST for any URL.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import AUTH_TOKEN

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "holdwell.example.toml"
CLEARED_ENV_PREFIXES = ("HOLDWELL_", "TWILIO_")
CLEARED_ENV = {"DATABASE_URL", "PORT", "GUNICORN_CMD_ARGS"}
STARTUP_ATTEMPTS = 3  # a free port can be taken between choosing it and gunicorn binding it


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def web_command(port: int, host: str = "127.0.0.1", root: Path = ROOT,
                app_target: str | None = None) -> str:
    """The Procfile's `web:` command, bound to host:port instead of 0.0.0.0:$PORT.

    `app_target` replaces the WSGI app (gunicorn's last argument) and keeps every other
    setting: the benchmark's bare anchor view runs under exactly the app's gunicorn settings.
    """
    lines = (root / "Procfile").read_text(encoding="utf-8").splitlines()
    line = next(entry for entry in lines if entry.startswith("web:"))
    command = line.removeprefix("web:").strip().replace("0.0.0.0", host).replace(
        "${PORT:-5000}", str(port))
    if app_target is None:
        return command
    words = shlex.split(command)
    return shlex.join([*words[:-1], app_target])


@dataclass(frozen=True)
class WebhookResponse:
    """What came back over HTTP; status None means no answer (error says why)."""

    status: int | None
    body: bytes
    elapsed: float
    content_type: str = ""
    error: str | None = None

    @property
    def is_twiml(self) -> bool:
        """A 200 whose body is a TwiML <Response> document: what Twilio can play."""
        if self.status != 200 or "xml" not in self.content_type:
            return False
        try:
            return ElementTree.fromstring(self.body).tag == "Response"
        except ElementTree.ParseError:
            return False


def signed_request(url: str, params: Mapping[str, str], auth_token: str = AUTH_TOKEN,
                   signature_url: str | None = None) -> tuple[bytes, dict[str, str]]:
    """Body and headers of Twilio's POST to `url`, signed over signature_url (default: url)."""
    signature = RequestValidator(auth_token).compute_signature(signature_url or url,
                                                               dict(params))
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": signature}
    return urlencode(params).encode(), headers


def post_signed(url: str, params: Mapping[str, str], *, auth_token: str = AUTH_TOKEN,
                signature_url: str | None = None, timeout: float = 20.0) -> WebhookResponse:
    """POST a signed webhook over real HTTP; timeouts and socket errors are answers too."""
    body, headers = signed_request(url, params, auth_token, signature_url)
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return WebhookResponse(response.status, data, time.perf_counter() - started,
                               response.getheader("Content-Type", ""))
    except TimeoutError:
        return WebhookResponse(None, b"", time.perf_counter() - started, error="timeout")
    except (OSError, http.client.HTTPException) as error:
        return WebhookResponse(None, b"", time.perf_counter() - started,
                               error=f"{error.__class__.__name__}: {error}")
    finally:
        connection.close()


def children_of(pid: int) -> list[int]:
    """Live child processes of `pid` (from /proc; gunicorn's workers of its master)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we looked
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            children.append(int(entry.name))
    return sorted(children)


class LiveServer:
    """The Procfile's web command (gunicorn) on 127.0.0.1, one per simulated host."""

    def __init__(
        self,
        database_url: str,
        *,
        workdir: Path,
        auth_token: str = AUTH_TOKEN,
        public_url: str | None = None,
        config: Path | str | None = EXAMPLE_CONFIG,
        extra_env: Mapping[str, str] | None = None,
        port: int | None = None,
        startup_timeout_s: float = 60.0,  # a loaded 2-core box once took over 30 s
        code_root: Path | None = None,
        app_target: str | None = None,
    ) -> None:
        self.database_url = database_url
        self.workdir = Path(workdir)
        self.auth_token = auth_token
        self.public_url = public_url.rstrip("/") if public_url else None
        self.config = config
        self.extra_env = dict(extra_env or {})
        self.requested_port = port
        self.port = port or 0
        self.startup_timeout_s = startup_timeout_s
        self.code_root = Path(code_root) if code_root else None
        self.app_target = app_target
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """This process's environment without app settings, plus this server's."""
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(CLEARED_ENV_PREFIXES) and key not in CLEARED_ENV}
        env.update({"DATABASE_URL": self.database_url, "TWILIO_AUTH_TOKEN": self.auth_token})
        if self.public_url:
            env["HOLDWELL_PUBLIC_URL"] = self.public_url
        if self.config is not None:
            env["HOLDWELL_CONFIG"] = str(self.config)
        if self.code_root:
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(self.code_root), env.get("PYTHONPATH")]))
        env.update(self.extra_env)
        return env

    def command(self) -> str:
        return web_command(self.port, root=self.code_root or ROOT, app_target=self.app_target)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LiveServer:
        """Start gunicorn and return once it answers HTTP (raises with its log if it cannot)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        for attempt in range(STARTUP_ATTEMPTS):
            self.port = self.requested_port or free_port()
            self.log_path = self.workdir / f"gunicorn-{self.port}.log"
            self._log = self.log_path.open("ab")
            self.process = subprocess.Popen(
                ["bash", "-c", f"exec {self.command()}"], cwd=self.workdir,
                env=self.environment(), stdout=self._log, stderr=subprocess.STDOUT,
                start_new_session=True)
            if self._wait_until_serving():
                return self
            self.stop()
            port_taken = "Address already in use" in self.log_text()
            if not port_taken or self.requested_port or attempt == STARTUP_ATTEMPTS - 1:
                break
        raise RuntimeError(f"gunicorn did not start on port {self.port}:\n{self.log_text()}")

    def _wait_until_serving(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/")
                connection.getresponse().read()
                return True
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)
            finally:
                connection.close()
        return False

    def stop(self, grace_s: float = 5.0) -> None:
        """SIGTERM the whole process group, SIGKILL it after grace_s; idempotent."""
        process, self.process = self.process, None
        if process is not None:
            for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 10.0)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, sig)
                try:
                    process.wait(timeout=wait_s)
                    break
                except subprocess.TimeoutExpired:
                    continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # workers orphaned by a killed master
        if self._log is not None:
            self._log.close()
            self._log = None

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def post(self, path: str, params: Mapping[str, str], *,
             timeout: float = 20.0) -> WebhookResponse:
        """POST a signed webhook to `path` (with its query string), as Twilio would."""
        signature_url = f"{self.public_url}{path}" if self.public_url else None
        return post_signed(self.url(path), params, auth_token=self.auth_token,
                           signature_url=signature_url, timeout=timeout)

    def master_pid(self) -> int:
        if self.process is None:
            raise RuntimeError("server not running")
        return self.process.pid

    def worker_pids(self) -> list[int]:
        return children_of(self.master_pid())

    def kill_worker(self, sig: int = signal.SIGKILL, pid: int | None = None) -> int:
        """Kill one worker (the first, unless `pid` is given) and return its pid."""
        victim = pid if pid is not None else self.worker_pids()[0]
        os.kill(victim, sig)
        return victim

    def wait_for_workers(self, count: int, *, exclude: set[int] | frozenset[int] = frozenset(),
                         timeout_s: float = 30.0) -> list[int]:
        """Wait until `count` workers run, none of them in `exclude` (e.g. a killed one)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            workers = [pid for pid in self.worker_pids() if pid not in exclude]
            if len(workers) >= count:
                return workers
            time.sleep(0.1)
        raise TimeoutError(f"gunicorn has {self.worker_pids()} workers, wanted {count}")

    def log_text(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def live_servers(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """A factory of started LiveServers (two calls: two hosts); all stopped at teardown."""
    started: list[LiveServer] = []

    def start(database_url: str, **options: object) -> LiveServer:
        workdir = tmp_path / f"host{len(started) + 1}"
        server = LiveServer(database_url, workdir=workdir, **options)  # type: ignore[arg-type]
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
