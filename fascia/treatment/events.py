"""The audit events of treatment records: the one place their names live.

They are written with `fascia.records.events.record` (a write, inside the change's
transaction) and `fascia.records.events.viewed` (a read), so each names the patient and the
clinic like every other clinical event.
"""

SESSION_STARTED = "treatment_session.started"
SESSION_VIEWED = "treatment_session.viewed"
SESSION_SAFETY_CHECKED = "treatment_session.safety_checked"
SESSION_SAFETY_STOPPED = "treatment_session.safety_stopped"
SESSION_NEEDLING_RECORDED = "treatment_session.needling_recorded"
SESSION_UPDATED = "treatment_session.updated"
SESSION_SIGNED = "treatment_session.signed"
SESSION_ADDENDUM = "treatment_session.addendum_written"
NEEDLE_INCIDENT_RECORDED = "needle_incident.recorded"
ADVERSE_EVENT_RECORDED = "adverse_event.recorded"
ADVERSE_EVENT_CONFIRMED = "adverse_event.confirmed"
ADVERSE_EVENT_DISMISSED = "adverse_event.dismissed"
ADVERSE_EVENT_VIEWED = "adverse_event.viewed"
ADVERSE_EVENT_REGISTER_VIEWED = "adverse_event.register_viewed"
CARE_PLAN_CREATED = "care_plan.created"
CARE_PLAN_UPDATED = "care_plan.updated"
CARE_PLAN_VIEWED = "care_plan.viewed"
PROGRAMME_CREATED = "exercise_programme.created"
PROGRAMME_VIEWED = "exercise_programme.viewed"
PROGRAMME_HANDOUT_MADE = "exercise_programme.handout_made"
PROGRAMME_LINK_CREATED = "exercise_programme.link_created"
PROGRAMME_OPENED_BY_PATIENT = "exercise_programme.opened_by_patient"
EXERCISE_DONE = "exercise_programme.exercise_done"
OUTCOMES_VIEWED = "outcomes.viewed"
EPISODE_DISCHARGED = "episode.discharged"
DISCHARGE_VIEWED = "discharge.viewed"
DISCHARGE_SUMMARY_MADE = "discharge.summary_made"
