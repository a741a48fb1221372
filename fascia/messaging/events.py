"""The audit events of messages to patients: the one place their names live.

They are written with `fascia.records.events.record` inside the transaction that changes
the message, so each names the patient and the clinic like every other clinical event. A
message refused for want of consent also writes `records.events.CONTACT_REFUSED`.
"""

MESSAGE_SENT = "message.sent"
MESSAGE_ATTEMPT_FAILED = "message.attempt_failed"
MESSAGE_FAILED = "message.failed"
MESSAGE_NOT_SENT = "message.not_sent"
MESSAGE_CANCELLED = "message.cancelled"
MESSAGE_REQUEUED = "message.requeued"
MESSAGE_RESOLVED = "message.resolved"
MESSAGE_VIEWED = "message.viewed"
