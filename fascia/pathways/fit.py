"""Does the picture fit the pathway's condition? Judged apart from whether needling is safe.

Screening answers two questions. Triage rules say whether needling is safe (red flags,
contraindications, precautions). `assess_fit` says whether the picture fits the
condition the pathway treats: how many of its defining features are present, and
which findings point to another cause to examine first. `triage` shows both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from fascia.pathways.messages import Message
from fascia.pathways.models import Fit
from fascia.pathways.rules import AnswerValue, holds


class FitStatus(StrEnum):
    FITS = "fits"
    """Enough features are present, every required one among them, and nothing points elsewhere."""
    NOT_YET_KNOWN = "not_yet_known"
    """Some features are not answered yet (for example those only an examination finds)."""
    DOES_NOT_FIT = "does_not_fit"
    """A required feature is absent, too few features can be present, or a finding points
    to another cause."""


@dataclass(frozen=True)
class FitFinding:
    """A finding that points to another cause, with what the clinician should do about it.

    `clinician` is the file's English text, coded by where it is written, such as
    `fit.fit-pain-reaches-foot.clinician` (see `fascia.pathways.messages`).
    """

    id: str
    clinician: Message
    sources: tuple[str, ...]


@dataclass(frozen=True)
class FitAssessment:
    """How well the screening answers fit the pathway's condition, and why.

    `present`, `absent` and `unknown` are the feature question ids, in the pathway's
    order; `needed` is how many must be present for the picture to fit.
    """

    status: FitStatus
    present: tuple[str, ...]
    absent: tuple[str, ...]
    unknown: tuple[str, ...]
    needed: int
    points_elsewhere: tuple[FitFinding, ...]
    sources: tuple[str, ...]

    @property
    def count(self) -> int:
        """How many of the features are present."""
        return len(self.present)

    @property
    def of(self) -> int:
        """How many features there are in all."""
        return len(self.present) + len(self.absent) + len(self.unknown)


def assess_fit(fit: Fit, answers: Mapping[str, AnswerValue]) -> FitAssessment:
    """The fit of these validated answers (only the ones still shown) to the condition."""
    present = tuple(f for f in fit.features if answers.get(f) is True)
    absent = tuple(f for f in fit.features if answers.get(f) is False)
    unknown = tuple(f for f in fit.features if f not in present and f not in absent)
    elsewhere = tuple(
        FitFinding(p.id, Message(f"fit.{p.id}.clinician", {}, p.clinician), p.sources)
        for p in fit.points_elsewhere
        if holds(p.when, answers)
    )
    required_absent = any(f in absent for f in fit.required_features)
    if required_absent or elsewhere or len(present) + len(unknown) < fit.fits_with_at_least:
        status = FitStatus.DOES_NOT_FIT
    elif len(present) >= fit.fits_with_at_least and all(
        f in present for f in fit.required_features
    ):
        status = FitStatus.FITS
    else:
        status = FitStatus.NOT_YET_KNOWN
    return FitAssessment(
        status=status,
        present=present,
        absent=absent,
        unknown=unknown,
        needed=fit.fits_with_at_least,
        points_elsewhere=elsewhere,
        sources=fit.sources,
    )
