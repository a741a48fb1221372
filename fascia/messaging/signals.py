"""What the apps above messaging hear about their messages, without messaging knowing them.

`message_finished` is sent inside the transaction that records a message's outcome (sent,
failed for good, or not sent), with `message=` the `Message`; a follow-up, say, listens to
show that its link went out or never did.
"""

from django.dispatch import Signal

message_finished = Signal()
