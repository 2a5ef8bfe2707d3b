"""A warning the callbacks worker would repeat every round, said once and then seldom.

Why: with REST credentials Twilio refuses (a rotated auth token, a suspended account), every
round of `holdwell callbacks` (15 s) met the same refusal and logged it again: 240 identical
lines an hour, in which an operator loses the one that says when it began. Now the first is
said at once, repeats are held back for `repeat_after_s` and then said with how many were
held back, so the log says it began and that it goes on; once the request works again (the
caller `clear`s it), the next refusal is said at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

REPEAT_AFTER_S = 600.0
"""How long the same warning is held back after it was said: ten minutes, 40 rounds."""


@dataclass
class SeldomWarnings:
    """Per process (one worker, one log). A warning is known by its `scope` (what was being
    done, on which database) and its `kind` (e.g. the HTTP status): another scope's or a new
    kind's first warning is never held back."""

    repeat_after_s: float = REPEAT_AFTER_S
    _said: dict[tuple[str, str], tuple[datetime, int]] = field(default_factory=dict)

    def warning(self, logger: logging.Logger, scope: str, kind: str, now: datetime,
                message: str, *args: object) -> bool:
        """Log `message % args` unless the same scope and kind was said less than
        `repeat_after_s` ago (by `now`, the worker's clock); True if it was said."""
        key = (scope, kind)
        said = self._said.get(key)
        if said is not None and (now - said[0]).total_seconds() < self.repeat_after_s:
            self._said[key] = (said[0], said[1] + 1)
            return False
        held = said[1] if said is not None else 0
        if held:
            message += f" (held back {held} more time{'s' if held != 1 else ''} since " \
                       f"{said[0].isoformat(timespec='seconds')})"
        logger.warning(message, *args)
        self._said[key] = (now, 0)
        return True

    def clear(self, scope: str, logger: logging.Logger | None = None) -> None:
        """What `scope` does works again: its next warning is said at once. Warnings held
        back since the last said are told to `logger` (how many, since when), so the log
        says how long the trouble lasted and that it ended."""
        for key in [key for key in self._said if key[0] == scope]:
            since, held = self._said.pop(key)
            if held and logger is not None:
                logger.warning("%s works again (%d more failure%s held back since %s)",
                               scope, held, "s" if held != 1 else "",
                               since.isoformat(timespec="seconds"))


def kind_of(error: BaseException) -> str:
    """A failure's kind for `SeldomWarnings`: an HTTP status where there is one, else the
    exception's type (a timeout and a refused connection are told apart)."""
    status = getattr(error, "status", None)
    return f"HTTP {status}" if isinstance(status, int) else type(error).__name__
