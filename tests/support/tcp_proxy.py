"""A TCP proxy a test controls, to put PostgreSQL behind faults a real network has.

Why: "the database refuses" is easy to fake with a closed port, but a database that *hangs*
(a network black hole), answers slowly or drops connections mid-statement is not; those are the
faults that blow a webhook's time budget (issue 11).

API::

    from tests.support.tcp_proxy import TcpProxy, proxied_url

    with TcpProxy(("127.0.0.1", 5432)) as proxy:     # listens on 127.0.0.1:<ephemeral>
        url = proxied_url(postgres_url, proxy)        # same URL, host/port -> the proxy
        proxy.set_mode("pass")                        # forward both ways (the default)
        proxy.set_mode("slow", delay_ms=200)          # +200 ms on every chunk, both directions
        proxy.set_mode("hang")                        # black hole: forward nothing, new and
                                                      # existing connections (no FIN, no RST)
        proxy.set_mode("refuse")                      # stop listening (ECONNREFUSED) and reset
                                                      # every current connection: server down
        proxy.set_mode("drop")                        # reset every current connection now,
                                                      # then behave as "pass" (mode == "pass")
        proxy.slow_open_connections(delay_ms=600)     # +600 ms on the connections open now
                                                      # only (a stalled path): new ones pass
        proxy.mode, proxy.port, proxy.address, proxy.active_connections, proxy.accepted

`set_mode` takes effect before it returns (the listener is closed/reopened, resets are done);
a chunk already being forwarded when "hang" is set may still arrive. Leaving "hang" forwards
what the kernel buffered meanwhile, as a recovered network would. The pytest fixture
`tcp_proxy` (import it into a test module) yields a proxy in front of the test PostgreSQL
(tests.support.postgres.postgres_address) and closes it afterwards. Bounded: at most
`max_connections` connections (extra ones are reset at once), 64 KiB reads, 5 s send timeout,
delays up to 10 s, and `close()` joins every thread it started.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Literal

import pytest
from sqlalchemy.engine import make_url

Mode = Literal["pass", "refuse", "hang", "slow", "drop"]
MODES: tuple[str, ...] = ("pass", "refuse", "hang", "slow", "drop")
POLL_S = 0.02  # how often idle threads look at the mode; bounds how late a change is seen
CHUNK = 65536
SEND_TIMEOUT_S = 5.0
MAX_DELAY_MS = 10_000
JOIN_TIMEOUT_S = 5.0


def _reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets a TCP RST, as on a crashed host or a cut link."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Connection:
    """One client connection and its upstream, pumped by one thread."""

    def __init__(self, proxy: TcpProxy, client: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream: socket.socket | None = None
        self.reset_requested = threading.Event()
        self.finished = threading.Event()
        self.delay_ms = 0  # this connection's own delay (slow_open_connections)
        self.thread = threading.Thread(target=self._run, name="tcp-proxy-conn", daemon=True)

    def _run(self) -> None:
        try:
            self._pump()
        except OSError:
            pass  # either side went away or a send timed out: the connection is over
        finally:
            if self.reset_requested.is_set():
                _reset(self.client)
                if self.upstream is not None:
                    _reset(self.upstream)
            else:
                for sock in (self.client, self.upstream):
                    if sock is not None:
                        with contextlib.suppress(OSError):
                            sock.close()
            self.proxy._forget(self)
            self.finished.set()

    def _blocked(self) -> bool:
        """True while traffic must not move; waits a poll interval so the caller can loop."""
        if self.proxy.mode != "hang":
            return False
        self.reset_requested.wait(POLL_S)
        return True

    def _pump(self) -> None:
        proxy = self.proxy
        while self._blocked():  # a connection made during a hang does not reach upstream
            if proxy._stopping.is_set() or self.reset_requested.is_set():
                return
        self.upstream = socket.create_connection(proxy.upstream, timeout=SEND_TIMEOUT_S)
        self.client.settimeout(SEND_TIMEOUT_S)
        peers = {self.client: self.upstream, self.upstream: self.client}
        while not (proxy._stopping.is_set() or self.reset_requested.is_set()):
            if self._blocked():
                continue
            readable, _, _ = select.select(list(peers), [], [], POLL_S)
            for sock in readable:
                if self.reset_requested.is_set() or self._blocked():
                    break  # leave the bytes in the kernel: nothing crosses a hang
                data = sock.recv(CHUNK)
                if not data:
                    return
                delay_ms = self.delay_ms or (proxy.delay_ms if proxy.mode == "slow" else 0)
                if delay_ms:
                    self.reset_requested.wait(delay_ms / 1000)
                peers[sock].sendall(data)


class TcpProxy:
    """A threaded TCP proxy on 127.0.0.1 whose fault mode a test switches at run time."""

    def __init__(
        self,
        upstream: tuple[str, int] = ("127.0.0.1", 5432),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_connections: int = 128,
    ) -> None:
        self.upstream = upstream
        self.host = host
        self.port = port
        self.max_connections = max_connections
        self.mode: Mode = "pass"
        self.delay_ms = 0
        self.accepted = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[_Connection] = set()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def active_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> TcpProxy:
        """Listen (an ephemeral port unless one was given) and start accepting."""
        with self._lock:
            self._listen()
        self._acceptor = threading.Thread(target=self._accept_loop, name="tcp-proxy-accept",
                                          daemon=True)
        self._acceptor.start()
        return self

    def set_mode(self, mode: Mode, *, delay_ms: int = 0) -> None:
        """Switch the fault; in force for new and existing connections when this returns."""
        if mode not in MODES:
            raise ValueError(f"unknown proxy mode {mode!r}; known: {', '.join(MODES)}")
        if not 0 <= delay_ms <= MAX_DELAY_MS:
            raise ValueError(f"delay_ms must be within 0..{MAX_DELAY_MS}, got {delay_ms}")
        if mode == "slow" and not delay_ms:
            raise ValueError("slow mode needs delay_ms > 0")
        with self._lock:
            self.delay_ms = delay_ms
            self.mode = "pass" if mode == "drop" else mode
            if mode == "refuse" and self._listener is not None:
                self._listener.close()
                self._listener = None
            elif mode != "refuse" and self._listener is None and not self._stopping.is_set():
                self._listen()
        if mode in ("drop", "refuse"):
            self.reset_all()

    def slow_open_connections(self, *, delay_ms: int) -> None:
        """Delay every chunk of the connections open now by `delay_ms` (one a chunk is being
        forwarded on still sends it first), as a stalled path would; new ones are unaffected.
        Why: a COMMIT whose acknowledgement is late while a fresh connection gets through."""
        if not 0 < delay_ms <= MAX_DELAY_MS:
            raise ValueError(f"delay_ms must be within 1..{MAX_DELAY_MS}, got {delay_ms}")
        with self._lock:
            for connection in self._connections:
                connection.delay_ms = delay_ms

    def reset_all(self) -> None:
        """Reset (RST) every current connection and wait until each is gone."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.reset_requested.set()
        for connection in connections:
            connection.finished.wait(JOIN_TIMEOUT_S)

    def close(self) -> None:
        """Stop listening, close every connection and join every thread started."""
        self._stopping.set()
        with self._lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            connections = list(self._connections)
        if self._acceptor is not None:
            self._acceptor.join(JOIN_TIMEOUT_S)
        for connection in connections:
            connection.thread.join(JOIN_TIMEOUT_S)
        leaked = [c for c in connections if c.thread.is_alive()]
        if (self._acceptor is not None and self._acceptor.is_alive()) or leaked:
            raise RuntimeError("tcp proxy threads did not stop")

    def _listen(self) -> None:
        """Bind (again, on the same port after a refusal); callers hold the lock."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(self.max_connections)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._listener = listener

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            listener = self._listener
            if listener is None:
                time.sleep(POLL_S)
                continue
            try:
                readable, _, _ = select.select([listener], [], [], POLL_S)
            except (OSError, ValueError):
                continue  # closed by set_mode("refuse") or close() while we waited
            if not readable:
                continue
            with self._lock:
                if listener is not self._listener:
                    continue
                try:
                    client, _ = listener.accept()
                except OSError:
                    continue
                if len(self._connections) >= self.max_connections:
                    _reset(client)
                    continue
                client.setblocking(True)
                connection = _Connection(self, client)
                self._connections.add(connection)
                self.accepted += 1
            connection.thread.start()

    def _forget(self, connection: _Connection) -> None:
        with self._lock:
            self._connections.discard(connection)


def proxied_url(url: str, proxy: TcpProxy) -> str:
    """The same database URL (driver, user, password, database), reached through `proxy`."""
    host, port = proxy.address
    return make_url(url).set(host=host, port=port).render_as_string(hide_password=False)


@contextlib.contextmanager
def running_proxy(upstream: tuple[str, int] | None = None) -> Iterator[TcpProxy]:
    """A started proxy (default: to the test PostgreSQL), closed, threads joined, on exit."""
    from tests.support.postgres import postgres_address

    proxy = TcpProxy(upstream or postgres_address()).start()
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.fixture
def tcp_proxy() -> Iterator[TcpProxy]:
    """A proxy in front of the test PostgreSQL (127.0.0.1:5432 by default), in "pass" mode."""
    with running_proxy() as proxy:
        yield proxy
