"""The wallboard: callers appear as signed webhooks arrive; today's numbers are hand-counted;
every query stays on an index with 100,000 calls in the log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, insert, text, update

from analytics.report import build_report
from app.storage.read import entered_between, record_query, records_frame
from app.storage.schema import callbacks, calls
from tests.app.test_voice_contract import wait_form
from tests.console.conftest import bearer
from tests.support.sids import sid

WAIT = "/voice/wait?policy=callback&queue=support"


def queue_of(state: dict, name: str) -> dict:
    return next(q for q in state["queues"] if q["queue"] == name)


def test_waiting_callers_appear_in_order_with_what_they_were_last_told(
        console_app, twilio_console, tokens, clock):
    client = console_app.test_client()
    for call_id in (sid("CA1"), sid("CA2")):
        twilio_console.post("/voice/incoming?queue=support", {"CallSid": call_id,
                                                              "From": "+14155550100"})
        twilio_console.post(WAIT, wait_form(call_id, queue_time=0))
        clock.advance(30)
    twilio_console.post(WAIT, wait_form(sid("CA1"), queue_time=60))  # a check-in for the first
    state = client.get("/api/v1/queues", headers=bearer(tokens["analyst"])).get_json()
    support = queue_of(state, "support")
    assert [c["call_id"] for c in support["waiting"]] == [sid("CA1"), sid("CA2")]
    assert [c["position"] for c in support["waiting"]] == [1, 2]
    assert support["waiting"][0]["waited_s"] == 60 and support["longest_wait_s"] == 60
    assert "Sorry" in support["waiting"][0]["last_told"]
    assert support["waiting"][1]["last_told"] is None
    assert queue_of(state, "sales")["waiting_count"] == 0
    page = client.get("/console/", headers=bearer(tokens["analyst"]))
    assert page.status_code == 401  # pages want a session, not a token


def test_a_place_counts_the_callbacks_owed_ahead_as_the_caller_is_told_it(
        console_app, twilio_console, tokens, clock):
    """A callback keeps its caller's place, so a check-in counts it ahead of later callers;
    the board had ranked only the callers on the line, showing #2 a caller just told
    "number 3" (operator audit 41). Callbacks settled or booked later move nobody."""
    engine = console_app.extensions["holdwell"].store.engine
    first, second = sid("CA1"), sid("CA2")
    twilio_console.post("/voice/incoming?queue=sales", {"CallSid": first, "From": "+14155550100"})
    twilio_console.post(WAIT.replace("callback&queue=support", "checkin&queue=sales"),
                        wait_form(first, queue_time=0))
    owed = {"queue": "sales", "number": "+14155550199", "requested_at": clock.now(),
            "status": "pending"}
    with engine.begin() as conn:
        conn.execute(insert(callbacks), [
            {**owed, "call_id": sid("CB1"), "entered_at": clock.now() + timedelta(seconds=5)},
            {**owed, "call_id": sid("CB2"), "entered_at": clock.now() + timedelta(seconds=6),
             "status": "connected"},  # kept already: ahead of nobody
            {**owed, "call_id": sid("CB3"), "entered_at": clock.now() + timedelta(seconds=90)}])
    clock.advance(10)
    wait = WAIT.replace("callback&queue=support", "checkin&queue=sales")
    twilio_console.post("/voice/incoming?queue=sales", {"CallSid": second,
                                                        "From": "+14155550101"})
    twilio_console.post(f"{wait}&welcome=1", wait_form(second, queue_time=0, position=2, size=2))
    clock.advance(60)
    twilio_console.post(wait, wait_form(second, queue_time=60, position=2, size=2))
    sales = queue_of(console_app.test_client().get(
        "/api/v1/queues", headers=bearer(tokens["analyst"])).get_json(), "sales")
    assert [c["call_id"] for c in sales["waiting"]] == [first, second]
    assert [c["position"] for c in sales["waiting"]] == [1, 3]
    assert "number 3" in sales["waiting"][1]["last_told"]


def test_a_caller_put_back_in_line_is_placed_as_twilio_and_their_check_in_place_them(
        console_app, twilio_console, tokens, clock):
    """Put back after a Twilio error, a caller is behind those who entered before they came
    back, and behind the callbacks owed that did: the board had ranked by first entry
    (review 41). Their wait, and the longest wait, still run from their first entry."""
    engine = console_app.extensions["holdwell"].store.engine
    wait = WAIT.replace("callback&queue=support", "checkin&queue=sales")
    back, later = sid("CA7"), sid("CA8")
    start = clock.now()
    for call, since in ((back, 0), (later, 30)):
        clock.advance(since - (clock.now() - start).total_seconds())
        twilio_console.post("/voice/incoming?queue=sales", {"CallSid": call,
                                                            "From": "+14155550100"})
        twilio_console.post(f"{wait}&welcome=1", wait_form(call, queue_time=0))
    with engine.begin() as conn:
        conn.execute(insert(callbacks).values(
            call_id=sid("CB7"), queue="sales", number="+14155550199", status="pending",
            entered_at=start + timedelta(seconds=60), requested_at=start))
        conn.execute(update(calls).where(calls.c.call_id == back).values(
            in_line_since=start + timedelta(seconds=120)))  # as a Twilio error's return does
    clock.advance(180 - (clock.now() - start).total_seconds())
    twilio_console.post(wait, wait_form(later, queue_time=150, position=1, size=2))
    told = twilio_console.post(wait, wait_form(back, queue_time=60, position=2, size=2))
    sales = queue_of(console_app.test_client().get(
        "/api/v1/queues", headers=bearer(tokens["analyst"])).get_json(), "sales")
    assert [(c["call_id"], c["position"]) for c in sales["waiting"]] == [(later, 1), (back, 3)]
    assert "number 3" in told.get_data(as_text=True)
    assert sales["waiting"][1]["waited_s"] == 180 and sales["longest_wait_s"] == 180


def _call(n: int, outcome: str | None, wait_s: float | None, at, **extra) -> dict:
    return {"call_id": f"T{n}", "queue": "support", "policy": "callback", "arrived_at": at,
            "entered_at": at, "outcome": outcome, "wait_s": wait_s, "last_polled_at": at,
            "callback_wait_s": None, **extra}


def test_todays_numbers_count_callbacks_at_their_real_wait(console_app, as_role, clock):
    now = clock.now()
    rows = [
        _call(1, "answered", 15, now - timedelta(hours=1)),
        _call(2, "answered", 90, now - timedelta(hours=1)),
        _call(3, "abandoned", 50, now - timedelta(hours=1)),
        _call(4, "callback_connected", 40, now - timedelta(hours=1), callback_wait_s=600),
        _call(5, "callback_failed", 40, now - timedelta(hours=1)),
        _call(6, "answered", 5, now - timedelta(days=1)),  # yesterday: not today
    ]
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(calls), rows)
    today = queue_of(as_role("analyst").api("GET", "/api/v1/queues").get_json(),
                     "support")["today"]
    assert (today["calls"], today["answered"], today["abandoned"]) == (5, 2, 1)
    assert today["unserved_rate"] == 2 / 5  # (abandoned + callback failed) / calls
    assert today["callbacks_connected"] == 1
    # asa_s and service_level as the report's: calls answered in line only (they had held
    # the served figures under the report's names, 42x off on a callback line: audit 42)
    assert today["service_level"] == 1 / 2  # 15 s of the answered (15, 90) within 20 s
    assert today["asa_s"] == (15 + 90) / 2
    # the report's names, counted as the report counts them (analyst audit 36, D1)
    assert today["served_in_time_rate"] == 1 / 5  # of every call, not of those served
    assert today["time_to_serve_s"] == (15 + 90 + 600) / 3
    engine = console_app.extensions["holdwell"].store.engine
    records = records_frame(engine, record_query().where(
        *entered_between(now - timedelta(hours=2))))
    [policy] = build_report(records)["policies"]
    assert policy["calls"] == today["calls"]
    assert policy["served_in_time_rate"] == pytest.approx(today["served_in_time_rate"])
    assert policy["time_to_serve_s"] == pytest.approx(today["time_to_serve_s"])
    assert policy["asa_s"] == pytest.approx(today["asa_s"])
    assert policy["service_level"] == pytest.approx(today["service_level"])


def test_the_page_and_its_fragment_show_the_same_state(as_role, twilio_console):
    twilio_console.post("/voice/incoming?queue=support", {"CallSid": sid("CA9"), "From": "+1415"})
    twilio_console.post(WAIT, wait_form(sid("CA9"), queue_time=0))
    operator = as_role("operator")
    page = operator.get("/console/").get_data(as_text=True)
    fragment = operator.get("/console/wallboard/fragment").get_data(as_text=True)
    assert f'data-call="{sid("CA9")}"' in page and f'data-call="{sid("CA9")}"' in fragment
    assert "refresh.js" in page and "<html" not in fragment
    # the tiles name what they count: not the report's answered-only service level and ASA
    assert "served within 20 s" in page and "wait to be served" in page
    assert "callback counts at its real wait" in page and ">service level<" not in page
    assert "called back" in page


def _stored(value):  # noqa: ANN001, ANN202 - SQLite keeps UTC times as naive ISO text
    return value.replace(tzinfo=None).isoformat(" ") if hasattr(value, "isoformat") else value


def test_with_100000_calls_every_wallboard_query_uses_an_index(console_app, tokens, clock):
    engine = console_app.extensions["holdwell"].store.engine
    now = clock.now()
    rows = [_call(n, "answered" if n % 7 else "abandoned", n % 300,
                  now - timedelta(minutes=n // 2)) for n in range(100_000)]
    rows += [_call(100_000 + n, None, None, now - timedelta(seconds=10 * n), last_polled_at=now)
             for n in range(30)]
    columns = list(rows[0])
    sql = (f"INSERT INTO calls ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' for _ in columns)})")
    with engine.begin() as conn:  # the driver's executemany: 100,000 rows in about a second
        conn.exec_driver_sql(sql, [tuple(_stored(row[c]) for c in columns) for row in rows])
        conn.execute(text("ANALYZE"))
    statements: list[tuple[str, object]] = []

    def remember(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        response = console_app.test_client().get("/api/v1/queues",
                                                 headers=bearer(tokens["operator"]))
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert response.status_code == 200
    assert queue_of(response.get_json(), "support")["waiting_count"] == 30
    plans = []
    with engine.connect() as conn:
        for statement, parameters in statements:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            plans.append((statement, " | ".join(row[-1] for row in plan)))
    scans = [(s, p) for s, p in plans if "SCAN calls" in p or "SCAN call_events" in p
             or "SCAN callbacks" in p]
    assert plans and scans == []


def test_today_begins_at_midnight_on_each_queues_clock(make_app, clock):
    """The board counted "today" from midnight UTC: for a line in Sydney, from 11:00 local
    in summer, so the morning's calls counted as yesterday's and the evening's as today's."""
    from datetime import UTC, datetime

    from app.storage import users

    app = make_app('[queues.sydney]\npolicy = "checkin"\n[queues.sydney.hours]\n'
                   'timezone = "Australia/Sydney"\n' + "".join(
                       f'{day} = "00:00-24:00"\n' for day in (
                           "monday", "tuesday", "wednesday", "thursday", "friday",
                           "saturday", "sunday")) +
                   '[queues.support]\npolicy = "checkin"\n')
    clock.set(datetime(2026, 12, 5, 2, 0, tzinfo=UTC))  # 13:00 in Sydney (UTC+11)
    early_sydney = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # 01:00 on the 5th in Sydney
    late_sydney = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # 23:00 on the 4th in Sydney
    utc_today = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    rows = [{**_call(n, "answered", 10, at), "queue": queue}
            for n, (queue, at) in enumerate([("sydney", early_sydney), ("sydney", late_sydney),
                                             ("support", early_sydney),
                                             ("support", utc_today)])]
    engine = app.extensions["holdwell"].store.engine
    with engine.begin() as conn:
        conn.execute(insert(calls), rows)
    token = users.issue_token(engine, users.add_user(
        engine, "ana", "analyst", "a long password", clock.now()).name, clock.now())
    state = app.test_client().get("/api/v1/queues", headers=bearer(token)).get_json()
    sydney, support = queue_of(state, "sydney")["today"], queue_of(state, "support")["today"]
    assert (sydney["calls"], sydney["timezone"]) == (1, "Australia/Sydney")
    assert sydney["since"].startswith("2026-12-04T13:00:00")  # midnight of the 5th, AEDT
    assert (support["calls"], support["timezone"]) == (1, "UTC")
    assert support["since"].startswith("2026-12-05T00:00:00")


def test_a_wait_is_rounded_to_the_second_not_cut(console_app, as_role, clock):
    """29.68 s had shown as 0:29 (console audit 36, D7)."""
    now = clock.now()
    rows = [_call(1, "answered", 29.36, now - timedelta(hours=1)),
            _call(2, "answered", 30.0, now - timedelta(hours=1))]
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(calls), rows)
    page = as_role("analyst").get("/console/").get_data(as_text=True)
    assert '<span class="big">0:30</span>wait to be served' in page


def test_a_queue_whose_today_begins_off_the_line_clock_says_when_on_its_card(make_app, clock):
    """On a line in Sydney a queue without hours counts "today" from midnight UTC, 11:00
    AEDT: its card showed "answered today" beside the Sydney queue's with nothing on it to
    say the two days began eleven hours apart (only a tooltip, in UTC)."""
    from datetime import UTC, datetime

    from app.storage import users
    from tests.console.conftest import PASSWORD, Console

    app = make_app('[line]\ndefault_queue = "sydney"\n[queues.sydney]\npolicy = "checkin"\n'
                   '[queues.sydney.hours]\ntimezone = "Australia/Sydney"\n'
                   'monday = "08:00-18:00"\n[queues.support]\npolicy = "checkin"\n')
    clock.set(datetime(2026, 12, 5, 2, 0, tzinfo=UTC))  # Saturday 13:00 in Sydney
    users.add_user(app.extensions["holdwell"].store.engine, "ana", "analyst", PASSWORD,
                   clock.now())
    page = Console(app, "ana").get("/console/").get_data(as_text=True)
    cards = {name: page[page.index(f'data-queue="{name}"'):] for name in ("sydney", "support")}
    support = cards["support"][:cards["support"].find("</section>")]
    sydney = cards["sydney"][:cards["sydney"].find("</section>")]
    assert "data-today-since" not in sydney  # its day is the line's
    assert ('"Today" for this queue began Sat 11:00 AEDT: midnight UTC, as it has no opening '
            "hours, not on the line's.") in support


def test_the_at_risk_margin_is_said_in_seconds_not_as_a_setting_name(make_app, clock):
    """The board's key said "at risk" counts callbacks due "within callbacks.at_risk_margin_s
    of now": a config key an operator at the board cannot read off, where the callbacks page
    says its seconds."""
    from app.storage import users
    from tests.console.conftest import PASSWORD, Console

    app = make_app("[callbacks]\nat_risk_margin_s = 300\n[queues.support]\n")
    users.add_user(app.extensions["holdwell"].store.engine, "ana", "analyst", PASSWORD,
                   clock.now())
    page = Console(app, "ana").get("/console/").get_data(as_text=True)
    assert "falls within 300 s of now (callbacks.at_risk_margin_s)" in page


def test_a_queue_closed_by_its_hours_says_so_and_when_it_opens(make_app, clock):
    """Out of hours a queue's card read as an idle open one (nobody waiting, zeros), with
    nothing to say that no caller could join it until it opened again."""
    from datetime import UTC, datetime

    from app.storage import users
    from tests.console.conftest import PASSWORD, Console

    app = make_app('[queues.support]\npolicy = "checkin"\n[queues.support.hours]\n'
                   'timezone = "UTC"\nmonday = "08:00-18:00"\n[queues.sales]\n')
    clock.set(datetime(2026, 12, 8, 20, 0, tzinfo=UTC))  # a Tuesday evening
    users.add_user(app.extensions["holdwell"].store.engine, "ana", "analyst", PASSWORD,
                   clock.now())
    console = Console(app, "ana")
    for path in ("/console/", "/console/wallboard/fragment"):
        page = console.get(path).get_data(as_text=True)
        support = page[page.index('data-queue="support"'):page.index('data-queue="sales"')]
        assert ("Closed now by its opening hours: opens Mon 2026-12-14 08:00 UTC."
                in support), path
        assert "Closed now" not in page[page.index('data-queue="sales"'):]


def test_called_back_says_it_counts_only_todays_callers(console_app, as_role, clock):
    """The key said "called back" counts callbacks that reached an agent, and the tile's
    tooltip "callers reached on their callback today": a morning's callbacks to last night's
    callers (or to bookings made while the line was closed, which never queue) reached an
    agent today, yet the tile read 0."""
    from datetime import UTC, datetime

    clock.set(datetime(2026, 12, 5, 10, 0, tzinfo=UTC))
    yesterday = datetime(2026, 12, 4, 23, 50, tzinfo=UTC)
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(calls), [_call(1, "callback_connected", 40, yesterday,
                                           callback_wait_s=36000)])
    page = as_role("analyst").get("/console/").get_data(as_text=True)
    assert '<span class="big">0</span>called back' in page
    assert ('"called back" counts those of today\'s callers reached by an agent on their '
            "callback") in " ".join(page.split()).replace("&#39;", "'")
