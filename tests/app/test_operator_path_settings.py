"""HOLDWELL_CONFIG, HOLDWELL_JOURNAL_DIR and HOLDWELL_AUDIO_DIR are read without the blanks
around them, with a warning: a copy-paste's newline had named a journal folder
"holdwell_journal\\n", made beside the real one, and a config file that did not exist."""

from __future__ import annotations

import logging

from app.settings import Settings


def test_blanks_around_a_path_are_dropped_with_a_warning(caplog):
    caplog.set_level(logging.WARNING)
    settings = Settings.from_env({"HOLDWELL_CONFIG": "/etc/holdwell.toml\n",
                                  "HOLDWELL_JOURNAL_DIR": " /var/lib/holdwell/journal",
                                  "HOLDWELL_AUDIO_DIR": "audio files\t"})
    assert settings.config_path == "/etc/holdwell.toml"
    assert settings.journal_dir == "/var/lib/holdwell/journal"
    assert settings.audio_dir == "audio files"  # its own blank stays
    warned = {r.getMessage().split()[0] for r in caplog.records if r.levelno >= logging.WARNING}
    assert warned == {"HOLDWELL_CONFIG", "HOLDWELL_JOURNAL_DIR", "HOLDWELL_AUDIO_DIR"}


def test_a_blank_path_is_its_default():
    settings = Settings.from_env({"HOLDWELL_CONFIG": " ", "HOLDWELL_JOURNAL_DIR": "\n",
                                  "HOLDWELL_AUDIO_DIR": ""})
    assert (settings.config_path, settings.journal_dir, settings.audio_dir) == (
        None, "holdwell_journal", "audio_files")
