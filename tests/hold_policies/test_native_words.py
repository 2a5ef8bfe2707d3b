"""The French, German and Dutch defaults as a native speaker hears them, with their
placeholders filled as the policies fill them (a review, 2026-12-07)."""

from __future__ import annotations

from hold_policies import CallbackPolicy
from hold_policies.base import Voice
from hold_policies.languages import BUILT_IN
from hold_policies.prompts import prompts_in
from hold_policies.situation import Situation, WaitEstimate
from hold_policies.steps import OfferKeys

VOICES = {"de": Voice("Polly.Vicki", "de-DE"), "fr": Voice("Polly.Lea", "fr-FR"),
          "nl": Voice("Polly.Lotte", "nl-NL")}
WITHIN_A_BAND = WaitEstimate(240, 280, 30)  # told "within 5 minutes" (or a callback window)
PAST_THE_BANDS = WaitEstimate(3000, 5000, 30)  # told the open-ended wait


def policy(code: str) -> CallbackPolicy:
    return CallbackPolicy(voice=VOICES[code], prompts=prompts_in(BUILT_IN[code]),
                          offer_after_estimate_s=60)


def situation(estimate: WaitEstimate, **more) -> Situation:
    return Situation("support", "CA1", 4, 60, 9, estimate, **more)


def check_in(code: str, estimate: WaitEstimate) -> str:
    segment = policy(code).checkin(situation(estimate))
    gathers = [s for s in segment.steps if isinstance(s, OfferKeys)]
    return " ".join(p.text for g in gathers for p in g.prompt)


def confirmed(code: str, estimate: WaitEstimate, number: str = "") -> str:
    chosen = policy(code).on_key(situation(estimate, callback_number=number), "2")
    return " ".join(getattr(step, "text", "") for step in chosen.segment.steps)


def test_german_says_the_open_ended_wait_as_a_clause_set_off_by_commas():
    """"Wir beantworten Ihren Anruf voraussichtlich sobald Sie an der Reihe sind, ..." lacked
    the comma German needs before a subordinate clause."""
    text = check_in("de", PAST_THE_BANDS)
    assert ("Wir beantworten Ihren Anruf voraussichtlich dann, wenn Sie an der Reihe sind, "
            "möglicherweise erst nach mehr als einer Stunde.") in text
    assert "voraussichtlich sobald" not in text
    assert confirmed("de", PAST_THE_BANDS).startswith(
        "Vielen Dank. Wir rufen Sie dann, wenn Sie an der Reihe sind, möglicherweise erst "
        "nach mehr als einer Stunde unter der Nummer zurück, von der Sie anrufen.")


def test_german_callback_windows_sit_where_german_puts_them():
    """"wir rufen Sie zurück, innerhalb von 10 Minuten, ohne dass ..." read as an
    afterthought: the time goes before the verb's particle."""
    assert ("und wir rufen Sie innerhalb von 10 Minuten zurück, ohne dass Sie Ihren Platz in "
            "der Warteschlange verlieren.") in check_in("de", WITHIN_A_BAND)
    assert confirmed("de", WITHIN_A_BAND).startswith(
        "Vielen Dank. Wir rufen Sie innerhalb von 10 Minuten unter der Nummer zurück, von der "
        "Sie anrufen.")
    assert confirmed("de", WITHIN_A_BAND, "2, 1 2").startswith(
        "Vielen Dank. Wir rufen Sie innerhalb von 10 Minuten unter der Nummer 2, 1 2 zurück.")


def test_french_says_what_staying_on_the_line_will_keep_in_the_future():
    """After an imperative, what follows is future: "restez en ligne, et vous garderez votre
    place" ("et vous gardez" had read as a slip)."""
    french = BUILT_IN["fr"]
    assert prompts_in(french).callback_unconfirmed.endswith(
        "Ou restez en ligne, et vous garderez votre place dans la file.")
    assert french.defaults("overflow")["stay"] == (
        "Ou restez en ligne, et vous garderez votre place.")
    imperative_then_present = [
        text for table in ("prompts", "overflow", "closed_line")
        for text in french.defaults(table).values() if "restez en ligne, et vous gardez" in text]
    assert imperative_then_present == []


def test_german_says_closed_for_now_and_a_full_queue_as_german_does():
    """"Wir haben gerade geschlossen" is heard as "we have just closed"; a "Leitung" is busy,
    never "voll": it is the queue that is full."""
    german = BUILT_IN["de"]
    closed = german.defaults("closed_line")
    assert closed["closed"].startswith(
        "Vielen Dank für Ihren Anruf. Wir haben zurzeit geschlossen.")
    assert closed["never_opens"] == "Vielen Dank für Ihren Anruf. Wir haben zurzeit geschlossen."
    assert german.text("queue_full").startswith("Leider ist unsere Warteschlange gerade voll.")
    assert german.defaults("overflow")["full"] == "Leider ist unsere Warteschlange gerade voll."


def test_dutch_says_the_wait_and_the_callback_window_in_dutch_order():
    """"We verwachten u te helpen binnen 5 minuten" put the time after the infinitive, and a
    confirmation ended on a loose ", binnen 10 minuten."; the open-ended wait reads as well."""
    assert "We helpen u naar verwachting binnen 5 minuten." in check_in("nl", WITHIN_A_BAND)
    assert ("We helpen u naar verwachting wanneer u aan de beurt bent, wat meer dan een uur "
            "kan duren.") in check_in("nl", PAST_THE_BANDS)
    assert confirmed("nl", WITHIN_A_BAND).startswith(
        "Dank u wel. We bellen u terug binnen 10 minuten, op het nummer waarmee u belt.")
    assert confirmed("nl", WITHIN_A_BAND, "2, 1 2").startswith(
        "Dank u wel. We bellen u terug binnen 10 minuten, op het nummer 2, 1 2.")
    assert confirmed("nl", PAST_THE_BANDS).startswith(
        "Dank u wel. We bellen u terug wanneer u aan de beurt bent, wat meer dan een uur kan "
        "duren, op het nummer waarmee u belt.")


def test_german_and_dutch_say_when_the_line_opens_before_the_again():
    """"Wir öffnen wieder heute um 10 Uhr", "We openen weer vandaag om 10 uur": the time
    goes before "wieder" / "weer" ("Wir öffnen heute um 10 Uhr wieder")."""
    from datetime import UTC, datetime

    from hold_policies.closed_line import closed_message
    from hold_policies.config import parse_config

    monday_9am = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    said = {}
    for tag in ("de-DE", "nl-NL"):
        config = parse_config({"queues": {"support": {
            "policy": "checkin", "language": tag,
            "hours": {"timezone": "UTC", "monday": "10:00-18:00"}}}})
        said[tag] = closed_message(config.queues["support"].closed_line(), monday_9am)[0]
    assert said["de-DE"] == ("Vielen Dank für Ihren Anruf. Wir haben zurzeit geschlossen. "
                             "Wir öffnen heute um 10 Uhr wieder.")
    assert said["nl-NL"] == ("Bedankt voor uw telefoontje. We zijn nu gesloten. "
                             "We openen vandaag om 10 uur weer.")
