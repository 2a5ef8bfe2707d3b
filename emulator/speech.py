"""How long Twilio's text-to-speech takes to say a text, by a model independent of the app's.

The app plans its segments with its own words-per-second model (hold_policies.durations); if
the emulator timed <Say> with that same model, every timing mistake in it would cancel out
and never show. This model counts syllables instead (numbers are read out as words, as
<Say> does) and adds the pauses a voice makes at punctuation:

- speaking rate: 3.75 syllables a second. Text-to-speech at its default rate reads about
  150 words a minute (espeak-ng's documented default is 175, `espeak-ng --help`, option -s;
  telephone prompts are read slower), and running English averages about 1.5 syllables a
  word, so 150 / 60 * 1.5 = 3.75.
- a pause of 0.4 s after each sentence (. ! ?) and 0.2 s after each , ; : inside one.

Syllables are counted by vowel groups with the usual English corrections (a silent final e,
a final consonant + le). It is a rough count, and deliberately a different one.
"""

from __future__ import annotations

import re
from functools import lru_cache

SYLLABLES_PER_S = 3.75
SENTENCE_PAUSE_S = 0.4
CLAUSE_PAUSE_S = 0.2

_TOKEN = re.compile(r"\d+|[A-Za-z']+|[.!?]+|[,;:]")
_VOWELS = re.compile(r"[aeiouy]+")
_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def syllables(word: str) -> int:
    """Syllables in one English word (at least one)."""
    word = word.lower().replace("'", "")
    count = len(_VOWELS.findall(word))
    silent_e = word.endswith("e") and not word.endswith(("ee", "ye")) and not (
        word.endswith("le") and len(word) > 2 and word[-3] not in "aeiouy")  # "able"
    if silent_e and count > 1:
        count -= 1  # "line", "minute", "are"
    return max(count, 1)


def number_words(n: int) -> list[str]:
    """How <Say> reads a whole number ("1234" -> one thousand two hundred thirty four)."""
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + (number_words(n % 10) if n % 10 else [])
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand"),
                       (100, "hundred")):
        if n >= size:
            rest = number_words(n % size) if n % size else []
            return number_words(n // size) + [name] + rest
    raise AssertionError("unreachable")


@lru_cache(maxsize=4096)
def speech_seconds(text: str) -> float:
    """Seconds a text-to-speech voice needs to say `text` (memoised: prompts repeat)."""
    total_syllables, pauses = 0, 0.0
    for token in _TOKEN.findall(text):
        if token[0].isdigit():
            total_syllables += sum(syllables(w) for w in number_words(int(token[:12])))
        elif token[0] in ".!?":
            pauses += SENTENCE_PAUSE_S
        elif token in ",;:":
            pauses += CLAUSE_PAUSE_S
        else:
            total_syllables += syllables(token)
    if text.rstrip()[-1:] in (".", "!", "?"):
        pauses -= SENTENCE_PAUSE_S  # the call goes on at once after the last sentence
    return total_syllables / SYLLABLES_PER_S + max(pauses, 0.0)
