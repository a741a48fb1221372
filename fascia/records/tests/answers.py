"""Screening answers shared by the tests of screening: the private link, the public
self-check and the stored decisions."""

from fascia.pathways import REGISTRY, Respondent

PATHWAY = REGISTRY.current("piriformis-dry-needling")

# Everything the patient answers, with nothing to worry about: the screening is suitable.
CLEAR = {
    "age": 34,
    "pregnant": False,
    "buttock_pain": True,
    "worse_sitting": True,
    "tension_pain": True,
    "pain_spread": ["back_of_thigh"],
    "symptom_weeks": 12,
    "treatments_tried": ["stretching", "rest"],
    "treatments_helped": "helped_a_little",
    "sitting_minutes": 20,
    **{
        q.id: False
        for g in PATHWAY.screening
        if g.kind in ("red_flags", "contraindications")
        for q in g.questions
        if q.answered_by is Respondent.PATIENT
    },
    "bleeding_risk": False,
    "health_conditions": ["none_of_these"],
    "needs_interpreter": False,
}
URGENT_TEXT = "Please go to a hospital emergency department now."
