"""`holdwell twilio setup` against a fake Twilio account at the REST client boundary.

The twilio SDK's own instance classes carry the account's state, so the command reads the
attribute names real responses have; every write is recorded and changes the fake account,
so a second run sees what the first one did.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from twilio.base.exceptions import TwilioRestException
from twilio.rest.api.v2010.account.incoming_phone_number import IncomingPhoneNumberInstance
from twilio.rest.api.v2010.account.outgoing_caller_id import OutgoingCallerIdInstance
from twilio.rest.api.v2010.account.queue import QueueInstance

from cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "AC" + "1" * 32
TOKEN = "secret-token"
PUBLIC = "https://hold.example.com"
LINE = "+14155550100"
OTHER = "+14155550199"
CONFIG = f"""
[line]
support_number = "{LINE}"
[queues.support]
policy = "callback"
[queues.sales]
policy = "checkin"
max_size = 50
"""


class FakeAccount:
    """What Twilio holds for the account, and every write the command made."""

    def __init__(self, mocker, *, queues=None, numbers=None, verified=()) -> None:  # noqa: ANN001
        self.version = mocker.Mock(name="Version")
        self.writes: list[tuple] = []
        self.queues = {name: self.queue(sid, name, size)
                       for sid, name, size in (queues or [])}
        self.numbers = {payload["phone_number"]: payload for payload in (numbers or [])}
        self.verified = [OutgoingCallerIdInstance(self.version, {"phone_number": n, "sid": "PN"},
                                                  ACCOUNT) for n in verified]
        client = mocker.MagicMock(name="Client()")
        client.queues.list.side_effect = lambda **_: list(self.queues.values())
        client.queues.create.side_effect = self.create_queue
        client.queues.side_effect = self.queue_context
        client.incoming_phone_numbers.list.side_effect = self.list_numbers
        client.incoming_phone_numbers.side_effect = self.number_context
        client.outgoing_caller_ids.list.side_effect = lambda phone_number: [
            c for c in self.verified if phone_number in c.phone_number]
        self.client = client

    def queue(self, sid: str, name: str, size: int) -> QueueInstance:
        return QueueInstance(self.version, {"sid": sid, "friendly_name": name, "max_size": size,
                                            "current_size": 0}, ACCOUNT)

    def create_queue(self, friendly_name: str, max_size: int) -> QueueInstance:
        self.writes.append(("create queue", friendly_name, max_size))
        self.queues[friendly_name] = self.queue(f"QU{len(self.queues)}", friendly_name, max_size)
        return self.queues[friendly_name]

    def queue_context(self, sid: str):  # noqa: ANN201 - a QueueContext stand-in
        def update(max_size: int) -> QueueInstance:
            self.writes.append(("update queue", sid, max_size))
            name = next(q.friendly_name for q in self.queues.values() if q.sid == sid)
            self.queues[name] = self.queue(sid, name, max_size)
            return self.queues[name]
        return type("QueueContext", (), {"update": staticmethod(update)})

    def list_numbers(self, phone_number: str) -> list[IncomingPhoneNumberInstance]:
        return [IncomingPhoneNumberInstance(self.version, payload, ACCOUNT)
                for number, payload in self.numbers.items() if phone_number in number]

    def number_context(self, sid: str):  # noqa: ANN201 - an IncomingPhoneNumberContext stand-in
        def update(**values: str) -> None:
            self.writes.append(("update number", sid, values))
            payload = next(p for p in self.numbers.values() if p["sid"] == sid)
            payload.update(values)
        return type("NumberContext", (), {"update": staticmethod(update)})


def number(phone_number: str = LINE, **settings: str | None) -> dict:
    return {"sid": "PN" + phone_number[-4:], "phone_number": phone_number,
            "voice_url": "https://demo.twilio.com/welcome/voice/", "voice_method": "GET",
            "status_callback": "", "status_callback_method": "POST",
            "voice_application_sid": None, "trunk_sid": None, **settings}


@pytest.fixture
def run(mocker, monkeypatch, tmp_path):  # noqa: ANN201
    """Run the command on a config and a fake account; returns (result, account)."""
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("HOLDWELL_PUBLIC_URL", PUBLIC)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    monkeypatch.delenv("HOLDWELL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./holdwell.toml but the test's own

    def invoke(account: FakeAccount, *args: str, config: str = CONFIG):  # noqa: ANN202
        path = tmp_path / "holdwell.toml"
        path.write_text(config, encoding="utf-8")
        monkeypatch.setenv("HOLDWELL_CONFIG", str(path))
        built = mocker.patch("app.twilio_rest.Client", return_value=account.client)
        result = CliRunner().invoke(cli, ["twilio", "setup", *args])
        assert "Traceback" not in result.output
        if built.called:
            assert built.call_args.args == (ACCOUNT, TOKEN)
        return result

    return invoke


def test_a_fresh_account_gets_its_queues_sized_and_its_number_pointed_at_the_app(mocker, run):
    # Twilio made `support` on the first <Enqueue>, with the old default size of 100.
    account = FakeAccount(mocker, queues=[("QU1", "support", 100)], numbers=[number()])
    result = run(account)
    assert result.exit_code == 0, result.output
    assert account.writes == [
        ("update queue", "QU1", 1000),
        ("create queue", "sales", 50),
        ("update number", "PN0100", {"voice_url": f"{PUBLIC}/voice/incoming",
                                     "voice_method": "POST",
                                     "status_callback": f"{PUBLIC}/voice/status"}),
    ]
    assert "changed: queue support: max_size 100 -> 1000" in result.output
    assert "changed: queue sales: (does not exist) -> created with max_size 50" in result.output
    assert (f"changed: number {LINE}: voice_url https://demo.twilio.com/welcome/voice/ -> "
            f"{PUBLIC}/voice/incoming") in result.output
    assert "voice_method GET -> POST" in result.output
    assert f"status_callback (none) -> {PUBLIC}/voice/status" in result.output
    assert f"callback caller ID {LINE}: a phone number of this account" in result.output

    again = run(account)
    assert again.exit_code == 0, again.output
    assert "nothing to change" in again.output and "changed:" not in again.output
    assert len(account.writes) == 3  # the second run wrote nothing


def test_dry_run_prints_the_plan_and_writes_nothing(mocker, run):
    account = FakeAccount(mocker, queues=[("QU1", "support", 100)], numbers=[number()])
    result = run(account, "--dry-run")
    assert result.exit_code == 0, result.output
    assert account.writes == []
    account.client.queues.create.assert_not_called()
    assert "would change: queue support: max_size 100 -> 1000" in result.output
    assert ("would change: queue sales: (does not exist) -> created with max_size 50"
            in result.output)
    assert f"would change: number {LINE}: voice_method GET -> POST" in result.output


def test_a_provisioned_account_has_nothing_to_change(mocker, run):
    account = FakeAccount(mocker, queues=[("QU1", "support", 1000), ("QU2", "sales", 50)],
                          numbers=[number(voice_url=f"{PUBLIC}/voice/incoming",
                                          voice_method="POST",
                                          status_callback=f"{PUBLIC}/voice/status")])
    for args in ((), ("--dry-run",)):
        result = run(account, *args)
        assert result.exit_code == 0 and "nothing to change" in result.output, result.output
    assert account.writes == []


def test_a_caller_id_the_account_may_not_use_stops_setup_with_a_clear_message(mocker, run):
    # The number callers dial is ours, but callbacks would ring from a stranger's number.
    account = FakeAccount(mocker, numbers=[number(OTHER)])
    result = run(account, "--number", OTHER)
    assert result.exit_code == 1
    assert f"callback caller ID {LINE} ([line] support_number) is neither" in result.output
    assert "nothing changed" in result.output
    assert account.writes == []


def test_a_verified_caller_id_is_usable(mocker, run):
    account = FakeAccount(mocker, numbers=[number(OTHER)], verified=[LINE])
    result = run(account, "--number", OTHER)
    assert result.exit_code == 0, result.output
    assert f"callback caller ID {LINE}: a verified caller ID of this account" in result.output
    assert account.writes[-1][:2] == ("update number", "PN0199")


def test_a_number_not_on_the_account_cannot_get_webhooks(mocker, run):
    account = FakeAccount(mocker, numbers=[number(OTHER)], verified=[LINE])
    result = run(account)
    assert result.exit_code == 1
    assert f"{LINE} is not a phone number of this Twilio account" in result.output
    assert account.writes == []


def test_an_application_on_the_number_is_detached_and_a_trunk_is_refused(mocker, run):
    account = FakeAccount(mocker, queues=[("QU1", "support", 1000), ("QU2", "sales", 50)],
                          numbers=[number(voice_application_sid="AP" + "2" * 32)])
    result = run(account)
    assert result.exit_code == 0, result.output
    assert account.writes[0][2]["voice_application_sid"] == ""
    assert f"voice_application_sid AP{'2' * 32} -> (none)" in result.output

    trunked = FakeAccount(mocker, numbers=[number(trunk_sid="TK" + "3" * 32)])
    result = run(trunked)
    assert result.exit_code == 1 and "is on SIP trunk TK" in result.output
    assert trunked.writes == []


def test_rest_placed_callbacks_get_their_priority_queue(mocker, run):
    account = FakeAccount(mocker, numbers=[number()])
    result = run(account, config=CONFIG + "[callbacks]\nplace_via_rest = true\n")
    assert result.exit_code == 0, result.output
    created = [write[1:] for write in account.writes if write[0] == "create queue"]
    assert created == [("support", 1000), ("support-callbacks", 1000), ("sales", 50)]


def test_refused_credentials_are_a_message_and_a_nonzero_exit(mocker, run):
    account = FakeAccount(mocker, numbers=[number()])
    account.client.queues.list.side_effect = TwilioRestException(
        401, "https://api.twilio.com/2010-04-01/Accounts/x/Queues.json", "Authenticate", 20003)
    result = run(account)
    assert result.exit_code == 1
    assert "Twilio refused the credentials (HTTP 401, error 20003)" in result.output
    assert "TWILIO_AUTH_TOKEN" in result.output


def test_a_failure_half_way_says_how_far_it_got(mocker, run):
    account = FakeAccount(mocker, numbers=[number()])
    account.client.incoming_phone_numbers.side_effect = lambda sid: mocker.Mock(
        update=mocker.Mock(side_effect=TwilioRestException(400, "u", "Invalid url", 21502)))
    result = run(account)
    assert result.exit_code == 1
    assert "changed: queue support: (does not exist) -> created with max_size 1000" in result.output
    assert "Twilio answered HTTP 400 (error 21502): Invalid url" in result.output
    assert "(2 of 3 change(s) made before it)" in result.output


def test_no_public_url_or_credentials_stop_before_any_rest_call(mocker, run, monkeypatch):
    account = FakeAccount(mocker, numbers=[number()])
    monkeypatch.delenv("HOLDWELL_PUBLIC_URL")
    result = run(account)
    assert result.exit_code == 1 and "HOLDWELL_PUBLIC_URL is not set" in result.output
    monkeypatch.setenv("HOLDWELL_PUBLIC_URL", PUBLIC)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    result = run(account)
    assert result.exit_code == 1
    assert "needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in result.output
    assert account.client.mock_calls == []


def test_a_malformed_number_option_is_refused(mocker, run):
    result = run(FakeAccount(mocker), "--number", "4155550199")
    assert result.exit_code == 2 and "E.164" in result.output


def test_a_bad_config_is_named_not_provisioned(mocker, run):
    account = FakeAccount(mocker, numbers=[number()])
    for config, named in (("[queues.support]\nmax_size = 9000\n", "queues.support.max_size"),
                          ('[queues.support]\npolicy = "callback"\n',
                           "line.support_number: missing")):
        result = run(account, config=config)
        assert result.exit_code == 1 and named in result.output, result.output
    assert account.client.mock_calls == []


def test_the_active_config_version_in_the_database_wins_over_the_file(mocker, run, tmp_path,
                                                                      monkeypatch):
    from datetime import UTC, datetime

    from app.storage import config_versions
    from app.storage.db import make_engine
    from app.storage.migrate import upgrade
    from hold_policies.config import parse_config

    url = f"sqlite:///{tmp_path / 'running.db'}"
    upgrade(url)
    config_versions.add(make_engine(url), parse_config({
        "line": {"support_number": LINE}, "queues": {"support": {"max_size": 300}}}),
        author="test", note="edited in the console", now=datetime.now(UTC))
    monkeypatch.setenv("DATABASE_URL", url)
    account = FakeAccount(mocker, numbers=[number()])
    result = run(account, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "config: config version 1 (active in" in result.output
    assert ("would change: queue support: (does not exist) -> created with max_size 300"
            in result.output)
    assert "sales" not in result.output  # only in the file, which the app no longer runs


class TwilioServer:
    """Twilio's REST API one level lower, at the SDK's HTTP client: the real `Client` forms
    every request, so the test sees the exact form fields Twilio would receive."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - TwilioHttpClient's
        self.requests: list[tuple[str, str, dict]] = []
        self.queues: list[dict] = []
        self.number = {**number(), "voice_method": "POST"}

    def request(self, method: str, url: str, params=None, data=None, **_):  # noqa: ANN001, ANN201
        import json

        from twilio.http.response import Response

        self.requests.append((method, url.split("/Accounts/")[-1], dict(data or {})))
        path = url.split(f"/Accounts/{ACCOUNT}/")[-1]
        if path == "Queues.json" and method == "GET":
            body = {"queues": self.queues}
        elif path == "Queues.json":
            self.queues.append({"sid": "QU9", "friendly_name": data["FriendlyName"],
                                "max_size": int(data["MaxSize"])})
            body = self.queues[-1]
        elif path == "IncomingPhoneNumbers.json":
            wanted = (params or {}).get("PhoneNumber", "")
            body = {"incoming_phone_numbers": [self.number] if wanted in LINE else []}
        elif path == f"IncomingPhoneNumbers/{self.number['sid']}.json":
            self.number.update({"voice_url": data["VoiceUrl"],
                                "status_callback": data["StatusCallback"]})
            body = self.number
        else:
            return Response(404, json.dumps({"code": 20404, "message": "not found"}))
        return Response(200 if method == "GET" else 201, json.dumps({
            "next_page_uri": None, "page": 0, "page_size": 50, **body}))


def test_the_real_client_sends_twilio_the_documented_fields(mocker, run):  # noqa: ARG001
    server = TwilioServer()  # `run` set the environment; the built-in config is used
    mocker.patch("app.twilio_rest.TwilioHttpClient", return_value=server)
    result = CliRunner().invoke(cli, ["twilio", "setup", "--number", LINE])
    assert result.exit_code == 0, result.output
    writes = [(url, data) for method, url, data in server.requests if method == "POST"]
    assert writes == [
        (f"{ACCOUNT}/Queues.json", {"FriendlyName": "support", "MaxSize": 1000}),
        (f"{ACCOUNT}/IncomingPhoneNumbers/PN0100.json",
         {"VoiceUrl": f"{PUBLIC}/voice/incoming", "StatusCallback": f"{PUBLIC}/voice/status"}),
    ]
    again = CliRunner().invoke(cli, ["twilio", "setup", "--number", LINE])
    assert "nothing to change" in again.output, again.output


def test_an_unreachable_database_stops_setup_instead_of_provisioning_the_file(
        mocker, run, monkeypatch):
    """The app runs the database's active version; with the database down, the file may
    differ from it (a resized queue), so setup says so and changes nothing."""
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    account = FakeAccount(mocker, numbers=[number()])
    result = run(account)
    assert result.exit_code == 1, result.output
    assert "cannot read the config the app runs" in result.output and "--config" in result.output
    account.client.queues.create.assert_not_called()


def test_a_database_without_tables_yet_provisions_the_file(mocker, run, tmp_path, monkeypatch):
    import sqlite3

    sqlite3.connect(tmp_path / "empty.db").close()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = run(FakeAccount(mocker, numbers=[number()]), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "config: " + str(tmp_path / "holdwell.toml") in result.output


def test_twilio_out_of_reach_is_said_once_without_urllib3s_retry_lines(tmp_path):
    """urllib3 had logged "WARNING urllib3.connectionpool: Retrying (Retry(total=1, …)) after
    connection broken by …" for each of the client's two retries, before the error itself."""
    with socket.socket() as closed:  # a port nothing listens on: the proxy refuses
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    environment = {**os.environ, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "0" * 32,
                   "HOLDWELL_PUBLIC_URL": PUBLIC, "HTTPS_PROXY": f"http://127.0.0.1:{port}",
                   "DATABASE_URL": f"sqlite:///{tmp_path / 'absent.db'}", "NO_PROXY": "",
                   "no_proxy": ""}
    environment.pop("HOLDWELL_CONFIG", None)
    ran = subprocess.run([sys.executable, "-m", "cli", "twilio", "setup", "--dry-run"],
                         cwd=tmp_path, env={**environment, "PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, timeout=60, check=False)
    said = ran.stderr.splitlines()
    assert ran.returncode == 1 and len(said) == 1, ran.stderr
    assert said[0].startswith("Error: cannot reach Twilio: ")
