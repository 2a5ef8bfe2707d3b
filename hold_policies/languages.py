"""holdwell's own words in the queue's language: what it fills into operators' prompts and
what it says when something fails.

Operators write their prompts in their callers' language, but some words are holdwell's:
the wait band ({wait}: "5 minutes", "more than an hour"), the time an agent hears a caller
waited ({minutes}), when a closed line opens ({opens}: "tomorrow at 8 AM") and the fixed
texts of the safety net ("Sorry, we could not take that choice just now..."), which no
config reaches. A Spanish queue heard those in English between its own Spanish sentences
(a review listening as callers). Each built-in language has them all; a queue whose
language is not built in hears English, and `config check` warns so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

FIXED_TEXTS = ("back_in_line", "queue_full", "line_failed", "choice_failed",
               "callback_not_now", "cannot_call_back", "cannot_book", "cannot_confirm",
               "already_helped", "not_held", "calling_again", "not_calling_again",
               "message_lost", "goodbye")
"""The texts of the safety net, said when something fails (app.voice)."""


@dataclass(frozen=True)
class Language:
    """How holdwell's own words read in one language."""

    code: str  # the primary subtag of the queue's language ("es" for es-MX)
    one_minute: str
    minutes: str  # {n}: 2 and more
    over_an_hour: str  # the open-ended band
    open_ended: str | None  # what "within {wait}" becomes past the bands (English prompts)
    today: str  # {time}
    tomorrow: str
    this_week: str  # {weekday} {time}
    later: str  # {weekday} {day} {month} {time}
    weekdays: tuple[str, ...]  # Monday first
    months: tuple[str, ...]
    on_the_hour: str  # {h}: 0-23, or 1-12 with twelve_hour
    with_minutes: str  # {h} {mm}
    fixed: dict[str, str] = field(hash=False, compare=False)
    twelve_hour: bool = False

    def wait_words(self, minutes: int | None) -> str:
        """A band in words: "1 minute", "5 minutes", or the open-ended one (None)."""
        if minutes is None:
            return self.over_an_hour
        return self.one_minute if minutes == 1 else self.minutes.format(n=minutes)

    def waited_words(self, seconds: float) -> str:
        """A wait so far in whole minutes, rounded up (never "0 minutes"): what an agent
        hears a caller waited."""
        return self.wait_words(max(math.ceil(seconds / 60), 1))

    def time_words(self, hour: int, minute: int) -> str:
        """A clock time as people say it: "8 AM", "8:30 PM"; "8:00", "14 h 30", "8 Uhr"."""
        if self.twelve_hour:
            spoken = f"{hour % 12 or 12}" + ("" if minute == 0 else f":{minute:02d}")
            return f"{spoken} {'AM' if hour < 12 else 'PM'}"
        template = self.on_the_hour if minute == 0 else self.with_minutes
        return template.format(h=hour, mm=f"{minute:02d}")

    def text(self, name: str) -> str:
        """A fixed text of the safety net (FIXED_TEXTS)."""
        return self.fixed[name]


ENGLISH = Language(
    code="en", one_minute="1 minute", minutes="{n} minutes", over_an_hour="more than an hour",
    open_ended="when your turn comes, which may take {wait}",
    today="today at {time}", tomorrow="tomorrow at {time}", this_week="on {weekday} at {time}",
    later="on {weekday}, {month} {day} at {time}",
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    months=("January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December"),
    on_the_hour="", with_minutes="", twelve_hour=True,
    fixed={
        "back_in_line": "Sorry about that. You are still in line.",
        "queue_full": "Sorry, our line is full right now. Please call again a little later.",
        "line_failed": ("Sorry, our phone line failed twice while you waited. Please call "
                        "again in a moment."),
        "choice_failed": ("Sorry, we could not take that choice just now. You keep your place "
                          "in line."),
        "callback_not_now": ("Sorry, we cannot arrange a call back just now. You keep your "
                             "place in line, and you can ask again in a minute."),
        "cannot_call_back": "Sorry, we cannot call back the number you are calling from.",
        "cannot_book": "Sorry, we could not book a call back just now.",
        "cannot_confirm": ("Sorry, we cannot confirm your call back just now. If it is booked, "
                           "we will say so when you call again."),
        "already_helped": ("We were calling you back, but you have already spoken with us, so "
                           "there is nothing more to do. Goodbye."),
        "not_held": "Sorry, we could not hold you for an agent just now.",
        "calling_again": "We will call you again shortly. Goodbye.",
        "not_calling_again": "We are sorry we could not reach you in time. Goodbye.",
        "message_lost": ("Sorry, we could not keep your message. Please call again a little "
                         "later. Goodbye."),
        "goodbye": "Goodbye.",
    })

SPANISH = Language(
    code="es", one_minute="1 minuto", minutes="{n} minutos", over_an_hour="más de una hora",
    open_ended=None, today="hoy a las {time}", tomorrow="mañana a las {time}",
    this_week="el {weekday} a las {time}", later="el {weekday} {day} de {month} a las {time}",
    weekdays=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    months=("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
            "septiembre", "octubre", "noviembre", "diciembre"),
    on_the_hour="{h}:00", with_minutes="{h}:{mm}",
    fixed={
        "back_in_line": "Disculpe. Sigue usted en la cola.",
        "queue_full": ("Lo sentimos, nuestra línea está completa en este momento. Por favor, "
                       "vuelva a llamar un poco más tarde."),
        "line_failed": ("Lo sentimos, nuestra línea telefónica ha fallado dos veces mientras "
                        "esperaba. Por favor, vuelva a llamar en un momento."),
        "choice_failed": ("Lo sentimos, no hemos podido atender esa opción ahora mismo. "
                          "Conserva su lugar en la cola."),
        "callback_not_now": ("Lo sentimos, no podemos programar una llamada de vuelta ahora "
                             "mismo. Conserva su lugar en la cola, y puede volver a pedirla en "
                             "un minuto."),
        "cannot_call_back": ("Lo sentimos, no podemos devolver la llamada al número desde el "
                             "que llama."),
        "cannot_book": "Lo sentimos, no hemos podido reservar una llamada de vuelta ahora mismo.",
        "cannot_confirm": ("Lo sentimos, no podemos confirmar su llamada de vuelta ahora mismo. "
                           "Si está reservada, se lo diremos cuando vuelva a llamar."),
        "already_helped": ("Le llamábamos de vuelta, pero ya ha hablado con nosotros, así que "
                           "no queda nada por hacer. Adiós."),
        "not_held": ("Lo sentimos, no hemos podido mantenerle en espera para un agente ahora "
                     "mismo."),
        "calling_again": "Le volveremos a llamar en breve. Adiós.",
        "not_calling_again": "Sentimos no haber podido localizarle a tiempo. Adiós.",
        "message_lost": ("Lo sentimos, no hemos podido guardar su mensaje. Por favor, vuelva a "
                         "llamar un poco más tarde. Adiós."),
        "goodbye": "Adiós.",
    })

FRENCH = Language(
    code="fr", one_minute="1 minute", minutes="{n} minutes", over_an_hour="plus d'une heure",
    open_ended=None, today="aujourd'hui à {time}", tomorrow="demain à {time}",
    this_week="{weekday} à {time}", later="{weekday} {day} {month} à {time}",
    weekdays=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    months=("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
            "septembre", "octobre", "novembre", "décembre"),
    on_the_hour="{h} h", with_minutes="{h} h {mm}",
    fixed={
        "back_in_line": "Toutes nos excuses. Vous êtes toujours dans la file d'attente.",
        "queue_full": ("Désolés, notre ligne est saturée pour le moment. Merci de rappeler un "
                       "peu plus tard."),
        "line_failed": ("Désolés, notre ligne téléphonique a été coupée deux fois pendant votre "
                        "attente. Merci de rappeler dans un instant."),
        "choice_failed": ("Désolés, nous ne pouvons pas prendre en compte ce choix pour le "
                          "moment. Vous gardez votre place dans la file."),
        "callback_not_now": ("Désolés, nous ne pouvons pas organiser de rappel pour le moment. "
                             "Vous gardez votre place dans la file, et vous pourrez redemander "
                             "dans une minute."),
        "cannot_call_back": ("Désolés, nous ne pouvons pas rappeler le numéro depuis lequel "
                             "vous appelez."),
        "cannot_book": "Désolés, nous n'avons pas pu enregistrer de rappel pour le moment.",
        "cannot_confirm": ("Désolés, nous ne pouvons pas confirmer votre rappel pour le moment. "
                           "S'il est enregistré, nous vous le dirons quand vous rappellerez."),
        "already_helped": ("Nous vous rappelions, mais vous avez déjà parlé avec nous : il n'y "
                           "a plus rien à faire. Au revoir."),
        "not_held": ("Désolés, nous n'avons pas pu vous mettre en attente d'un conseiller pour "
                     "le moment."),
        "calling_again": "Nous vous rappellerons très bientôt. Au revoir.",
        "not_calling_again": ("Nous sommes désolés de ne pas avoir pu vous joindre à temps. "
                              "Au revoir."),
        "message_lost": ("Désolés, nous n'avons pas pu conserver votre message. Merci de "
                         "rappeler un peu plus tard. Au revoir."),
        "goodbye": "Au revoir.",
    })

GERMAN = Language(
    code="de", one_minute="1 Minute", minutes="{n} Minuten", over_an_hour="mehr als einer Stunde",
    open_ended=None, today="heute um {time}", tomorrow="morgen um {time}",
    this_week="am {weekday} um {time}", later="am {weekday}, {day}. {month} um {time}",
    weekdays=("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    months=("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
            "September", "Oktober", "November", "Dezember"),
    on_the_hour="{h} Uhr", with_minutes="{h}:{mm} Uhr",
    fixed={
        "back_in_line": "Entschuldigung. Sie sind weiterhin in der Warteschlange.",
        "queue_full": ("Leider ist unsere Leitung gerade voll. Bitte rufen Sie etwas später "
                       "wieder an."),
        "line_failed": ("Leider ist unsere Telefonleitung während Ihrer Wartezeit zweimal "
                        "ausgefallen. Bitte rufen Sie gleich noch einmal an."),
        "choice_failed": ("Leider konnten wir diese Auswahl gerade nicht annehmen. Sie behalten "
                          "Ihren Platz in der Warteschlange."),
        "callback_not_now": ("Leider können wir gerade keinen Rückruf einrichten. Sie behalten "
                             "Ihren Platz in der Warteschlange und können in einer Minute "
                             "erneut fragen."),
        "cannot_call_back": ("Leider können wir die Nummer, von der Sie anrufen, nicht "
                             "zurückrufen."),
        "cannot_book": "Leider konnten wir gerade keinen Rückruf buchen.",
        "cannot_confirm": ("Leider können wir Ihren Rückruf gerade nicht bestätigen. Falls er "
                           "gebucht ist, sagen wir es Ihnen, wenn Sie wieder anrufen."),
        "already_helped": ("Wir wollten Sie zurückrufen, aber Sie haben bereits mit uns "
                           "gesprochen, es ist also nichts mehr zu tun. Auf Wiederhören."),
        "not_held": ("Leider konnten wir Sie gerade nicht für einen Mitarbeiter in der Leitung "
                     "halten."),
        "calling_again": "Wir rufen Sie in Kürze noch einmal an. Auf Wiederhören.",
        "not_calling_again": ("Es tut uns leid, dass wir Sie nicht rechtzeitig erreichen "
                              "konnten. Auf Wiederhören."),
        "message_lost": ("Leider konnten wir Ihre Nachricht nicht speichern. Bitte rufen Sie "
                         "etwas später wieder an. Auf Wiederhören."),
        "goodbye": "Auf Wiederhören.",
    })

PORTUGUESE = Language(
    code="pt", one_minute="1 minuto", minutes="{n} minutos", over_an_hour="mais de uma hora",
    open_ended=None, today="hoje às {time}", tomorrow="amanhã às {time}",
    this_week="{weekday} às {time}", later="{weekday}, {day} de {month} às {time}",
    weekdays=("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
              "sábado", "domingo"),
    months=("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
            "setembro", "outubro", "novembro", "dezembro"),
    on_the_hour="{h}h", with_minutes="{h}h{mm}",
    fixed={
        "back_in_line": "Desculpe. Continua na fila de espera.",
        "queue_full": ("Desculpe, a nossa linha está cheia neste momento. Por favor, ligue "
                       "novamente um pouco mais tarde."),
        "line_failed": ("Desculpe, a nossa linha telefónica falhou duas vezes enquanto "
                        "esperava. Por favor, ligue novamente daqui a pouco."),
        "choice_failed": ("Desculpe, não conseguimos registar essa opção neste momento. Mantém "
                          "o seu lugar na fila."),
        "callback_not_now": ("Desculpe, não conseguimos agendar uma chamada de volta neste "
                             "momento. Mantém o seu lugar na fila, e pode pedir novamente "
                             "daqui a um minuto."),
        "cannot_call_back": ("Desculpe, não conseguimos ligar de volta para o número de onde "
                             "está a ligar."),
        "cannot_book": "Desculpe, não conseguimos marcar uma chamada de volta neste momento.",
        "cannot_confirm": ("Desculpe, não conseguimos confirmar a sua chamada de volta neste "
                           "momento. Se estiver marcada, diremos quando ligar novamente."),
        "already_helped": ("Estávamos a ligar de volta, mas já falou connosco, por isso não há "
                           "mais nada a fazer. Adeus."),
        "not_held": ("Desculpe, não conseguimos mantê-lo em espera para um assistente neste "
                     "momento."),
        "calling_again": "Voltaremos a ligar em breve. Adeus.",
        "not_calling_again": "Lamentamos não o ter conseguido contactar a tempo. Adeus.",
        "message_lost": ("Desculpe, não conseguimos guardar a sua mensagem. Por favor, ligue "
                         "novamente um pouco mais tarde. Adeus."),
        "goodbye": "Adeus.",
    })

ITALIAN = Language(
    code="it", one_minute="1 minuto", minutes="{n} minuti", over_an_hour="più di un'ora",
    open_ended=None, today="oggi alle {time}", tomorrow="domani alle {time}",
    this_week="{weekday} alle {time}", later="{weekday} {day} {month} alle {time}",
    weekdays=("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    months=("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
            "settembre", "ottobre", "novembre", "dicembre"),
    on_the_hour="{h}", with_minutes="{h}:{mm}",
    fixed={
        "back_in_line": "Ci scusi. È ancora in coda.",
        "queue_full": ("Ci dispiace, la nostra linea è al completo in questo momento. La "
                       "preghiamo di richiamare un po' più tardi."),
        "line_failed": ("Ci dispiace, la nostra linea telefonica si è interrotta due volte "
                        "durante la sua attesa. La preghiamo di richiamare tra un momento."),
        "choice_failed": ("Ci dispiace, non possiamo accogliere questa scelta in questo "
                          "momento. Mantiene il suo posto in coda."),
        "callback_not_now": ("Ci dispiace, non possiamo organizzare una richiamata in questo "
                             "momento. Mantiene il suo posto in coda, e può chiederla di nuovo "
                             "tra un minuto."),
        "cannot_call_back": "Ci dispiace, non possiamo richiamare il numero da cui sta chiamando.",
        "cannot_book": ("Ci dispiace, non siamo riusciti a prenotare una richiamata in questo "
                        "momento."),
        "cannot_confirm": ("Ci dispiace, non possiamo confermare la sua richiamata in questo "
                           "momento. Se è prenotata, glielo diremo quando richiamerà."),
        "already_helped": ("La stavamo richiamando, ma ha già parlato con noi, quindi non c'è "
                           "altro da fare. Arrivederci."),
        "not_held": ("Ci dispiace, non siamo riusciti a tenerla in attesa per un operatore in "
                     "questo momento."),
        "calling_again": "La richiameremo a breve. Arrivederci.",
        "not_calling_again": ("Ci dispiace di non essere riusciti a raggiungerla in tempo. "
                              "Arrivederci."),
        "message_lost": ("Ci dispiace, non siamo riusciti a conservare il suo messaggio. La "
                         "preghiamo di richiamare un po' più tardi. Arrivederci."),
        "goodbye": "Arrivederci.",
    })

DUTCH = Language(
    code="nl", one_minute="1 minuut", minutes="{n} minuten", over_an_hour="meer dan een uur",
    open_ended=None, today="vandaag om {time}", tomorrow="morgen om {time}",
    this_week="op {weekday} om {time}", later="op {weekday} {day} {month} om {time}",
    weekdays=("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    months=("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
            "september", "oktober", "november", "december"),
    on_the_hour="{h} uur", with_minutes="{h}:{mm} uur",
    fixed={
        "back_in_line": "Excuses daarvoor. U staat nog steeds in de wachtrij.",
        "queue_full": ("Sorry, onze lijn is op dit moment vol. Belt u alstublieft iets later "
                       "terug."),
        "line_failed": ("Sorry, onze telefoonlijn is twee keer uitgevallen terwijl u wachtte. "
                        "Belt u alstublieft zo meteen opnieuw."),
        "choice_failed": ("Sorry, we konden die keuze nu niet verwerken. U behoudt uw plaats in "
                          "de wachtrij."),
        "callback_not_now": ("Sorry, we kunnen nu geen terugbelverzoek regelen. U behoudt uw "
                             "plaats in de wachtrij, en u kunt het over een minuut opnieuw "
                             "vragen."),
        "cannot_call_back": "Sorry, we kunnen het nummer waarmee u belt niet terugbellen.",
        "cannot_book": "Sorry, we konden nu geen terugbelafspraak maken.",
        "cannot_confirm": ("Sorry, we kunnen uw terugbelafspraak nu niet bevestigen. Als die "
                           "gemaakt is, zeggen we dat wanneer u opnieuw belt."),
        "already_helped": ("We belden u terug, maar u heeft ons al gesproken, dus er hoeft "
                           "niets meer te gebeuren. Tot ziens."),
        "not_held": "Sorry, we konden u nu niet in de wacht zetten voor een medewerker.",
        "calling_again": "We bellen u binnenkort opnieuw. Tot ziens.",
        "not_calling_again": "Het spijt ons dat we u niet op tijd konden bereiken. Tot ziens.",
        "message_lost": ("Sorry, we konden uw bericht niet bewaren. Belt u alstublieft iets "
                         "later terug. Tot ziens."),
        "goodbye": "Tot ziens.",
    })

BUILT_IN: dict[str, Language] = {language.code: language for language in (
    ENGLISH, SPANISH, FRENCH, GERMAN, PORTUGUESE, ITALIAN, DUTCH)}


@lru_cache(maxsize=64)
def language_of(tag: str | None) -> Language:
    """The built-in language of a queue's language tag (its primary subtag: "es" of
    "es-MX"); English for none or one not built in."""
    return BUILT_IN.get((tag or "en").split("-")[0].lower(), ENGLISH)


def is_built_in(tag: str | None) -> bool:
    return not tag or (tag.split("-")[0].lower() in BUILT_IN)
