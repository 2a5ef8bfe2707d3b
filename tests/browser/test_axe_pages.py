"""Every console page through axe-core in Chromium: no "serious" or "critical" finding.

One app, one browser and one sign-in per role serve the whole file: the app is seeded once
with something on every page (callers waiting, callbacks, a running split, config versions,
unserved callers, the twin's log, audit entries), and each page is a test of its own, so a
failure names the page and lists each finding's rule, help and nodes. Every finding of
every impact is also written to out/axe/PAGE.json, for a person to read the minor ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from app import create_app
from app.clock import ManualClock
from app.signed_client import SignedClient
from app.storage import users
from app.storage.migrate import upgrade
from tests.browser.conftest import serving
from tests.conftest import AUTH_TOKEN
from tests.console.conftest import CONFIG, PASSWORD, Console
from tests.support.browser import browser  # noqa: F401
from tests.support.callback_rows import attach_message
from tests.support.sids import sid

axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright",
                                     reason="pip install -e '.[test]' (axe-playwright-python)")

FINDINGS = Path(__file__).resolve().parents[2] / "out" / "axe"
REFUSED = ("serious", "critical")
VARIANTS = """
[queues.support.variants.brisk]
policy = "checkin"
prompts = { apology = "" }
"""


@dataclass(frozen=True)
class Page:
    name: str
    role: str | None  # None: signed out
    path: str
    status: int = 200
    act: Callable | None = None
    """What a person does on the page before it is checked: it returns the response of the
    page it leads to, whose status is `status`, or None when it stays on the page."""
    width: int = 1280  # 390: a phone, where tables are a card per row


def submit_unchecked(page, form: str, fill: dict[str, str], button: str):  # noqa: ANN001, ANN201
    """Fill `form`'s boxes and send it past the browser's own checks: the server's refusal.
    Returns the answer's response."""
    page.evaluate(f"document.querySelector({form!r}).noValidate = true")
    for box, value in fill.items():
        page.fill(f"{form} {box}", value)
    with page.expect_navigation() as answer:
        page.click(f"{form} {button}")
    return answer.value


def bad_sign_in(page):  # noqa: ANN001, ANN201
    return submit_unchecked(page, "main form", {"input[name=name]": "nobody",
                                         "input[name=password]": "not the password"},
                     "button[type=submit]")


def bad_policy(page):  # noqa: ANN001, ANN201
    return submit_unchecked(page, "form[data-draft]", {"input[name='checkin.interval_s']": "-5"},
                     "button[type=submit]")


def bad_split(page):  # noqa: ANN001, ANN201
    return submit_unchecked(page, "[data-queue=sales] form", {"input[name=weight_silence]": "-1"},
                     "button[name=action]")


def cancel_unticked(page):  # noqa: ANN001, ANN201
    return submit_unchecked(page, f"tr[data-call={sid('CAaxe-cb1')}] form",
                     {"input[name=reason]": "they rang back"}, "button[type=submit]")


def new_token(page):  # noqa: ANN001, ANN201
    with page.expect_navigation() as answer:
        page.locator('tr[data-person="analyst"] button', has_text="New API token").click()
    return answer.value


def stale_form(page):  # noqa: ANN001, ANN201
    """A form whose CSRF token is another session's: the "Not saved" page."""
    page.evaluate("document.querySelector('form[data-draft] input[name=csrf_token]').value"
                  " = 'stale'")
    with page.expect_navigation() as answer:
        page.click("form[data-draft] button[type=submit]")
    return answer.value


def stale_board(page):  # noqa: ANN001, ANN201
    """The wallboard whose refresh failed, paused: its numbers dimmed under the banner."""
    page.route("**/wallboard/fragment", lambda route: route.abort())
    page.wait_for_selector("#stale:not([hidden])", timeout=8000)
    page.click("#pause-updates")  # holds the banner and the dimmed numbers while axe looks
    page.unroute("**/wallboard/fragment")


def session_ended(page):  # noqa: ANN001, ANN201
    """A policy form posted with no session: the sign-in page says nothing was saved."""
    with page.expect_navigation() as answer:
        page.evaluate("""() => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = '/console/policies/support';
            form.innerHTML = '<input name="checkin.interval_s" value="90">';
            document.body.appendChild(form);
            form.submit();
        }""")
    return answer.value


def draft_restored(page):  # noqa: ANN001, ANN201
    """Back on the form after signing in again: the kept edits, with a notice saying so."""
    page.evaluate("""() => sessionStorage.setItem('holdwell-draft:/console/policies/support',
        JSON.stringify({at: Date.now(), by: 'admin', refused: true,
                        fields: [['checkin.interval_s', '90']]}))""")
    answer = page.reload()
    page.wait_for_selector("#draft-restored")
    return answer


TWIN_RUN = ("/console/twin?run=1&policies=music_ads&policies=callback&replications=2"
            "&target_unserved=0.2&backtest_days=1&window_days=90")
PAGES = [
    Page("sign-in", None, "/console/login"),
    Page("sign-in-refused", None, "/console/login", 401, bad_sign_in),
    Page("sign-in-session-ended", None, "/console/login", 401, session_ended),
    Page("wallboard", "admin", "/console/"),
    Page("wallboard-stale", "admin", "/console/", 200, stale_board),
    Page("wallboard-phone", "admin", "/console/", width=390),
    Page("unserved", "admin", "/console/unserved"),
    Page("unserved-phone", "admin", "/console/unserved", width=390),
    Page("unserved-refused", "admin", "/console/unserved?start=2026-01-05T10:00"
         "&end=2026-01-05T09:00", 422),
    Page("callbacks", "admin", "/console/callbacks"),
    Page("callbacks-phone", "admin", "/console/callbacks", width=390),
    Page("callbacks-refused", "admin", "/console/callbacks", 400, cancel_unticked),
    Page("policies", "admin", "/console/policies"),
    Page("policies-phone", "admin", "/console/policies", width=390),
    Page("policy-form", "admin", "/console/policies/support"),
    Page("policy-form-restored", "admin", "/console/policies/support", 200, draft_restored),
    Page("policy-form-phone", "admin", "/console/policies/support", width=390),
    Page("policy-form-refused", "admin", "/console/policies/sales", 422, bad_policy),
    Page("not-saved", "admin", "/console/policies/sales", 400, stale_form),
    Page("versions", "admin", "/console/versions?show=2"),
    Page("versions-first", "admin", "/console/versions?show=1"),
    Page("versions-phone", "admin", "/console/versions?show=2", width=390),
    Page("confirm-rollback", "admin", "/console/versions/1/rollback"),
    Page("confirm-rollback-phone", "admin", "/console/versions/1/rollback", width=390),
    Page("experiments", "admin", "/console/experiments"),
    Page("experiments-phone", "admin", "/console/experiments", width=390),
    Page("experiments-refused", "admin", "/console/experiments", 422, bad_split),
    Page("confirm-stop", "admin", "/console/experiments/support/stop"),
    Page("preview-arms", "admin", "/console/preview?queue=support&position=3&minutes=4"),
    Page("preview-arms-phone", "admin", "/console/preview?queue=support&position=3&minutes=4",
         width=390),
    Page("preview", "admin", "/console/preview?queue=sales&position=2&minutes=3&keys=1"),
    Page("preview-phone", "admin", "/console/preview?queue=sales&position=2&minutes=3&keys=1",
         width=390),
    Page("preview-refused", "admin", "/console/preview?queue=sales&position=0", 422),
    Page("twin", "admin", "/console/twin?window_days=90"),
    Page("twin-whatif", "admin", TWIN_RUN),
    Page("twin-whatif-phone", "admin", TWIN_RUN, width=390),
    Page("twin-refused", "admin", "/console/twin?run=1&policies=silence&agents=six", 422),
    Page("people", "admin", "/console/people"),
    Page("people-phone", "admin", "/console/people", width=390),
    Page("people-token", "admin", "/console/people", 200, new_token),
    Page("confirm-revoke", "admin", "/console/people/revoke?name=operator"),
    Page("confirm-revoke-phone", "admin", "/console/people/revoke?name=operator", width=390),
    Page("not-found", "admin", "/console/no-such-page", 404),
    Page("no-such-queue", "admin", "/console/policies/nope", 404),
    Page("forbidden", "operator", "/console/people", 403),
    Page("policy-read-only", "analyst", "/console/policies/support"),
    Page("callbacks-analyst", "analyst", "/console/callbacks"),
    Page("experiments-analyst", "analyst", "/console/experiments"),
    Page("versions-analyst", "analyst", "/console/versions?show=2"),
    Page("unserved-analyst", "analyst", "/console/unserved"),
]


def seed(app, clock: ManualClock) -> None:  # noqa: ANN001
    """Something on every page: waiting callers, callbacks, a split, versions, the log."""
    from app.storage.schema import calls
    from tests.app.test_voice_contract import request_callback, wait_form
    from tests.console.twin_seed import known_log, seed_log

    engine = app.extensions["holdwell"].store.engine
    for role in users.ROLES:
        users.add_user(engine, role, role, PASSWORD, clock.now())
    users.issue_token(engine, "operator", clock.now(), label="nightly report")
    seed_log(app.extensions["holdwell"].settings.database_url, known_log())
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n, queue in enumerate(("support", "support", "sales")):
        call, number = sid(f"CAaxe-wait{n}"), f"+1415555020{n}"
        twilio.post(f"/voice/incoming?queue={queue}", {"CallSid": call, "From": number})
        twilio.post(f"/voice/wait?policy=checkin&queue={queue}",
                    {**wait_form(call, queue_time=70), "From": number})
    for n, name in enumerate(("CAaxe-cb1", "CAaxe-cb2")):
        call, number = sid(name), f"+1415555030{n}"
        twilio.post("/voice/incoming?queue=support", {"CallSid": call, "From": number})
        twilio.post("/voice/wait?policy=callback&queue=support",
                    {**wait_form(call, queue_time=0), "From": number})
        request_callback(twilio, call, caller=number)
    attach_message(engine, sid("CAaxe-cb1"), "https://api.twilio.com/2010-04-01/Accounts/AC1/"
                   "Recordings/RE1", "my router is down")
    admin = Console(app, "admin")
    cancelled = admin.post(f"/console/callbacks/{sid('CAaxe-cb2')}/cancel",
                           {"reason": "emailed instead", "confirm": "yes"})
    assert cancelled.status_code in (302, 303), cancelled.data
    started = admin.post("/console/experiments/support", {
        "action": "start", "weight_checkin": "1", "weight_brisk": "1", "note": "axe"})
    assert started.status_code in (302, 303), started.data
    now = clock.advance(3600)  # an hour of the split's calls, some not served
    with engine.begin() as conn:
        conn.execute(insert(calls), [
            {"call_id": sid(f"CAaxe-done{n}"), "queue": "support", "policy": "checkin",
             "arm": arm, "from_number": f"+1415555{n:04d}",
             "arrived_at": now - timedelta(minutes=n), "entered_at": now - timedelta(minutes=n),
             "wait_s": 20.0 + n, "outcome": "abandoned" if n % 3 == 0 else "answered"}
            for n in range(1, 40) for arm in [("checkin", "brisk")[n % 2]]])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """The console served over HTTP for the whole file, seeded once; yields its base URL."""
    folder = tmp_path_factory.mktemp("axe")
    url = f"sqlite:///{folder / 'holdwell.db'}"
    upgrade(url)
    config = folder / "holdwell.toml"
    config.write_text(CONFIG + VARIANTS, encoding="utf-8")
    clock = ManualClock()
    app = create_app({"auth_token": AUTH_TOKEN, "database_url": url,
                      "config_path": str(config), "journal_dir": str(folder / "journal"),
                      "db_budget_s": 5.0}, clock=clock)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")  # cheaper sign-ins
        seed(app, clock)
        with serving(app) as base:
            yield base


@pytest.fixture(scope="module")
def pages(browser, site) -> Iterator[dict]:  # noqa: F811
    """One browser context a role, signed in once (and one signed out), opened as asked."""
    opened: dict = {}

    def page_for(role: str | None):  # noqa: ANN202
        if role not in opened:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            if role is not None:
                page.goto(f"{site}/console/login")
                page.fill("input[name=name]", role)
                page.fill("input[name=password]", PASSWORD)
                with page.expect_navigation():
                    page.click("main button[type=submit]")
                assert page.url.endswith("/console/"), page.url
            opened[role] = page
        return opened[role]

    yield page_for
    for page in opened.values():
        page.context.close()


def described(violations: list[dict]) -> str:
    """Each finding as its rule, impact, help and the nodes it names (what to fix)."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}"
                         f"\n        {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("case", PAGES, ids=[p.name for p in PAGES])
def test_no_serious_accessibility_finding(case: Page, site: str, pages) -> None:
    page = pages(case.role)
    page.set_viewport_size({"width": case.width, "height": 900})
    response = page.goto(f"{site}{case.path}")
    if case.act is not None:
        assert response.status == 200, (case.path, response.status)
        response = case.act(page) or response
    assert response.status == case.status, (case.name, response.url, response.status)
    page.wait_for_load_state("load")
    results = axe_playwright.Axe().run(page).response
    FINDINGS.mkdir(parents=True, exist_ok=True)
    (FINDINGS / f"{case.name}.json").write_text(json.dumps(
        [{"id": v["id"], "impact": v["impact"], "help": v["help"],
          "nodes": [n["target"] for n in v["nodes"]]} for v in results["violations"]],
        indent=1), encoding="utf-8")
    serious = [v for v in results["violations"] if v["impact"] in REFUSED]
    assert not serious, f"{case.name} ({case.path}):\n{described(serious)}"


def test_a_diff_too_wide_for_a_phone_scrolls_from_the_keyboard(site: str, pages) -> None:
    """The roll-back's diff is wider than a phone: a keyboard reaches it (a tab stop, named
    by its heading) and its arrow keys scroll it, where its line ends had been out of reach."""
    page = pages("admin")
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{site}/console/versions/1/rollback")
    diff = page.get_by_role("region", name="What changes: active version")
    assert diff.evaluate("pre => pre.scrollWidth > pre.clientWidth && pre.tabIndex === 0")
    diff.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")  # scrolled smoothly
