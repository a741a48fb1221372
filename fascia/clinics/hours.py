"""A clinic's week of opening hours as plain values, and the rule that stretches of one day
must not overlap (the form explains it; the action enforces it)."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from .models import DASH, Weekday


@dataclass(frozen=True, order=True)
class Stretch:
    """One stretch of opening time: `weekday` (0 is Monday), from `opens` to `closes`."""

    weekday: int
    opens: datetime.time
    closes: datetime.time

    def __str__(self) -> str:
        return f"{Weekday(self.weekday).label} {self.opens:%H:%M}{DASH}{self.closes:%H:%M}"


def overlaps(stretches: Sequence[Stretch]) -> list[tuple[int, int]]:
    """The positions (earlier, later) in `stretches` of each stretch that starts, on the
    same day, before an earlier one closes: one pair per later stretch. Touching stretches
    (one closes at 13:00, the next opens at 13:00) do not overlap; identical ones do."""
    found = []
    ordered = sorted(range(len(stretches)), key=lambda index: (stretches[index], index))
    for position, later in enumerate(ordered):
        for earlier in ordered[:position]:
            first, second = stretches[earlier], stretches[later]
            if first.weekday == second.weekday and second.opens < first.closes:
                found.append((earlier, later))
                break
    return found
