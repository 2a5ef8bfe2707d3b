"""The preview page with words under test (issue 16 item 8): each arm's timeline beside the
queue's own — from the arm's real policy object — the split's shares, and the lines that differ
marked; a queue without variants keeps its one timeline."""

from __future__ import annotations

import re
import shutil

import pytest

from app.storage import users
from tests.console.conftest import PASSWORD, Console

APOLOGY = "We are so sorry for the wait."
CONFIG = f"""
[queues.support]
policy = "checkin"
[queues.support.variants.no_apology]
policy = "checkin"
prompts = {{ apology = "" }}
[queues.support.variants.warm]
policy = "checkin"
prompts = {{ apology = "{APOLOGY}" }}
settings = {{ interval_s = 45 }}
[queues.support.experiment]
arms = {{ checkin = 1, no_apology = 3 }}
[queues.sales]
policy = "checkin"
"""
QUERY = "queue=support&position=6&answered_per_min=0.5&minutes=4"


@pytest.fixture
def page(make_app, clock) -> Console:
    app = make_app(CONFIG)
    users.add_user(app.extensions["holdwell"].store.engine, "analyst", "analyst", PASSWORD,
                   clock.now())
    return Console(app, "analyst")


def arm_sections(html: str) -> dict[str, str]:
    """Each arm's column, by name, in page order."""
    parts = re.split(r'<section class="card arm" data-arm="([^"]+)">', html)[1:]
    return dict(zip(parts[::2], parts[1::2], strict=True))


def check_ins(section: str) -> list[str]:
    """The words of each check-in row (the offer to keep waiting) of one arm's column."""
    rows = re.findall(r'<tr class="offer( differs)?">.*?</span> (.*?)</td></tr>', section, re.S)
    return [words for _, words in rows]


def test_each_arm_shows_its_own_words_beside_the_queues_own(page):
    html = page.get(f"/console/preview?{QUERY}").get_data(as_text=True)
    arms = arm_sections(html)
    assert list(arms) == ["checkin", "no_apology", "warm"]  # own, the split's, then the rest
    own, quiet, warm = (check_ins(arms[name]) for name in arms)
    assert own and quiet and warm
    assert all(words.startswith("Sorry to keep you waiting.") for words in own)
    assert all("Sorry" not in words and "sorry" not in words for words in quiet)
    assert all(words.startswith(APOLOGY) for words in warm)
    assert len(warm) > len(own)  # its interval_s = 45 checks in more often in 4 minutes


def test_the_split_shows_each_arms_share_and_who_hears_nobody(page):
    html = page.get(f"/console/preview?{QUERY}").get_data(as_text=True)
    assert 'aria-label="checkin 25%, no_apology 75%"' in html
    arms = arm_sections(html)
    assert "<strong>25%</strong> of callers" in arms["checkin"]
    assert "<strong>75%</strong> of callers" in arms["no_apology"]
    assert "not in the split: nobody hears it now" in arms["warm"]
    assert "variant of checkin" in arms["warm"] and "interval: 45 s" in arms["warm"]


def test_only_the_lines_that_differ_from_the_queues_own_are_marked(page):
    arms = arm_sections(page.get(f"/console/preview?{QUERY}").get_data(as_text=True))
    assert "differs" not in arms["checkin"]
    marked = re.findall(r'<tr class="(\w+) differs">', arms["no_apology"])
    assert marked and set(marked) == {"offer"}  # the check-ins; welcome and silence are alike
    assert 'class="say"' in arms["no_apology"]  # the shared welcome, unmarked


def test_a_queue_without_variants_keeps_its_one_timeline(page):
    html = page.get("/console/preview?queue=sales&position=3").get_data(as_text=True)
    assert 'class="card arm"' not in html and 'id="split"' not in html
    assert "Sorry to keep you waiting." in html


def test_no_split_running_says_every_caller_hears_the_queues_own(make_app, clock):
    app = make_app(CONFIG.split("[queues.support.experiment]")[0])
    users.add_user(app.extensions["holdwell"].store.engine, "analyst", "analyst", PASSWORD,
                   clock.now())
    html = Console(app, "analyst").get(f"/console/preview?{QUERY}").get_data(as_text=True)
    assert "No split is running: every caller hears <strong>checkin</strong>" in html
    assert "nobody yet" in arm_sections(html)["warm"]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_each_arm_plays_its_own_words_and_an_unknown_arm_is_a_404(page):
    from audio.formats import parse_wav

    lengths = {}
    for arm in ("no_apology", "warm"):
        response = page.get(f"/console/preview.wav?{QUERY}&arm={arm}")
        assert response.status_code == 200 and response.mimetype == "audio/wav"
        lengths[arm] = len(parse_wav(response.data).mono())
    assert lengths["warm"] != lengths["no_apology"]  # other words, other check-in times
    assert page.get(f"/console/preview.wav?{QUERY}&arm=chilly").status_code == 404


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
@pytest.mark.parametrize(("path", "players"), [
    ("/console/preview", 1), ("/console/preview?position=3", 1),
    ("/console/preview?queue=support", 3)])
def test_every_audio_player_on_the_page_plays_even_when_the_queue_was_defaulted(page, path,
                                                                                 players):
    """The page from the nav has no query: the queue it defaults to had been left out of the
    players' URLs, and each answered 422 ("queue: Field required")."""
    html = page.get(path).get_data(as_text=True)
    sources = [src.replace("&amp;", "&") for src in re.findall(r'<audio[^>]* src="([^"]+)"', html)]
    assert len(sources) >= players  # the queue's own, and each arm's on a split
    for src in sources:
        assert "queue=" in src
        response = page.get(src)
        assert response.status_code == 200 and response.mimetype == "audio/wav", src
