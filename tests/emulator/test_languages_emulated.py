"""A callback queue in Spanish, Portuguese, Italian, French, German or Dutch, emulated: its
virtual callers hear the keys in the queue's own language and take callbacks as an English
queue's do.

The virtual callers had understood English only; on a queue with `language = "es-ES"` (whose
defaults are Spanish: hold_policies/languages.toml) they heard no key offered, no position
and no wait, so none took a callback, and a callback policy was misjudged there.
"""

from __future__ import annotations

import numpy as np
import pytest

from emulator.ears import ears_of
from emulator.run import emulate
from hold_policies.config import parse_config
from simulator.behaviour import Reactions
from simulator.scenario import Callbacks, simple_scenario


def run(url: str, tag: str):
    config = parse_config({"queues": {"support": {"language": tag, "callback": {
        "offer_after_estimate_s": 0, "offer_without_estimate_after_s": 0}}}})
    scenario = simple_scenario(calls=30, agents=1, arrivals_per_min=3.0, service_mean_min=2.0,
                               patience_mean_min=20.0, reactions=Reactions(),
                               callbacks=Callbacks(answer_p=1.0, retries=1,
                                                   retry_spacing_s=120.0))
    return emulate(scenario, "callback", np.random.default_rng(5), database_url=url,
                   config=config, record=True)


@pytest.mark.parametrize("tag", ["es-ES", "es-MX", "pt-BR", "it-IT", "fr-FR", "de-DE", "nl-NL"])
def test_callbacks_are_booked_in_the_queues_language_as_in_english(sqlite_url, tag):
    english, theirs = run(sqlite_url, "en-US"), run(sqlite_url, tag)
    assert english.errors == [] and theirs.errors == []
    booked = english.summary["callbacks_requested"]
    assert booked >= 10  # the scenario's callers take callbacks
    # the same seed; the words' lengths differ, so the draws fall a little differently
    assert abs(theirs.summary["callbacks_requested"] - booked) <= max(3, booked // 5)
    assert theirs.summary["callbacks_connected"] == theirs.summary["callbacks_requested"]


def test_a_latin_american_caller_understands_oprima_and_still_spains_pulse():
    """es-MX's defaults say "oprima" (hold_policies/languages.toml [es-419]); an operator's
    own Castilian "pulse 2", understood before es-MX had words of its own, still is."""
    mexican = ears_of("es-MX")
    said = "Si puede esperar, oprima 1. O bien, oprima 2. Para un mensaje, pulse 3."
    assert mexican.keys(said) == ["1", "2", "3"]
    assert ears_of("es-ES").keys(said) == ["3"]  # Spain's caller: its own word only
