from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fascia.pathways import DEFINITIONS_DIR, Pathway, QuestionType, load_pathway

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PIRIFORMIS_FILE = DEFINITIONS_DIR / "piriformis-dry-needling.yaml"
NECK_FILE = FIXTURES / "upper-trapezius-neck.yaml"

PIRIFORMIS = load_pathway(PIRIFORMIS_FILE)
NECK = load_pathway(NECK_FILE)


def clean_answers(pathway: Pathway = PIRIFORMIS) -> dict[str, Any]:
    """A complete piriformis screening with nothing to worry about: triage says suitable."""
    answers: dict[str, Any] = {
        q.id: False for q in pathway.screening_questions if q.type is QuestionType.YES_NO
    }
    answers.update(
        age=40,
        buttock_pain=True,
        worse_sitting=True,
        notch_tenderness=True,
        tension_pain=True,
        pain_spread=["back_of_thigh"],
        symptom_weeks=8,
        treatments_tried=["stretching", "rest"],
        treatments_helped="no_change",
        sitting_minutes=20,
        health_conditions=["none_of_these"],
    )
    return answers


@pytest.fixture
def piriformis() -> Pathway:
    return PIRIFORMIS


@pytest.fixture
def neck() -> Pathway:
    return NECK
