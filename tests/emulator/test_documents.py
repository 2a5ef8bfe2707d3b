"""Reading TwiML as Twilio does: allowed verbs per context, and how long each verb takes."""

from __future__ import annotations

import pytest

from emulator import documents
from emulator.documents import TwimlError
from emulator.listening import listen
from emulator.speech import SYLLABLES_PER_S


def twiml(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'.encode()


def no_audio(url: str) -> float:
    raise AssertionError(f"unexpected audio {url}")


@pytest.mark.parametrize("verb", ["<Dial>+14155550100</Dial>", "<Record/>",
                                  "<Enqueue>support</Enqueue>", "<Reject/>"])
def test_forbidden_verbs_in_a_wait_document_are_errors(verb):
    with pytest.raises(TwimlError, match="not allowed"):
        documents.parse(twiml(verb), documents.WAIT_VERBS)


def test_only_say_play_pause_inside_gather():
    with pytest.raises(TwimlError, match="inside <Gather>"):
        documents.parse(twiml('<Gather><Leave/></Gather>'), documents.WAIT_VERBS)


def test_invalid_xml_and_wrong_root_are_errors():
    with pytest.raises(TwimlError, match="invalid XML"):
        documents.parse(b"<Response><Say>oops</Response>")
    with pytest.raises(TwimlError, match="not <Response>"):
        documents.parse(b"<Document/>")


def test_the_queue_url_document_allows_fewer_verbs():
    documents.parse(twiml("<Say>Connecting</Say><Pause/>"), documents.CONNECT_VERBS)
    with pytest.raises(TwimlError):
        documents.parse(twiml("<Gather><Say>hi</Say></Gather>"), documents.CONNECT_VERBS)


def test_say_takes_time_by_syllables_pause_by_length_play_by_audio():
    verbs = documents.parse(twiml('<Say>one two three four five</Say><Pause length="7"/>'
                                  "<Play>/audio/hold_music-abc.wav</Play>"))
    lengths = [documents.seconds(v, lambda url: 42.5) for v in verbs]
    assert lengths == pytest.approx([5 / SYLLABLES_PER_S, 7.0, 42.5])  # five syllables


def test_gather_lasts_its_prompt_plus_timeout():
    [gather] = documents.parse(twiml('<Gather timeout="4"><Say>press 1</Say></Gather>'))
    assert documents.seconds(gather, no_audio) == pytest.approx(2 / SYLLABLES_PER_S + 4)


def test_a_checkin_is_heard_with_position_wait_apology_and_keys():
    verbs = documents.parse(twiml(
        '<Gather action="/voice/choice" numDigits="1" timeout="4"><Say>Sorry to keep you '
        "waiting. You are number 3 in line. We expect to answer you within 7 minutes. If you "
        "can hold a little longer, press 1, or just stay on the line. Or press 2 and "
        'we will call you back within 7 minutes.</Say></Gather><Pause length="40"/>'))
    listened = listen(verbs, no_audio)
    heard = listened.heard
    assert (heard.position, heard.wait_s, heard.apology) == (3, 420.0, True)
    assert (heard.keep_key, heard.callback_key, heard.key_window_s) == ("1", "2", 4.0)
    assert heard.trailing_silence_s == pytest.approx(44.0)
    assert listened.gather_action == "/voice/choice"


def test_silence_is_all_dead_air_and_music_is_sound():
    silent = listen(documents.parse(twiml('<Pause length="60"/>')), no_audio).heard
    assert silent.leading_silence_s == silent.duration_s == 60
    music = listen(documents.parse(twiml("<Play>/audio/hold_music-1.wav</Play>")),
                   lambda url: 30.0).heard
    assert music.music and music.leading_silence_s == 0
    noise = listen(documents.parse(twiml("<Play>/audio/comfort_noise-1.wav</Play>")),
                   lambda url: 30.0).heard
    assert not noise.music and noise.leading_silence_s == 0


def test_leave_ends_the_document():
    listened = listen(documents.parse(twiml("<Say>Goodbye</Say><Leave/><Pause/>")), no_audio)
    assert listened.ends_with == "Leave"
    assert listened.heard.duration_s == pytest.approx(2 / SYLLABLES_PER_S)  # good-bye


@pytest.mark.parametrize("gather", [
    '<Gather numDigits="1"><Say>Or press # and we will call you back.</Say></Gather>',
    '<Gather numDigits="1" finishOnKey="*"><Say>Press * to keep waiting.</Say></Gather>'])
def test_a_gather_offering_the_key_it_ends_on_is_an_error(gather):
    """Twilio ends a Gather on its finishOnKey ("#" unless set) and posts no Digits for it."""
    with pytest.raises(TwimlError, match="ends on it"):
        documents.parse(twiml(gather), documents.WAIT_VERBS)


@pytest.mark.parametrize("gather", [
    '<Gather numDigits="1" finishOnKey=""><Say>Or press # and we will call you back.</Say>'
    '</Gather>',
    '<Gather numDigits="1"><Say>Press * to keep waiting.</Say></Gather>',
    '<Gather finishOnKey="#"><Say>Key in the number, then press # when done.</Say></Gather>'])
def test_a_gather_may_offer_any_key_it_does_not_end_on(gather):
    (verb,) = documents.parse(twiml(gather), documents.WAIT_VERBS)
    assert verb.name == "Gather"
