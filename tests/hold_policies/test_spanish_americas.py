"""Latin-American (and US) Spanish: a queue in es-MX, es-US or any Spanish tag of the
Americas hears the words of `[es-419]` (hold_policies/languages.toml), not Castilian Spain's.

Its callers had heard "pulse 1" (press), "su lugar en la cola" ("cola" is slang in several
countries; they say "fila") and "la tecla almohadilla" for the # key, which they call "la
tecla de numeral". es-ES, plain `es` and Spanish elsewhere (es-GQ, es-PH) keep Castilian.
"""

from __future__ import annotations

import re
import string
import tomllib
from importlib import resources

import pytest

from app.signed_client import SignedClient
from app.storage.migrate import upgrade
from hold_policies import languages
from hold_policies.languages import BUILT_IN, SPANISH, language_of
from tests.app.test_callbacks import CHOICE, CONFIG, WAIT, enter
from tests.app.test_voice_contract import wait_form
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

AMERICAS = ("es-AR", "es-BO", "es-CL", "es-CO", "es-CR", "es-CU", "es-DO", "es-EC", "es-GT",
            "es-HN", "es-MX", "es-NI", "es-PA", "es-PE", "es-PR", "es-PY", "es-SV", "es-US",
            "es-UY", "es-VE")
"""The Spanish of each UN M.49 region 419 country that speaks it, and of the United States."""
CASTILIAN_ONLY = re.compile(r"\b(pulse|pulsa|cola|almohadilla|prefijo|pasamos|recoger|"
                            r"ordenador|móvil|vale|vosotros|hemos podido|ha fallado)\b",
                            re.IGNORECASE)
"""Words of Spain an American caller should not hear from holdwell's defaults."""


def every_text(language: languages.Language) -> dict[str, str]:
    """Each text a caller, an agent or a texted customer gets from `language`, by table.name."""
    tables = {**language.words, "fixed": language.fixed, "often": language.often,
              "soon": language.soon}
    return {f"{table}.{name}": text for table, texts in tables.items()
            for name, text in texts.items()}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("tag", [*AMERICAS, "es-419", "ES-mx", "es-us", "es-419".upper()])
def test_every_spanish_tag_of_the_americas_reads_the_latin_american_table(tag):
    assert language_of(tag).code == "es-419"
    assert language_of(tag) is BUILT_IN["es-419"]


@pytest.mark.parametrize("tag", ["es", "es-ES", "ES-es", "es-GQ", "es-PH", "es-EA", "es-IC"])
def test_spain_and_spanish_elsewhere_keep_castilian(tag):
    castilian = language_of(tag)
    assert castilian is SPANISH and castilian is not language_of("es-MX")
    assert "Pulse" in castilian.defaults("overflow")["voicemail"]
    assert "cola" in castilian.defaults("prompts")["position"]
    assert "almohadilla" in castilian.defaults("overflow")["message_prompt"]


@pytest.mark.parametrize("tag", ["es-MX", "es-US", "es-419", "es-AR"])
def test_no_text_of_the_americas_says_pulse_cola_or_almohadilla(tag):
    heard = {name: text for name, text in every_text(language_of(tag)).items()
             if CASTILIAN_ONLY.search(text)}
    assert not heard, heard
    prompts = language_of(tag).defaults("prompts")
    assert prompts["keep_waiting"].startswith("Si puede esperar un poco más, oprima {keep_key}")
    assert prompts["position"] == "Su lugar en la fila es el número {position}."
    assert "la tecla de numeral" in prompts["callback_number_entry"]


def test_every_latin_american_text_keeps_the_castilian_ones_placeholders():
    american, castilian = every_text(BUILT_IN["es-419"]), every_text(SPANISH)
    assert american.keys() == castilian.keys()
    wrong = {name: (sorted(placeholders(text)), sorted(placeholders(castilian[name])))
             for name, text in american.items() if placeholders(text) != placeholders(
                castilian[name])}
    assert not wrong, wrong
    # what [es-419] does not give is [es]'s own: the band, the weekdays, midnight
    latin = BUILT_IN["es-419"]
    assert (latin.within, latin.open_ended, latin.weekdays, latin.time_words(0, 0)) == (
        SPANISH.within, SPANISH.open_ended, SPANISH.weekdays, SPANISH.time_words(0, 0))
    assert latin.own_defaults and latin.default_words is latin


def test_the_latin_american_table_gives_only_what_differs_from_castilian():
    """A copy of a Castilian text in [es-419] would hide a later fix of [es] from the
    Americas; the region gives only its own words."""
    text = resources.files("hold_policies").joinpath(languages.WORDS_FILE).read_text("utf-8")
    tables = tomllib.loads(text)
    region, spain = tables["es-419"], tables["es"]
    copies = sorted(f"{table}.{name}" for table, texts in region.items()
                    if isinstance(texts, dict)
                    for name, said in texts.items() if spain[table][name] == said)
    assert not copies, copies
    assert {table for table, texts in region.items() if texts} >= {"prompts", "overflow"}


def test_a_shared_region_table_is_built_in_and_read_for_its_own_languages_tags_only():
    shared = languages.SHARED_REGION_TABLES
    assert set(shared["es-419"]) == set(AMERICAS) | {"es-BR", "es-BZ"}  # CLDR's es-419 too
    for table, tags in shared.items():
        assert table in BUILT_IN
        assert all(tag.split("-")[0] == table.split("-")[0] for tag in tags), table
        assert not set(map(str.lower, tags)) & {code.lower() for code in BUILT_IN}


def queue_in(make_app, tmp_path, tag: str) -> SignedClient:
    """A callback queue in `tag`, on a database of its own (the database's config wins)."""
    database = f"sqlite:///{tmp_path / tag}.db"
    upgrade(database)
    app = make_app(CONFIG.replace('policy = "callback"\n',
                                  f'policy = "callback"\nlanguage = "{tag}"\n', 1),
                   database_url=database, journal_dir=str(tmp_path / f"journal-{tag}"))
    return SignedClient(app.test_client(), AUTH_TOKEN)


def offered_and_keyed(twilio: SignedClient, clock) -> tuple[str, str]:
    """What a caller hears in line (a check-in with the callback offer), and once they ask to
    be called back at another number (asked to key it in)."""
    enter(twilio, sid("CA1"), clock, caller="anonymous")
    checkin = twilio.post(WAIT, {**wait_form(sid("CA1"), 70, position=3), "From": "anonymous"})
    choice = twilio.post(CHOICE, {**wait_form(sid("CA1"), 72), "Digits": "2",
                                  "From": "anonymous"})
    assert parse(choice.data).find("Gather") is not None
    return spoken(checkin.data), spoken(choice.data)


@pytest.mark.parametrize("tag", ["es-MX", "es-US"])
def test_a_queue_in_mexican_or_us_spanish_hears_oprima_and_fila_on_its_calls(make_app, clock,
                                                                             tmp_path, tag):
    checkin, entry = offered_and_keyed(queue_in(make_app, tmp_path, tag), clock)
    assert "Su lugar en la fila es el número 3." in checkin
    assert "oprima 1" in checkin and "O bien, oprima 2 y le devolveremos la llamada" in checkin
    assert "con su código de área, y después oprima la tecla de numeral." in entry
    assert not CASTILIAN_ONLY.search(checkin + " " + entry), checkin + " " + entry
    castilian, castilian_entry = offered_and_keyed(queue_in(make_app, tmp_path, "es-ES"),
                                                  clock)
    assert "pulse 1" in castilian and "Su lugar en la cola es el número 3." in castilian
    assert "pulse la tecla almohadilla." in castilian_entry


@pytest.mark.parametrize(("hour", "minute", "said"), [
    (14, 0, "las 2 de la tarde"), (8, 30, "las 8:30 de la mañana"), (13, 0, "la 1 de la tarde"),
    (1, 5, "la 1:05 de la madrugada"), (12, 0, "mediodía"), (12, 30, "las 12:30 de la tarde"),
    (20, 0, "las 8 de la noche"), (0, 0, "medianoche"), (0, 30, "las 12:30 de la madrugada")])
def test_the_americas_clock_is_twelve_hour_with_the_part_of_the_day(hour, minute, said):
    """Mexican and US callers say "las 2 de la tarde", not Spain's "las 14:00"."""
    assert language_of("es-MX").time_words(hour, minute) == said
    assert "de la" not in language_of("es-ES").time_words(hour, minute)


def test_a_closed_line_in_mexico_opens_at_the_americas_time():
    from datetime import UTC, datetime

    from hold_policies.closed_line import when_words
    from hold_policies.hours import OpeningHours, parse_spans

    hours = OpeningHours("UTC", tuple(parse_spans("14:00-18:00") for _ in range(7)))
    monday = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert when_words(datetime(2026, 1, 5, 14, 0, tzinfo=UTC), monday, hours,
                      language_of("es-MX")) == "hoy a las 2 de la tarde"
