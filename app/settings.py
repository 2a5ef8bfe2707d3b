"""Process settings from the environment (secrets, URLs); queue behaviour lives in the TOML file."""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_CONFIG_PATH = "holdwell.toml"
DEFAULT_DATABASE_URL = "sqlite:///holdwell.db"
TRUE_WORDS = {"1", "true", "yes", "on"}
SECRET_MIN_CHARS = 16  # HOLDWELL_OPS_TOKEN, HOLDWELL_SECRET_KEY: a guessable one opens the console
# Twilio's shapes; warned about, not refused: tests and emulators sign with tokens of their own
TWILIO_SHAPES = {
    "TWILIO_AUTH_TOKEN": (re.compile(r"[0-9a-fA-F]{32}"), "32 hexadecimal characters"),
    "TWILIO_ACCOUNT_SID": (re.compile(r"AC[0-9a-fA-F]{32}"), "AC and 32 hexadecimal characters"),
}

log = logging.getLogger("holdwell.settings")


def sqlalchemy_url(url: str) -> str:
    """`url` as SQLAlchemy names it: the `postgres://` that hosting platforms hand out (and
    libpq takes) is PostgreSQL through psycopg, the driver installed here. Blanks around it
    (a copy-paste's newline) are no part of a URL: `sqlite:///holdwell.db` with a newline
    had made a second call log, a file named "holdwell.db\n", beside the real one."""
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    return f"postgresql+psycopg://{rest}" if sep and scheme == "postgres" else url


class SettingsError(ValueError):
    """An environment setting that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment, once, at start-up."""

    auth_token: str | None = None
    account_sid: str | None = None
    config_path: str | None = None  # None: ./holdwell.toml if present, else built-in defaults
    database_url: str = DEFAULT_DATABASE_URL
    public_url: str | None = None
    validate_signatures: bool = True
    proxy_count: int = 0  # trusted reverse proxies in front of the app (ProxyFix)
    audio_dir: str = "audio_files"
    db_budget_s: float = 0.5  # all database work of one webhook (HOLDWELL_DB_BUDGET_MS)
    journal_dir: str | None = "holdwell_journal"  # None: no journal (writes may be lost)
    ops_token: str | None = None  # HOLDWELL_OPS_TOKEN: turns on /ops/callbacks (header only)
    secret_key: str | None = None  # HOLDWELL_SECRET_KEY; None: the key kept in the database
    twin_limit_s: float = 20.0  # HOLDWELL_TWIN_LIMIT_S: longest a console fit or what-if may run

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        insecure = switch_on(env, "HOLDWELL_INSECURE_SKIP_SIGNATURE")
        proxies = plain_setting(env, "HOLDWELL_TRUSTED_PROXIES", "0")
        if not plain_count(proxies):
            raise SettingsError(f"HOLDWELL_TRUSTED_PROXIES must be a whole number, 0 or more "
                                f"(the reverse proxies in front of the app), got {proxies!r}")
        public_url = public_base(env)
        budget_ms = plain_setting(env, "HOLDWELL_DB_BUDGET_MS", "500")
        if not plain_count(budget_ms) or not 50 <= int(budget_ms) <= 10_000:
            raise SettingsError(f"HOLDWELL_DB_BUDGET_MS must be a whole number of milliseconds "
                                f"from 50 to 10000 (got {budget_ms!r})")
        return cls(
            twin_limit_s=twin_limit_s(env),
            db_budget_s=int(budget_ms) / 1000,
            journal_dir=path_setting(env, "HOLDWELL_JOURNAL_DIR") or "holdwell_journal",
            auth_token=twilio_credential(env, "TWILIO_AUTH_TOKEN"),
            account_sid=twilio_credential(env, "TWILIO_ACCOUNT_SID"),
            config_path=path_setting(env, "HOLDWELL_CONFIG"),
            database_url=configured_database_url(env),
            public_url=public_url,
            validate_signatures=not insecure,
            proxy_count=int(proxies),
            audio_dir=path_setting(env, "HOLDWELL_AUDIO_DIR") or "audio_files",
            ops_token=shared_secret(env, "HOLDWELL_OPS_TOKEN"),
            secret_key=shared_secret(env, "HOLDWELL_SECRET_KEY"),
        )

    def with_overrides(self, overrides: Mapping[str, object] | None) -> Settings:
        """Tests and the emulator replace individual settings by field name."""
        if not overrides:
            return self
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise SettingsError(f"unknown settings {sorted(unknown)}; known: {sorted(known)}")
        return replace(self, **overrides)

    def resolved_config_path(self) -> Path | None:
        """The config file to load; None means the built-in defaults (no file anywhere)."""
        if self.config_path:
            return Path(self.config_path)
        default = Path(DEFAULT_CONFIG_PATH)
        return default if default.exists() else None


def configured_database_url(env: Mapping[str, str]) -> str:
    """DATABASE_URL as the app and every command read it: blanks around it ignored, left
    blank the default, a platform's postgres:// read as psycopg's."""
    return sqlalchemy_url(plain_setting(env, "DATABASE_URL", DEFAULT_DATABASE_URL))


def public_base(env: Mapping[str, str]) -> str | None:
    """HOLDWELL_PUBLIC_URL as the base every TwiML URL and signature check starts with:
    whitespace around it (a copy-paste's newline) stripped with a warning, a trailing '/'
    dropped. Refused, naming it, when it is no base URL: no host ("https://"), a blank or
    control character inside, a query or a fragment (each URL is the base plus a path, so
    "https://hold.example.com?x" had made "…?x/voice/wait"). A newline at its end had been
    kept, so every signature was checked against a URL Twilio never called: 403 for every
    call, and every TwiML URL broken."""
    raw = env.get("HOLDWELL_PUBLIC_URL") or ""
    url = raw.strip()
    if url and url != raw:
        log.warning("HOLDWELL_PUBLIC_URL had whitespace around it (a copy-paste?); using it "
                    "without that whitespace: %r", url)
    if not url:
        return None
    if not url.startswith(("https://", "http://")):
        raise SettingsError(f"HOLDWELL_PUBLIC_URL must start with https:// (http:// for a "
                            f"local test; got {url!r})")
    base = url.rstrip("/")
    problem = base_url_problem(base)
    if problem:
        raise SettingsError(f"HOLDWELL_PUBLIC_URL {problem} (got {url!r}); give the public "
                            f"base URL Twilio calls, e.g. https://hold.example.com")
    return base


def base_url_problem(base: str) -> str | None:
    """What keeps `base` from being the start of every URL Twilio calls (None: nothing)."""
    parts = urlsplit(base)
    if not parts.netloc:
        return "has no host after the scheme"
    if any(character.isspace() or not character.isprintable() for character in base):
        return "has a blank or control character in it"
    if parts.query or parts.fragment or base.endswith(("?", "#")):
        return ("has a query ('?') or fragment ('#'): it is a base, and each URL is it "
                "plus a path")
    return None


def twin_limit_s(env: Mapping[str, str]) -> float:
    """HOLDWELL_TWIN_LIMIT_S: seconds a console fit or what-if may run before it stops (1-600;
    a web worker held longer than that is a worker lost to every other request)."""
    text = plain_setting(env, "HOLDWELL_TWIN_LIMIT_S", "20")
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 1 <= seconds <= 600:  # also false for nan
        raise SettingsError(f"HOLDWELL_TWIN_LIMIT_S must be a number of seconds from 1 to 600 "
                            f"(got {text!r})")
    return seconds


def twilio_credential(env: Mapping[str, str], name: str) -> str | None:
    """`name` without the whitespace a copy-paste leaves around it (a token with a trailing
    newline would fail every signature: 403 for every call); a warning if it is not Twilio's
    shape. Neither warning shows the value."""
    raw = env.get(name) or ""
    value = raw.strip()
    if value != raw:
        log.warning("%s had whitespace around it (a copy-paste?); using it without that "
                    "whitespace", name)
    pattern, shape = TWILIO_SHAPES[name]
    if value and not pattern.fullmatch(value):
        log.warning("%s is not shaped like Twilio's (%s; this one has %d characters): check it "
                    "is this account's, from the Twilio console, or %s", name, shape, len(value),
                    "every webhook will be refused 403" if name == "TWILIO_AUTH_TOKEN"
                    else "REST calls will be refused")
    return value or None


SHORT_SECRET_MEANS = {
    "HOLDWELL_OPS_TOKEN": "the /ops/callbacks page stays off",
    "HOLDWELL_SECRET_KEY": "console sessions are signed with the key kept in the database",
}


def shared_secret(env: Mapping[str, str], name: str) -> str | None:
    """`name` without surrounding whitespace (as a presented bearer token is read), never
    used when shorter than SECRET_MIN_CHARS (one guessed shows callers' numbers or signs a
    session): an error names it and the app runs as without it. Refusing to start had taken
    the voice routes down with the console at an upgrade (review 35, R9)."""
    value = (env.get(name) or "").strip()
    if value and len(value) < SECRET_MIN_CHARS:
        log.error("%s is shorter than %d characters (%d), so it is not used: %s; make one "
                  "with `python -c 'import secrets; print(secrets.token_hex(32))'`", name,
                  SECRET_MIN_CHARS, len(value), SHORT_SECRET_MEANS[name])
        return None
    return value or None


def load_settings(overrides: Mapping[str, object] | None = None) -> Settings:
    return Settings.from_env(os.environ).with_overrides(overrides)


def path_setting(env: Mapping[str, str], name: str) -> str | None:
    """A file or folder setting without the blanks around it (None: unset or blank), with a
    warning when there were any: a copy-paste's newline had named a journal folder
    "holdwell_journal\n", made beside the real one, whose writes no other process replayed,
    and a config "holdwell.toml\n" that did not exist. A path's own inner blanks stay."""
    raw = env.get(name) or ""
    path = raw.strip()
    if path and path != raw:
        log.warning("%s had blanks around it (a copy-paste?); using %r", name, path)
    return path or None


FALSE_WORDS = {"", "0", "false", "no", "off"}


def switch_on(env: Mapping[str, str], name: str) -> bool:
    """Whether the switch `name` is on (1, true, yes, on; any case, blanks around it
    ignored). A value that is neither on nor off ("ture", "2", "enabled") is left off with
    a warning naming it: it had been off without a word, and with signatures still checked
    a local experiment got 403 for every request, its switch apparently set."""
    value = (env.get(name) or "").strip().lower()
    if value not in TRUE_WORDS | FALSE_WORDS:
        log.warning("%s=%r is neither on (1, true, yes, on) nor off (0, false, no, off), so "
                    "it is taken as off", name, env.get(name))
    return value in TRUE_WORDS


def plain_setting(env: Mapping[str, str], name: str, default: str) -> str:
    """A setting (a number, a URL) as written, without the blanks around it; left empty
    (`NAME=` in an env file, an empty value in a compose file), its default, as every other
    variable left empty is: an empty HOLDWELL_DB_BUDGET_MS had stopped the app ("must be a
    whole number of milliseconds from 50 to 10000 (got '')") where an empty DATABASE_URL
    ran on its default."""
    return (env.get(name) or "").strip() or default


def plain_count(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²", which int() refuses."""
    return text.isascii() and text.isdigit()
