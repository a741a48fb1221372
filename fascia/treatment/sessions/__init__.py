"""Treatment sessions at the couch: the safety gate, the needling record, the needle counts,
the other components, pain before and after, the aftercare, signing and addenda.

The pathway's session protocol (`session.steps`) is the checklist. Some steps are facts of
the record, never ticked (clinic-policy): consent on file and not withdrawn is read from the
episode's `Consent`; "re-checked since the last session" is today's re-check of the
pathway's red flags, contraindications and precautions, re-triaged by the engine; the
counts in and out, the needling itself and the aftercare are what the session records. The
rest the physiotherapist confirms. Needling can be recorded only once every required step
that comes before it is confirmed, consent is in force, nothing new stops it, and the
physiotherapist holds a dry-needling credential valid on the session's date
(`clinics.credentials`). Signing checks it all again with the engine (`validate_session`)
and locks the session; later corrections are addenda.

Only the physiotherapist recording a draft changes it (clinic-policy); every colleague with
Capability.CLINICAL in the episode's clinic reads it. Every write and read is audited in its
transaction (`records.events` with the names in `treatment.events`).

`rules.py` holds the gate and what signing needs, `queries.py` the reads, `actions.py` the
writes; what other modules use is re-exported here.
"""

from .actions import (
    Needling,
    check_editable,
    session_add_addendum,
    session_add_needling,
    session_confirm_steps,
    session_count_out,
    session_give_aftercare,
    session_recheck,
    session_record_pain,
    session_remove_needling,
    session_set_components,
    session_sign,
    session_start,
)
from .queries import (
    SessionPage,
    SessionRow,
    StartCheck,
    access_session,
    needled_label,
    session_page,
    session_rows,
    start_check,
)
from .rules import (
    NEEDLE_GAUGES_MM,
    NEEDLE_LENGTHS_MM,
    SIDES,
    consent_in_force,
    gate_of,
    recheck_questions,
    sign_problems,
    ticked_steps,
)

__all__ = [
    "NEEDLE_GAUGES_MM",
    "NEEDLE_LENGTHS_MM",
    "SIDES",
    "Needling",
    "SessionPage",
    "SessionRow",
    "StartCheck",
    "access_session",
    "check_editable",
    "consent_in_force",
    "gate_of",
    "needled_label",
    "recheck_questions",
    "session_add_addendum",
    "session_add_needling",
    "session_confirm_steps",
    "session_count_out",
    "session_give_aftercare",
    "session_page",
    "session_recheck",
    "session_record_pain",
    "session_remove_needling",
    "session_rows",
    "session_set_components",
    "session_sign",
    "session_start",
    "sign_problems",
    "start_check",
    "ticked_steps",
]
