"""Policies as a form and an API: the TOML's validation, numbered versions, diffs, roll-back,
import/export, and every worker running a new version within seconds."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from app import create_app
from app.signed_client import SignedClient
from app.storage import config_versions
from cli.main import cli
from tests.app.test_voice_contract import wait_form
from tests.conftest import AUTH_TOKEN
from tests.console.conftest import bearer
from tests.support.sids import sid

WAIT = "/voice/wait?queue=support"


def active(app):
    return config_versions.get(app.extensions["holdwell"].store.engine)


def test_the_config_file_seeds_version_1(console_app):
    first = active(console_app)
    assert first.number == 1 and first.author == "HOLDWELL_CONFIG"
    assert first.config().queues["support"].policy == "callback"
    assert first.note.startswith("seeded from /") and first.note.endswith(".toml at start-up")


def test_no_file_seeds_version_1_from_the_defaults_and_says_so(sqlite_url, clock, tmp_path,
                                                               monkeypatch):
    """It had said "seeded from the configuration file" when there was none."""
    from app import create_app

    monkeypatch.chdir(tmp_path)  # no ./holdwell.toml either
    app = create_app({"auth_token": AUTH_TOKEN, "database_url": sqlite_url,
                      "journal_dir": str(tmp_path / "journal")}, clock=clock)
    assert active(app).note == ("seeded from the built-in defaults at start-up (no "
                                "configuration file)")


def test_saving_the_form_makes_a_version_that_this_worker_runs_at_once(as_role, console_app):
    operator = as_role("operator")
    form = operator.get("/console/policies/support").get_data(as_text=True)
    assert 'name="checkin.interval_s"' in form and "≥ 20, ≤ 600" in form
    saved = operator.post("/console/policies/support", {
        "policy": "silence", "silence.segment_s": "30", "checkin.announce_wait": "false",
        "note": "quiet night"})
    assert saved.status_code == 303
    version = active(console_app)
    assert (version.number, version.author, version.note) == (2, "operator", "quiet night")
    queue = version.config().queues["support"]
    assert queue.policy == "silence" and queue.silence.segment_s == 30
    assert queue.checkin.announce_wait is False
    svc = console_app.extensions["holdwell"]
    assert svc.config.queues["support"].policy == "silence"
    assert svc.policy("support", None).name == "silence"


def test_form_errors_name_the_field_and_what_is_allowed_and_save_nothing(as_role, console_app):
    page = as_role("operator").post("/console/policies/support", {
        "checkin.interval_s": "5", "callback.callback_key": "1", "prompts.wait": "{nope}"})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "checkin.interval_s: Input should be greater than or equal to 20" in text
    assert "prompts.wait: unknown placeholder" in text
    assert "callback_key and keep_key are both" in text
    assert 'value="5"' in text  # what was posted stays in the box
    assert active(console_app).number == 1


def test_the_api_validates_like_the_toml_with_a_422_naming_the_field(console_app, tokens):
    client = console_app.test_client()
    bad = client.put("/api/v1/policies/support", headers=bearer(tokens["operator"]),
                     json={"settings": {"policy": "jazz", "checkin": {"volume": 3}}})
    assert bad.status_code == 422
    fields = bad.get_json()["fields"]
    assert "settings.policy" in fields and "'silence'" in fields["settings.policy"]
    assert fields["settings.checkin.volume"].startswith("unknown field")
    assert client.patch("/api/v1/policies/nowhere", headers=bearer(tokens["operator"]),
                        json={"settings": {}}).status_code == 404
    good = client.patch("/api/v1/policies/sales", headers=bearer(tokens["operator"]),
                        json={"settings": {"policy": "callback"}, "note": "offer callbacks"})
    assert good.status_code == 200 and good.get_json()["number"] == 2
    got = client.get("/api/v1/policies/sales", headers=bearer(tokens["analyst"])).get_json()
    assert got["settings"]["policy"] == "callback"


def test_versions_show_a_diff_and_roll_back_as_a_new_version(as_role, console_app, tokens):
    operator = as_role("operator")
    operator.post("/console/policies/support", {"policy": "silence", "note": "quiet"})
    client = console_app.test_client()
    detail = client.get("/api/v1/config/versions/2", headers=bearer(tokens["analyst"])).get_json()
    changed = [line for line in detail["diff"].splitlines()[2:] if line[:1] in "+-"]
    assert changed == ['-policy = "callback"', '+policy = "silence"']
    assert operator.post("/console/versions/rollback", {"version": "1"}).status_code == 303
    listing = client.get("/api/v1/config/versions", headers=bearer(tokens["analyst"])).get_json()
    assert listing["active"] == 3
    assert [v["number"] for v in listing["versions"]] == [3, 2, 1]
    assert active(console_app).config() == config_versions.get(
        console_app.extensions["holdwell"].store.engine, 1).config()
    page = operator.get("/console/versions?show=2").get_data(as_text=True)
    assert "+policy = &#34;silence&#34;" in page
    missing = client.post("/api/v1/config/rollback", headers=bearer(tokens["operator"]),
                          json={"version": 99})
    assert missing.status_code == 404 and "99" in missing.get_json()["error"]


def test_another_worker_runs_the_new_version_within_its_check_interval(console_app, tokens,
                                                                      sqlite_url, clock):
    other = create_app({"auth_token": AUTH_TOKEN, "database_url": sqlite_url}, clock=clock)
    other.extensions["holdwell_live_config"].check_every_s = 0.2
    twilio = SignedClient(other.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming?queue=support", {"CallSid": sid("CA1"), "From": "+14155550100"})
    before = twilio.post(WAIT, wait_form(sid("CA1"), queue_time=0)).get_data(as_text=True)
    assert "<Pause" in before
    console_app.test_client().patch("/api/v1/policies/support",
                                    headers=bearer(tokens["operator"]),
                                    json={"settings": {"policy": "music_ads"}})
    # Each request waits for the look-up at most 0.1 s, the rest goes on in the background:
    # on a loaded box the version may land a request or two later (CI once took > 0.3 s).
    waited = time.monotonic()
    while other.extensions["holdwell"].config.queues["support"].policy != "music_ads" \
            and time.monotonic() - waited < 5:
        time.sleep(0.1)
        other.test_client().get("/healthz")  # any request looks, once its interval is up
    after = twilio.post(WAIT + "&policy=music_ads", wait_form(sid("CA1"), queue_time=60))
    assert other.extensions["holdwell"].config.queues["support"].policy == "music_ads"
    assert "important to us" in after.get_data(as_text=True)


def test_config_import_and_export_round_trip_through_the_cli(sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    runner = CliRunner()
    defaults = runner.invoke(cli, ["config", "export"])  # the README: each at its default
    assert defaults.exit_code == 0, defaults.output
    assert defaults.output.startswith("# no config version saved yet: every setting at its "
                                      "built-in default")
    assert "[queues.support.checkin]\ninterval_s = 60\n" in defaults.output
    assert "max_attempts = 3" in defaults.output
    path = tmp_path / "new.toml"
    path.write_text('[queues.billing]\npolicy = "silence"\n[queues.billing.silence]\n'
                    'segment_s = 45\n', encoding="utf-8")
    imported = runner.invoke(cli, ["config", "import", str(path), "--note", "billing line"])
    assert imported.exit_code == 0 and "version 1" in imported.output
    exported = runner.invoke(cli, ["config", "export"])
    assert exported.exit_code == 0
    assert "[queues.billing.silence]\nsegment_s = 45" in exported.output
    assert "interval_s" not in exported.output  # a version keeps what differs from defaults
    effective = runner.invoke(cli, ["config", "export", "--effective"])
    assert "[queues.billing.silence]\nsegment_s = 45" in effective.output
    assert "[queues.billing.checkin]\ninterval_s = 60" in effective.output
    everything = tmp_path / "everything.toml"
    everything.write_text(effective.output, encoding="utf-8")
    assert "no change: config version 1 (active)" in runner.invoke(
        cli, ["config", "import", str(everything)]).output  # every key, the same settings
    again = tmp_path / "again.toml"
    again.write_text(exported.output, encoding="utf-8")
    round_trip = runner.invoke(cli, ["config", "import", str(again)])
    assert round_trip.exit_code == 0  # what export printed imports back as the same settings
    assert "no change: config version 1 (active)" in round_trip.output
    path.write_text('[queues.billing]\npolicy = "jazz"\n', encoding="utf-8")
    refused = runner.invoke(cli, ["config", "import", str(path)])
    assert refused.exit_code != 0 and "queues.billing.policy" in refused.output


def test_config_import_refuses_to_drop_a_running_queue_unless_told(sqlite_url, monkeypatch,
                                                                   tmp_path):
    """A file missing a queue would send that queue's callers to the default queue's team,
    with only a log line: refused, naming it, unless --remove-queue says it is meant."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    runner = CliRunner()
    both = tmp_path / "both.toml"
    both.write_text('[queues.support]\npolicy = "checkin"\n[queues.sales]\npolicy = "silence"\n',
                    encoding="utf-8")
    assert runner.invoke(cli, ["config", "import", str(both)]).exit_code == 0
    one = tmp_path / "one.toml"
    one.write_text('[queues.support]\npolicy = "silence"\n', encoding="utf-8")
    refused = runner.invoke(cli, ["config", "import", str(one)])
    assert refused.exit_code != 0
    assert "no queue sales" in refused.output and "--remove-queue" in refused.output
    assert "version 1" in runner.invoke(cli, ["config", "export"]).output  # nothing imported
    meant = runner.invoke(cli, ["config", "import", str(one), "--remove-queue", "sales"])
    assert meant.exit_code == 0 and "version 2" in meant.output
    assert "queue sales: removed" in meant.output and "queue support: changed" in meant.output
    again = runner.invoke(cli, ["config", "import", str(one)])  # the same file once more
    assert again.exit_code == 0 and "no change: config version 2 (active)" in again.output
    assert "version 3" not in runner.invoke(cli, ["config", "export"]).output
    # a typo had been ignored without a word; a deploy run twice is said, not refused
    typo = runner.invoke(cli, ["config", "import", str(one), "--remove-queue", "sale"])
    assert typo.exit_code == 0
    assert "--remove-queue sale: the active config runs no queue 'sale'" in typo.output
    kept = runner.invoke(cli, ["config", "import", str(both), "--remove-queue", "support"])
    assert kept.exit_code == 2 and "keeps queue 'support'" in kept.output
    assert "version 3" not in runner.invoke(cli, ["config", "export"]).output


def test_a_hung_version_lookup_delays_a_voice_request_by_at_most_a_moment(
        console_app, twilio_console, monkeypatch):
    live = console_app.extensions["holdwell_live_config"]
    live.check_every_s = 0
    monkeypatch.setattr(config_versions, "active_number", lambda conn: time.sleep(1.0))
    started = time.perf_counter()
    answer = twilio_console.post("/voice/incoming?queue=support", {"CallSid": sid("CA1"),
                                                                   "From": "+14155550100"})
    assert answer.status_code == 200 and time.perf_counter() - started < 0.8
    time.sleep(1.1)  # the look-up ends in the background and frees the next one
    assert live.lock.acquire(blocking=False)
    live.lock.release()


def test_exporting_an_all_defaults_version_says_so(sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["config", "import", str(path)]).exit_code == 0
    exported = runner.invoke(cli, ["config", "export"])
    assert exported.exit_code == 0 and "built-in default" in exported.output
    again = tmp_path / "again.toml"
    again.write_text(exported.output, encoding="utf-8")
    assert runner.invoke(cli, ["config", "import", str(again)]).exit_code == 0


def test_a_database_away_during_the_version_check_is_one_line_not_a_traceback(
        console_app, monkeypatch, caplog):
    from sqlalchemy.exc import OperationalError

    def refused(conn):  # noqa: ANN001, ANN202
        raise OperationalError("SELECT max(number)", {}, ConnectionRefusedError(
            "connection refused"))

    live = console_app.extensions["holdwell_live_config"]
    monkeypatch.setattr(config_versions, "active_number", refused)
    live.refresh(console_app.extensions["holdwell"], force=True)
    [record] = [r for r in caplog.records if "config version" in r.getMessage()]
    assert record.levelname == "WARNING" and record.exc_info is None
    assert "connection refused" in record.getMessage()


def test_a_problem_across_keys_marks_each_key_it_names(as_role):
    """"callback_key and keep_key are both '1'" is the callback table's problem: both of its
    boxes are marked, as the page's "marked below" says."""
    import re

    page = as_role("operator").post("/console/policies/support",
                                    {"callback.callback_key": "1"}).get_data(as_text=True)
    assert "Not saved: 1 problem, marked below" in page  # one problem, two boxes
    for name in ("callback.callback_key", "callback.keep_key"):
        box = re.search(rf'<div class="invalid">(?:(?!</div>).)*name="{re.escape(name)}"',
                        page, re.S)
        assert box is not None, f"{name} is not marked"
        assert f"{name}: callback_key and keep_key are both" in page


def test_a_prompt_too_long_to_say_is_marked_at_its_box(as_role):
    """The queue's problem "prompts.welcome: 3,600 characters…" had been in the banner only,
    "marked below" with nothing marked (browser walk-through U5)."""
    import re

    page = as_role("operator").post("/console/policies/support", {
        "prompts.welcome": "Welcome. " * 400}).get_data(as_text=True)
    assert "Not saved: 1 problem, marked below" in page
    box = re.search(r'<div class="invalid">(?:(?!</div>).)*name="prompts\.welcome"', page,
                    re.S)
    assert box is not None, "prompts.welcome is not marked"
    assert "prompts.welcome: prompts.welcome: 3,600 characters" not in page


@pytest.mark.parametrize("note", [
    'raise limits\n[queues.injected]\npolicy = "music_ads"',
    "first\r\nsecond\x0bthird\x85[queues.x]\u2028policy = 1",
    "bell\x07 and escape\x1b[31m in one line",
])
def test_a_note_on_several_lines_stays_a_comment_in_the_export(sqlite_url, monkeypatch,
                                                               tmp_path, note):
    """The note followed the header's "# " as it was: a line break ended the comment, and
    `config export` printed what came after as settings (a queue nobody configured came
    back on import) or as text no TOML reader takes (a reviewer's finding)."""
    import tomllib

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    runner = CliRunner()
    path = tmp_path / "new.toml"
    path.write_text('[queues.billing]\npolicy = "silence"\n', encoding="utf-8")
    assert runner.invoke(cli, ["config", "import", str(path), "--note", note]).exit_code == 0
    exported = runner.invoke(cli, ["config", "export"])
    assert exported.exit_code == 0, exported.output
    assert set(tomllib.loads(exported.output)["queues"]) == {"billing"}
    header = exported.output.split("[queues", 1)[0]
    assert all(line.startswith("#") for line in header.splitlines())
    first_words = note.split("\n", 1)[0].split("\r", 1)[0].split("\x07", 1)[0]
    assert first_words in header


def test_a_note_is_at_most_500_characters_whichever_way_it_comes(sqlite_url, monkeypatch,
                                                                 tmp_path, clock):
    """`config import --note` had stored a note of 100,000 characters (the console and the
    API stopped at 500), echoed into every export's header and history page."""
    from app.storage.db import make_engine
    from hold_policies.config import parse_config

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    runner = CliRunner()
    path = tmp_path / "new.toml"
    path.write_text('[queues.billing]\npolicy = "silence"\n', encoding="utf-8")
    long = runner.invoke(cli, ["config", "import", str(path), "--note", "x" * 501])
    assert long.exit_code == 2
    assert "a note is at most 500 characters (got 501)" in long.output
    nul = runner.invoke(cli, ["config", "import", str(path), "--note", "a\x00b"])
    assert nul.exit_code == 2 and "NUL" in nul.output
    engine = make_engine(sqlite_url)
    assert config_versions.get(engine, None) is None  # neither was imported
    assert runner.invoke(cli, ["config", "import", str(path), "--note", "y" * 500]
                         ).exit_code == 0
    deep = tmp_path.joinpath(*["d" * 60] * 9)  # the default note names the file's path
    deep.mkdir(parents=True)
    far = deep / "far-away.toml"
    far.write_text('[queues.billing]\npolicy = "checkin"\n', encoding="utf-8")
    assert runner.invoke(cli, ["config", "import", str(far)]).exit_code == 0
    note = config_versions.get(engine, None).note
    assert len(note) <= 500 and note.startswith("imported from") and note.endswith(
        "far-away.toml")
    with pytest.raises(config_versions.NoteError, match="at most 500"):
        config_versions.add(engine, parse_config({}), author="t", note="z" * 501,
                            now=clock.now())


def test_a_note_the_app_writes_itself_is_cut_to_fit_not_refused():
    """A split's own note names every arm; with eight 64-character variants it passed 500
    characters, and starting the split failed with a 500 (a reviewer's finding)."""
    long = "support: start A/B split: " + ", ".join(["v" * 64 + " 12%"] * 8)
    assert len(long) > 500
    cut = config_versions.shortened(long)
    assert len(cut) == 500 and cut.endswith("…") and config_versions.check_note(cut) == cut
    assert config_versions.shortened("short") == "short"


def test_each_prompt_box_says_its_own_placeholders_and_shows_its_default(as_role):
    """One line had offered six placeholders to every box (the apology takes none), and no
    box showed the words it says when left empty (browser walk-through U8)."""
    import html
    import re

    page = html.unescape(as_role("operator").get("/console/policies/support")
                         .get_data(as_text=True))
    apology = re.search(r"apology <span class=\"hint\">\(([^)]*)\)</span>\s*<textarea "
                        r"name=\"prompts.apology\" rows=\"2\" placeholder=\"([^\"]*)\"", page)
    assert apology is not None
    assert apology.group(1).endswith("no placeholders")
    assert apology.group(2) == "Sorry to keep you waiting."
    assert "may use {position} {keep_key} {callback_key} {wait}" in page
    assert "placeholders {position} {wait} {keep_key} {callback_key} {number}" not in page


def test_the_queue_page_shows_the_tables_its_form_does_not_edit_and_where_they_are(
        make_app, clock):
    """Hours, overflow and variants were nowhere on the queue's page, with no word on where
    they are changed (browser walk-through U9)."""
    from app.storage import users
    from tests.console.conftest import PASSWORD, Console

    app = make_app('[queues.support]\npolicy = "checkin"\n[queues.support.hours]\n'
                   'timezone = "Europe/London"\nmonday = "09:00-17:00"\n'
                   '[queues.support.language_menu]\n"2" = "ventas"\n'
                   '[queues.sales]\npolicy = "silence"\n'
                   '[queues.ventas]\nlanguage = "es-ES"\n')
    users.add_user(app.extensions["holdwell"].store.engine, "olu", "operator", PASSWORD,
                   clock.now())
    olu = Console(app, "olu")
    import html

    page = html.unescape(olu.get("/console/policies/support").get_data(as_text=True))
    assert "[queues.support.hours]" in page and 'timezone = "Europe/London"' in page
    assert "[queues.support.language_menu]" in page and '2 = "ventas"' in page
    assert "holdwell config import FILE" in page
    plain = olu.get("/console/policies/sales").get_data(as_text=True)
    assert "None set for sales: no language menu, always open" in plain


def test_an_analyst_is_told_the_policy_page_is_read_only(as_role):
    """It had looked like a form to edit, with boxes that took no typing (audit X10)."""
    page = as_role("analyst").get("/console/policies/support").get_data(as_text=True)
    assert 'id="read-only">Read-only for your role (analyst)' in page
    operator = as_role("operator").get("/console/policies/support").get_data(as_text=True)
    assert 'id="read-only"' not in operator


def test_an_analyst_reads_the_settings_as_words_not_a_form(make_app, clock):
    """Boxes that took no typing had read as a form to fill (audit X10): an analyst reads each
    setting under its name, an empty box as what it means, with nothing to type or submit."""
    import html
    import re

    from app.storage import users
    from tests.console.conftest import PASSWORD, Console

    app = make_app('[queues.support]\npolicy = "checkin"\n[queues.support.checkin]\n'
                   'interval_s = 75\n[queues.support.prompts]\napology = ""\n')
    users.add_user(app.extensions["holdwell"].store.engine, "ana", "analyst", PASSWORD,
                   clock.now())
    page = html.unescape(Console(app, "ana").get("/console/policies/support")
                         .get_data(as_text=True))
    said = dict(re.findall(r'data-setting="([^"]+)"><dt>[^<]*</dt>\s*<dd>(.*?)</dd>', page, re.S))
    plain = {name: re.sub(r"<[^>]+>", "", value) for name, value in said.items()}
    assert plain["policy"] == "checkin" and plain["checkin.interval_s"] == "75"
    assert plain["checkin.announce_wait"] in ("yes", "no")
    assert plain["prompts.apology"] == "empty: say nothing"  # set to say nothing
    assert plain["prompts.position"].startswith("the default: ")  # its default words
    assert plain["prompts.position"] != "the default: "
    assert "<textarea" not in page and 'name="checkin.interval_s"' not in page
    assert "Save as a new version" not in page and "drafts.js" not in page


def test_a_clash_across_keys_is_said_beside_a_boxs_own_error(as_role):
    """A box's own error had hidden a clash across keys until it was mended: the operator
    fixed one box to be told of the next (browser walk-through U6)."""
    import html

    page = html.unescape(as_role("operator").post("/console/policies/support", {
        "checkin.interval_s": "-5", "voice": "Polly.Joanna", "language": "es-ES"}
    ).get_data(as_text=True))
    assert "checkin.interval_s: Input should be greater than or equal to 20" in page
    assert "Not saved: 2 problems, marked below" in page, page[page.index("Not saved"):][:600]
    assert "voice Polly.Joanna speaks en-US, but language is es-ES" in page


def test_the_form_of_a_queue_under_a_split_says_the_split_runs(console_app, tokens, as_role):
    """With a split running, the form offered `policy` with no word that callers hear the
    split's arms instead: an operator chose callback and learnt only from the warning after
    saving that nobody would hear it."""
    console_app.test_client().put("/api/v1/experiments/support",
                                  headers=bearer(tokens["operator"]),
                                  json={"arms": {"checkin": 1, "silence": 3}})
    for role in ("operator", "analyst"):
        page = as_role(role).get("/console/policies/support").get_data(as_text=True)
        assert ("An A/B split runs on support: checkin 1 (25%), silence 3 (75%). Each new "
                "caller hears one of its arms") in page
    assert "data-split" not in as_role("operator").get("/console/policies/sales").get_data(
        as_text=True)
