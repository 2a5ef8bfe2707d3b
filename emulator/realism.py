"""How unkind the emulated Twilio is: callback order, answering-machine results and call SIDs.

Real Twilio does not promise the order of two webhooks it fires as a call ends ("there is no
guarantee they will arrive in the same order", Call resource doc), and answering-machine
detection on a callback leg answers human, machine_start, fax or unknown. The emulator draws
both from a seeded stream, so a run is reproducible and a test can force either case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

AMD_RESULTS = ("human", "machine_start", "fax", "unknown")
"""What machineDetection="Enable" reports (answering-machine-detection doc)."""


def _human_only() -> dict[str, float]:
    return {"human": 1.0}


@dataclass(frozen=True)
class Realism:
    """`status_first_p`: chance that a call's status callback beats its Enqueue action when
    both fire as the caller's leg ends (0 forces action first, 1 status first).
    `answered_by`: the mix of AnsweredBy on callback legs with machineDetection. It defaults
    to people only, because the fast engine has no machine model and the two engines must
    agree; pass a mix to exercise voicemail, fax and unknown."""

    status_first_p: float = 0.5
    answered_by: Mapping[str, float] = field(default_factory=_human_only)

    def __post_init__(self) -> None:
        if not 0.0 <= self.status_first_p <= 1.0:
            raise ValueError(f"status_first_p: must be in [0, 1] (got {self.status_first_p})")
        unknown = set(self.answered_by) - set(AMD_RESULTS)
        if unknown:
            raise ValueError(f"answered_by: {sorted(unknown)} are not AnsweredBy values "
                             f"(one of {', '.join(AMD_RESULTS)})")
        total = sum(self.answered_by.values())
        if any(p < 0 for p in self.answered_by.values()) or abs(total - 1.0) > 1e-9:
            raise ValueError(f"answered_by: probabilities must be >= 0 and sum to 1 (got {total})")

    def pick_answered_by(self, draw: Callable[[], float]) -> str:
        """One AnsweredBy from the mix."""
        u, cumulative = draw(), 0.0
        for result, p in self.answered_by.items():
            cumulative += p
            if u < cumulative:
                return result
        return next(reversed(self.answered_by))


class Sids:
    """Call SIDs in Twilio's shape, "CA" + 32 lowercase hex, unique within a run.

    Callers get `CA<tag><index>` (so a run's calls share the prefix `CA<tag>`); a person's
    later calls (ringing back, or again) `CA<tag>e<n>`, under the prefix too (a call the app
    does not join to an earlier one is a call of the run); agents' calls and callback legs
    get another 8-hex tag, so they never fall under that prefix.
    """

    def __init__(self, tag: str) -> None:
        if len(tag) > 8 or any(ch not in "0123456789abcdef" for ch in tag):
            raise ValueError(f"tag must be at most 8 lowercase hex digits (got {tag!r})")
        self.tag = tag
        self.other = f"{0xFFFFFFFF - int(tag or '0', 16):08x}"
        self.legs = 0
        self.later = 0

    def caller(self, index: int) -> str:
        return f"CA{self.tag}{index + 1:0{32 - len(self.tag)}d}"

    def again(self) -> str:
        """A person's next call: never a first call's SID (those are all decimal digits)."""
        self.later += 1
        return f"CA{self.tag}e{self.later:0{31 - len(self.tag)}d}"

    def agent(self, index: int) -> str:
        return f"CA{self.other}a{index:023d}"

    def leg(self) -> str:
        self.legs += 1
        return f"CA{self.other}b{self.legs:023d}"
