"""holdwell's own words in the queue's language (a review heard a Spanish queue say "5
minutes", "today at 8 AM" and its failure texts in English between its Spanish prompts)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hold_policies import CallbackPolicy, CheckinPolicy
from hold_policies.base import Voice
from hold_policies.closed_line import when_words
from hold_policies.config import parse_config
from hold_policies.estimate import WaitBand
from hold_policies.languages import BUILT_IN, ENGLISH, FIXED_TEXTS, language_of
from hold_policies.prompts import Prompts, prompts_in
from hold_policies.situation import Situation, WaitEstimate
from hold_policies.steps import OfferKeys

SPANISH_PROMPTS = Prompts(
    apology="Disculpe la espera.", position="Es usted el número {position}.",
    next_in_line="Es usted el siguiente.", wait="Esperamos atenderle en {wait}.",
    keep_waiting="Si puede esperar, pulse {keep_key}.",
    callback_offer="O pulse {callback_key} y le llamaremos en {wait}.")


def said(segment) -> str:
    gathers = [s for s in segment.steps if isinstance(s, OfferKeys)]
    return " ".join(p.text for g in gathers for p in g.prompt)


@pytest.mark.parametrize("code", sorted(BUILT_IN))
def test_every_built_in_language_has_every_word_holdwell_says(code):
    language = BUILT_IN[code]
    assert set(language.fixed) == set(FIXED_TEXTS)
    assert all(text.strip() for text in language.fixed.values())
    assert len(language.weekdays) == 7 and len(language.months) == 12
    if code.split("-")[0] != "en":  # a translation, not English left in place
        assert not set(language.fixed.values()) & set(ENGLISH.fixed.values())
        assert language.wait_words(5) != ENGLISH.wait_words(5) or code == "fr"
        assert language.weekdays[0] != "Monday"


@pytest.mark.parametrize(("tag", "code"), [("es-GQ", "es"), ("es-ES", "es"), ("FR-ca", "fr"),
                                           ("de-DE", "de"), ("pt-BR", "pt"), (None, "en"),
                                           ("ja-JP", "en"), ("cmn-Hans-CN", "en")])
def test_a_language_tag_finds_its_words_by_its_primary_subtag(tag, code):
    assert language_of(tag).code == code


@pytest.mark.parametrize(("code", "minutes", "words"), [
    ("en", 1, "1 minute"), ("en", 5, "5 minutes"), ("en", None, "more than an hour"),
    ("es", 1, "1 minuto"), ("es", 15, "15 minutos"), ("es", None, "más de una hora"),
    ("de", 5, "5 Minuten"), ("it", 5, "5 minuti"), ("nl", None, "meer dan een uur"),
    ("en", 60, "an hour"), ("es", 60, "una hora"), ("fr", 60, "une heure"),
    ("de", 60, "1 Stunde"), ("pt", 60, "uma hora"), ("it", 60, "un'ora"),
    ("nl", 60, "een uur")])
def test_the_wait_band_is_said_in_the_queues_language(code, minutes, words):
    assert WaitBand(minutes).words(BUILT_IN[code]) == words


@pytest.mark.parametrize(("code", "seconds", "words"), [
    ("en", 1, "1 minute"), ("en", 3599, "an hour"), ("en", 3600, "an hour"),
    ("en", 3601, "1 hour 1 minute"), ("en", 4800, "1 hour 20 minutes"),
    ("en", 7200, "2 hours"), ("en", 7260, "2 hours 1 minute"), ("en", 86400, "24 hours"),
    ("es", 4800, "una hora y 20 minutos"), ("es", 7200, "2 horas"),
    ("fr", 4800, "1 heure et 20 minutes"), ("de", 7200, "2 Stunden"),
    ("de", 4800, "1 Stunde und 20 Minuten"), ("pt", 4860, "uma hora e 21 minutos"),
    ("it", 10800, "3 ore"), ("nl", 7200, "2 uur"), ("nl", 3660, "1 uur en 1 minuut")])
def test_a_wait_of_an_hour_or_more_is_said_in_hours(code, seconds, words):
    """An agent heard "waiting 120 minutes" and "1440 minutes" (an audit, C9)."""
    assert BUILT_IN[code].waited_words(seconds) == words


@pytest.mark.parametrize("code", sorted(BUILT_IN))
def test_no_band_is_said_as_sixty_minutes_and_any_wait_fits_its_longest_fill(code):
    from hold_policies.estimate import BAND_MINUTES
    from hold_policies.prompts import LONGEST_FILL

    language = BUILT_IN[code]
    assert all("60" not in language.wait_words(band) for band in BAND_MINUTES)
    assert language.wait_words(BAND_MINUTES[-1]) != language.wait_words(None)
    longest = max((language.waited_words(m * 60) for m in range(1, 60_000)), key=len)
    assert len(longest) <= LONGEST_FILL["minutes"], longest


def test_the_top_band_is_said_within_an_hour():
    situation = Situation("support", "CA1", 9, 60, 9, WaitEstimate(3000, 3500, 30))
    text = said(CheckinPolicy(voice=Voice("Polly.Joanna")).checkin(situation))
    assert "within an hour" in text and "60 minutes" not in text, text


@pytest.mark.parametrize(("code", "hour", "minute", "words"), [
    ("en", 8, 0, "8 AM"), ("en", 14, 30, "2:30 PM"), ("en", 0, 0, "midnight"),
    ("en", 12, 0, "noon"), ("en", 0, 30, "12:30 AM"), ("en", 12, 30, "12:30 PM"),
    ("es", 0, 0, "medianoche"), ("de", 0, 0, "24 Uhr"), ("fr", 12, 0, "12 h"),
    ("fr", 0, 0, "minuit"), ("nl", 0, 0, "middernacht"), ("de", 0, 30, "0:30 Uhr"),
    ("it", 0, 0, "a mezzanotte"), ("pt", 0, 0, "à meia-noite"),
    ("es", 8, 0, "las 8:00"), ("es", 14, 30, "las 14:30"), ("fr", 8, 0, "8 h"),
    ("fr", 14, 30, "14 h 30"), ("de", 8, 0, "8 Uhr"), ("de", 8, 30, "8:30 Uhr"),
    ("pt", 9, 15, "às 9h15"), ("nl", 18, 0, "18 uur"),
    # one o'clock is singular where the article is (caller audit: "a las 1:00")
    ("es", 1, 0, "la 1:00"), ("es", 1, 30, "la 1:30"), ("es", 13, 0, "las 13:00"),
    ("pt", 1, 0, "à 1h"), ("pt", 1, 5, "à 1h05"), ("it", 1, 0, "all'una"),
    ("it", 1, 45, "all'1:45"), ("it", 8, 0, "alle 8")])
def test_a_clock_time_is_said_as_people_of_the_language_say_it(code, hour, minute, words):
    assert BUILT_IN[code].time_words(hour, minute) == words


def test_when_a_closed_line_opens_is_said_in_the_queues_language():
    config = parse_config({"queues": {"support": {
        "policy": "checkin", "language": "es-ES",
        "hours": {"timezone": "UTC", "monday": "08:00-18:00", "closed": ["2026-12-14"]}}}})
    line = config.queues["support"].closed_line()
    hours = line.hours
    sunday = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    opening = hours.next_opening(sunday)
    assert line.opens_words(opening, sunday) == "mañana a las 8:00"
    tuesday = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert line.opens_words(hours.next_opening(tuesday), tuesday) == "el lunes a las 8:00"
    german = BUILT_IN["de"]
    assert when_words(opening, sunday, hours, german) == "morgen um 8 Uhr"
    assert when_words(opening, sunday, hours) == "tomorrow at 8 AM"
    after_a_holiday = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # the next Monday is closed
    later = hours.next_opening(after_a_holiday)
    assert line.opens_words(later, after_a_holiday) == "el lunes 21 de diciembre a las 8:00"
    at_one = parse_config({"queues": {"support": {
        "policy": "checkin", "language": "es-ES",
        "hours": {"timezone": "UTC", "monday": "01:00-18:00"}}}}).queues["support"].closed_line()
    assert at_one.opens_words(at_one.hours.next_opening(sunday), sunday) == "mañana a la 1:00"
    assert when_words(at_one.hours.next_opening(sunday), sunday, at_one.hours,
                      BUILT_IN["pt"]) == "amanhã à 1h"
    assert when_words(later, after_a_holiday, hours, german) == (
        "am Montag, dem 21. Dezember, um 8 Uhr")
    assert when_words(later, after_a_holiday, hours) == "on Monday, December 21 at 8 AM"


def test_a_midnight_opening_is_named_by_the_night_it_ends():
    """New York opens Saturday 00:00-00:30: on Friday at 23:59 a caller heard "We open again
    tomorrow at 12 AM", which reads as a day later (an audit, C3)."""
    from zoneinfo import ZoneInfo

    new_york = ZoneInfo("America/New_York")
    config = parse_config({"queues": {"support": {"policy": "checkin", "hours": {
        "timezone": "America/New_York", "saturday": "00:00-00:30",
        "closed": ["2027-01-02"]}}}})
    hours = config.queues["support"].closed_line().hours

    def opens(*when):
        now = datetime(*when, tzinfo=new_york)
        return when_words(hours.next_opening(now), now, hours)

    assert opens(2026, 12, 4, 23, 59) == "tonight at midnight"  # Friday: one minute to go
    assert opens(2026, 12, 4, 19, 0) == "tonight at midnight"
    assert opens(2026, 12, 3, 18, 0) == "tomorrow night at midnight"  # Thursday
    assert opens(2026, 12, 5, 1, 0) == "on Friday night at midnight"  # Saturday, after
    assert opens(2026, 12, 8, 9, 0) == "on Friday night at midnight"  # Tuesday
    assert opens(2026, 12, 26, 1, 0) == "on Friday night, January 8, at midnight"
    now = datetime(2026, 12, 4, 23, 59, tzinfo=new_york)
    opening = hours.next_opening(now)
    assert when_words(opening, now, hours, BUILT_IN["de"]) == "heute um 24 Uhr"
    # named by the night before it where the language can: Italian had said "domani alle 0",
    # German "morgen um 0 Uhr"
    for code, friday, thursday, tuesday, later in (
            ("es", "esta noche a medianoche", "mañana por la noche, a medianoche",
             "el viernes por la noche, a medianoche",
             "el viernes 8 de enero por la noche, a medianoche"),
            ("it", "stanotte a mezzanotte", "domani notte a mezzanotte",
             "venerdì notte a mezzanotte", "nella notte di venerdì 8 gennaio, a mezzanotte"),
            ("pt", "hoje à meia-noite", "na noite de amanhã, à meia-noite",
             "na noite de sexta-feira, à meia-noite",
             "na noite de sexta-feira, 8 de janeiro, à meia-noite"),
            ("fr", "ce soir à minuit", "demain soir à minuit", "vendredi soir à minuit",
             "vendredi 8 janvier au soir, à minuit"),
            ("de", "heute um 24 Uhr", "morgen um 24 Uhr", "am Freitag um 24 Uhr",
             "am Freitag, dem 8. Januar, um 24 Uhr"),
            ("nl", "vanavond om middernacht", "morgenavond om middernacht",
             "op vrijdagavond om middernacht", "op vrijdagavond 8 januari om middernacht")):
        language = BUILT_IN[code]
        for when, words in (((2026, 12, 4, 23, 59), friday), ((2026, 12, 3, 18, 0), thursday),
                            ((2026, 12, 8, 9, 0), tuesday), ((2026, 12, 26, 1, 0), later)):
            now = datetime(*when, tzinfo=new_york)
            assert when_words(hours.next_opening(now), now, hours, language) == words


@pytest.mark.parametrize(("code", "words"), [
    ("en", "on Friday, January 1 at 8 AM"), ("es", "el viernes 1 de enero a las 8:00"),
    ("it", "venerdì 1º gennaio alle 8"), ("pt", "sexta-feira, 1º de janeiro às 8h"),
    ("pt-PT", "sexta-feira, 1º de janeiro às 8h"), ("fr", "vendredi 1er janvier à 8 h"),
    ("de", "am Freitag, dem 1. Januar, um 8 Uhr")])
def test_the_first_of_a_month_is_said_as_the_language_says_it(code, words):
    """Italian "venerdì 1 gennaio" is read "uno gennaio", never said: it is "primo"."""
    config = parse_config({"queues": {"support": {"policy": "checkin", "hours": {
        "timezone": "UTC", "friday": "08:00-18:00"}}}})
    hours = config.queues["support"].closed_line().hours
    now = datetime(2026, 12, 18, 19, 0, tzinfo=UTC)  # a fortnight before: the date is said
    opening = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
    assert when_words(opening, now, hours, BUILT_IN[code]) == words


def test_a_spanish_check_in_says_the_wait_in_spanish_and_never_the_english_open_end():
    voice = Voice("Polly.Lucia", "es-ES")
    for estimate, band_words in ((WaitEstimate(240, 280, 30), "en 5 minutos"),
                                 (WaitEstimate(3000, 5000, 30), "en más de una hora")):
        situation = Situation("support", "CA1", 4, 60, 9, estimate)
        for policy in (CheckinPolicy(voice=voice, prompts=SPANISH_PROMPTS),
                       CallbackPolicy(voice=voice, prompts=SPANISH_PROMPTS,
                                      offer_after_estimate_s=60)):
            text = said(policy.checkin(situation))
            assert band_words in text, text
            assert "minutes" not in text and "hour" not in text and "turn" not in text


def test_a_language_without_built_in_words_is_warned_about_by_name():
    config = parse_config({"queues": {"support": {"policy": "checkin", "language": "ja-JP"},
                                      "ventes": {"policy": "checkin", "language": "fr-CA"},
                                      "ventas": {"policy": "checkin", "language": "es-MX"}}})
    built_in = [w for w in config.warnings() if "holdwell's own words" in w]
    assert len(built_in) == 1
    assert built_in[0].startswith("queues.support.language = 'ja-JP'")
    assert "in English" in built_in[0]
    # it left every prompt to defaults that are English: it is told so too (Spanish and
    # French have defaults of their own, so their queues hear nothing in English)
    assert {w.split(",")[0] for w in config.warnings() if "defaults, which are English" in w
            } == {"queues.support.language = 'ja-JP'"}


OWN_DEFAULTS = ("es", "es-419", "pt", "pt-PT", "it", "fr", "de", "nl")
"""The languages whose queues hear their own defaults where the operator wrote nothing."""


def test_which_languages_have_defaults_of_their_own():
    assert {code for code, language in BUILT_IN.items() if language.own_defaults} == set(
        OWN_DEFAULTS)
    for code in OWN_DEFAULTS:  # French, German and Dutch had heard the English defaults
        assert BUILT_IN[code].default_words is BUILT_IN[code]
    assert language_of("ja-JP").default_words is ENGLISH  # not built in: English stays


@pytest.mark.parametrize(("tag", "code"), [("pt", "pt"), ("pt-BR", "pt"), ("pt-PT", "pt-PT"),
                                           ("PT-pt", "pt-PT"), ("pt-AO", "pt"),
                                           ("es-MX", "es-419"), ("es-US", "es-419"),
                                           ("es-419", "es-419"), ("es-ES", "es"), ("es", "es")])
def test_a_regions_own_table_is_read_for_its_tag(tag, code):
    """Brazilian callers (pt, pt-BR: Polly.Camila) had heard European Portuguese ("Estávamos
    a ligar de volta"); a table named with a region is read for that region only, and for
    the tags that share it (es-419: tests/hold_policies/test_spanish_americas.py)."""
    assert language_of(tag).code == code


def test_the_region_keeps_its_languages_words_where_it_has_none_of_its_own():
    brazil, portugal = BUILT_IN["pt"], BUILT_IN["pt-PT"]
    assert portugal.weekdays == brazil.weekdays and portugal.minutes == brazil.minutes
    assert portugal.text("goodbye") == "Adeus." and brazil.text("goodbye") == "Até logo."
    assert "A ligar" in portugal.text("booked_while_closed")  # not the Brazilian gerund
    assert "Conectando" in brazil.text("booked_while_closed")


@pytest.mark.parametrize("code", OWN_DEFAULTS)
def test_an_open_ended_wait_is_never_within_more_than_an_hour(code):
    """"We expect to answer you within more than an hour" had been said in English; in the
    languages' own defaults, their `within` phrase is what the open-ended wait replaces."""
    language = BUILT_IN[code]
    voice = Voice(language=code)
    situation = Situation("support", "CA1", 40, 60, 60, WaitEstimate(6000, 9000, 30))
    prompts = prompts_in(language)
    for policy in (CheckinPolicy(voice=voice, prompts=prompts),
                   CallbackPolicy(voice=voice, prompts=prompts, offer_after_estimate_s=60)):
        text = said(policy.checkin(situation))
        assert language.open_ended.format(wait=language.over_an_hour) in text, text
        assert language.within.format(wait=language.over_an_hour) not in text, text
    assert all(language.within in template for template in (
        prompts.wait, prompts.callback_offer, prompts.callback_confirm,
        prompts.callback_confirm_keyed, prompts.agent_caller_promised))


@pytest.mark.parametrize(("code", "interval_s", "first_s", "words"), [
    ("es", 60, None, "Le informaremos aproximadamente una vez por minuto;"),
    ("es", 90, None, "Le informaremos aproximadamente cada minuto y medio;"),
    ("es", 60, 300, "Le informaremos dentro de unos 5 minutos y, a partir de entonces, "
                    "aproximadamente una vez por minuto;"),
    ("it", 150, None, "La aggiorneremo sull'attesa circa ogni 2 minuti e mezzo;"),
    ("it", 30, None, "La aggiorneremo sull'attesa circa ogni 30 secondi;"),
    ("pt", 300, None, "Vamos dar notícias sobre a espera aproximadamente a cada 5 minutos;"),
    ("pt-PT", 60, 90, "Vamos dar-lhe notícias em cerca de um minuto e meio e, depois, "
                      "aproximadamente uma vez por minuto;"),
    ("fr", 60, None, "Nous ferons le point avec vous environ une fois par minute ;"),
    ("fr", 150, 300, "Nous ferons le point avec vous dans environ 5 minutes, puis environ "
                     "toutes les 2 minutes et demie ;"),
    ("de", 90, None, "Wir melden uns etwa alle anderthalb Minuten bei Ihnen;"),
    ("de", 60, 300, "Wir melden uns in etwa 5 Minuten und danach etwa einmal pro Minute bei "
                    "Ihnen;"),
    ("nl", 30, None, "We houden u ongeveer elke 30 seconden op de hoogte;"),
    ("nl", 60, 90, "We houden u over ongeveer anderhalve minuut en daarna ongeveer één keer "
                   "per minuut op de hoogte;")])
def test_the_default_welcome_says_how_often_in_the_queues_language(code, interval_s, first_s,
                                                                   words):
    policy = CheckinPolicy(voice=Voice(language=code), interval_s=interval_s,
                           first_checkin_s=first_s, prompts=prompts_in(BUILT_IN[code]))
    assert words in policy.welcome().steps[0].text


def test_every_opening_fits_the_longest_said():
    from hold_policies.prompts import LONGEST_FILL

    for code, language in BUILT_IN.items():
        clock = max((language.time_words(h, m) for h in range(24) for m in (0, 1, 59)), key=len)
        for weekday in language.weekdays:
            for month in language.months:
                for template, time in ((language.later, clock),
                                       (language.later_night, language.midnight)):
                    said_as = (template or "").format(weekday=weekday, month=month,
                                                      day=language.day_of_month(28), time=time)
                    assert len(said_as) <= LONGEST_FILL["opens"], (code, said_as)


def test_a_language_missing_a_default_or_losing_a_placeholder_is_refused_when_read(
        monkeypatch):
    """A default missing would be said in English, one that lost {wait} would drop the wait
    said: the tables are checked whole where the English defaults are defined."""
    import dataclasses

    from hold_policies import languages

    english = {f.name: f.default for f in dataclasses.fields(Prompts) if f.name != "welcome"}
    spanish = languages.BUILT_IN["es"]
    own = spanish.words["prompts"]
    for prompts, problem in (
            ({k: v for k, v in own.items() if k != "apology"}, r"missing \['apology'\]"),
            ({**own, "wait": "Le atenderemos pronto."}, r"wait: placeholders \[\], but the "
                                                        r"English default has \['wait'\]")):
        monkeypatch.setitem(languages.BUILT_IN, "es", dataclasses.replace(
            spanish, words={**spanish.words, "prompts": prompts}))
        with pytest.raises(ValueError, match=problem):
            languages.check_defaults("prompts", english)
    table = {"weekdays": list(spanish.weekdays), "months": list(spanish.months),
             "fixed": dict(spanish.fixed), "prompts": dict(own)}
    with pytest.raises(ValueError, match="all or none"):
        languages._language("xx", table)  # prompts without the other tables
