"""`holdwell serve` refuses a --host or --port it cannot listen on in one line naming the
option, before the app starts: the development server had printed only "Name or
service not known" or "Cannot assign requested address" after the migrations."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli


@pytest.fixture
def serve(tmp_path: Path, monkeypatch):  # noqa: ANN201
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'h.db'}")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "0" * 32)
    monkeypatch.delenv("HOLDWELL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: str):  # noqa: ANN202
        return CliRunner().invoke(cli, ["serve", *args])

    return run


def test_a_host_with_no_address_is_named(serve):
    result = serve("--host", "no-such-host.invalid", "--port", "5999")
    assert result.exit_code == 2, result.output
    assert "Invalid value for --host: no address found for 'no-such-host.invalid'" \
        in result.output


def test_a_port_in_use_is_named(serve):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve("--host", "127.0.0.1", "--port", str(port))
    assert result.exit_code == 2, result.output
    assert f"Invalid value for --port: port {port} is in use" in result.output


def test_an_address_of_another_machine_is_named(serve):
    result = serve("--host", "192.0.2.1", "--port", "5999")  # TEST-NET-1: nobody's
    assert result.exit_code == 2, result.output
    assert "Invalid value for --host: '192.0.2.1' is not an address of this machine" \
        in result.output


def test_the_host_is_probed_in_the_family_the_server_binds(monkeypatch):
    """'localhost' listed with ::1 first, on a machine without that address (IPv6 off, as in
    many containers): the server binds 127.0.0.1, so the probe must too."""
    from cli.main import bindable

    real = socket.getaddrinfo

    def ipv6_first(host, port, family=0, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if host == "localhost" and family == socket.AF_UNSPEC:
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2001:db8::1", port, 0, 0)),
                    *real("127.0.0.1", port, socket.AF_INET, *args, **kwargs)]
        return real(host, port, family, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", ipv6_first)
    bindable("localhost", 0)  # no BadParameter: 127.0.0.1 is this machine's
