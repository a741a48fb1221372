"""Write and read the audit trail. Callers write inside the transaction of the change."""

from collections.abc import Mapping
from typing import Any

from django.db import models

from .models import AuditEvent


def target_type(instance: models.Model) -> str:
    return instance._meta.label_lower


def record(
    action: str,
    target: models.Model,
    *,
    actor=None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event about `target`; `actor` is None for the public website and the system."""
    return AuditEvent.objects.create(
        action=action,
        target_type=target_type(target),
        target_id=str(target.pk),
        actor=actor if actor is not None and actor.is_authenticated else None,
        detail=dict(detail or {}),
    )


def events_for(target: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        target_type=target_type(target), target_id=str(target.pk)
    ).select_related("actor")


def record_for_list(
    action: str,
    model: type[models.Model],
    *,
    actor=None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event about many records of `model` at once, such as an export of a list.

    The event names no single record (`target_id` is empty); `detail` says which ones.
    """
    return AuditEvent.objects.create(
        action=action,
        target_type=model._meta.label_lower,
        target_id="",
        actor=actor if actor is not None and actor.is_authenticated else None,
        detail=dict(detail or {}),
    )
