"""The audit events of appointments and schedules: the one place their names live.

An appointment concerns a patient (or, before they are registered, an enquiry), so its
events are written like clinical ones, naming the patient and the clinic.
"""

APPOINTMENT_BOOKED = "appointment.booked"
APPOINTMENT_REQUESTED = "appointment.requested_by_patient"
APPOINTMENT_REQUEST_CONFIRMED = "appointment.request_confirmed"
APPOINTMENT_REQUEST_DECLINED = "appointment.request_declined"
APPOINTMENT_STATUS_CHANGED = "appointment.status_changed"
APPOINTMENT_CANCELLED = "appointment.cancelled"
APPOINTMENT_CONFIRMED_BY_PATIENT = "appointment.confirmed_by_patient"
APPOINTMENT_CANCELLED_BY_PATIENT = "appointment.cancelled_by_patient"
APPOINTMENT_SESSION_LINKED = "appointment.session_linked"
WORKING_HOURS_CHANGED = "schedule.working_hours_changed"
LEAVE_ADDED = "schedule.leave_added"
LEAVE_REMOVED = "schedule.leave_removed"
APPOINTMENT_TYPE_CHANGED = "appointment_type.changed"
CALENDAR_FEED_CREATED = "calendar_feed.created"
CALENDAR_FEED_REVOKED = "calendar_feed.revoked"
