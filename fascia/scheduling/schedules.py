"""Practitioners' schedules (weekly working hours with breaks, leave) and appointment types.

Who may see and change them (`fascia.clinics.permissions`): in a clinic, managers
(Capability.STAFF there) and administrators see and change every practitioner's schedule;
the front desk (appointments without clinical content) sees them all, to book; a
physiotherapist sees their own. Anyone else gets 404. Appointment types belong to the
organisation: managers and administrators change them. Every change is an audit event in
the clinic's chain (the organisation's for types), in the transaction of the change.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from fascia.accounts import audit
from fascia.accounts.models import User
from fascia.clinics.models import Clinic, Membership
from fascia.clinics.permissions import Capability, active_staff, can, clinic_ids_for

from . import events
from .models import AppointmentKind, AppointmentType, Leave, WorkingHours
from .slots import PRACTITIONER_ROLES

PIRIFORMIS = "piriformis-dry-needling"


@dataclass(frozen=True)
class Hours:
    """One stretch of a working week as entered: weekday (0 is Monday), start and end, and
    an optional break inside it."""

    weekday: int
    starts: dt.time
    ends: dt.time
    break_starts: dt.time | None = None
    break_ends: dt.time | None = None


def schedule_clinics(user: object) -> QuerySet[Clinic]:
    """The clinics whose schedules `user` may open: where they book appointments or manage
    staff."""
    ids = clinic_ids_for(user, Capability.APPOINTMENTS) | clinic_ids_for(user, Capability.STAFF)
    return Clinic.objects.filter(pk__in=ids, active=True)


def may_edit(user: object, clinic: Clinic) -> bool:
    return can(user, Capability.STAFF, clinic)


def sees_everyone(user: object, clinic: Clinic) -> bool:
    """Managers and administrators (to change them), and the front desk (to book), see every
    practitioner's schedule in the clinic; a physiotherapist sees their own."""
    return may_edit(user, clinic) or (
        can(user, Capability.APPOINTMENTS, clinic) and not can(user, Capability.CLINICAL, clinic)
    )


def practitioners_in(clinic: Clinic) -> list[User]:
    """The active staff who may see patients in `clinic`, by name (one query)."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            clinic=clinic, role__in=PRACTITIONER_ROLES, user__is_active=True
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name")
    ]


def visible_practitioners(user: object, clinic: Clinic) -> list[User]:
    everyone = practitioners_in(clinic)
    if sees_everyone(user, clinic):
        return everyone
    staff = active_staff(user)
    return [person for person in everyone if staff is not None and person.pk == staff.pk]


def access_schedule(user: object, clinic_id: int, practitioner_id: int) -> tuple[Clinic, User]:
    """The clinic and the practitioner whose schedule `user` may see there; 404 otherwise."""
    clinic = schedule_clinics(user).filter(pk=clinic_id).first()
    if clinic is None:
        raise Http404
    person = next((p for p in visible_practitioners(user, clinic) if p.pk == practitioner_id), None)
    if person is None:
        raise Http404
    return clinic, person


def hours_of(practitioner: User, clinic: Clinic) -> list[WorkingHours]:
    return list(WorkingHours.objects.filter(practitioner=practitioner, clinic=clinic))


def leave_of(practitioner: User, clinic: Clinic, *, since: dt.date) -> list[Leave]:
    """The practitioner's leave in `clinic` (or everywhere) that has not ended by `since`."""
    return list(
        Leave.objects.filter(
            Q(clinic=clinic) | Q(clinic__isnull=True),
            practitioner=practitioner,
            last_day__gte=since,
        ).order_by("first_day")
    )


def working_hours_set(
    *, practitioner: User, clinic: Clinic, week: list[Hours], by: User, ip: str | None
) -> bool:
    """Replace the practitioner's week in `clinic`; False (and no event) if unchanged."""
    with transaction.atomic():
        current = {
            Hours(row.weekday, row.starts, row.ends, row.break_starts, row.break_ends)
            for row in WorkingHours.objects.select_for_update().filter(
                practitioner=practitioner, clinic=clinic
            )
        }
        if current == set(week) and len(current) == len(week):
            return False
        WorkingHours.objects.filter(practitioner=practitioner, clinic=clinic).delete()
        WorkingHours.objects.bulk_create(
            WorkingHours(
                practitioner=practitioner,
                clinic=clinic,
                weekday=hours.weekday,
                starts=hours.starts,
                ends=hours.ends,
                break_starts=hours.break_starts,
                break_ends=hours.break_ends,
            )
            for hours in week
        )
        audit.record(
            events.WORKING_HOURS_CHANGED,
            practitioner,
            actor=by,
            clinic=clinic,
            ip=ip,
            detail={"stretches": len(week)},
        )
    return True


def leave_add(
    *,
    practitioner: User,
    clinic: Clinic | None,
    first_day: dt.date,
    last_day: dt.date,
    reason: str,
    by: User,
    ip: str | None,
    audit_clinic: Clinic,
) -> Leave:
    """Record leave in `clinic`, or in every clinic when it is None."""
    with transaction.atomic():
        leave = Leave.objects.create(
            practitioner=practitioner,
            clinic=clinic,
            first_day=first_day,
            last_day=last_day,
            reason=reason,
            created_by=by,
        )
        audit.record(
            events.LEAVE_ADDED,
            leave,
            actor=by,
            clinic=audit_clinic,
            ip=ip,
            detail={
                "practitioner": practitioner.pk,
                "first_day": first_day.isoformat(),
                "last_day": last_day.isoformat(),
                "every_clinic": clinic is None,
            },
        )
    return leave


def leave_remove(*, leave: Leave, by: User, ip: str | None, audit_clinic: Clinic) -> None:
    with transaction.atomic():
        audit.record(
            events.LEAVE_REMOVED,
            leave,
            actor=by,
            clinic=audit_clinic,
            ip=ip,
            detail={
                "practitioner": leave.practitioner_id,
                "first_day": leave.first_day.isoformat(),
                "last_day": leave.last_day.isoformat(),
            },
        )
        leave.delete()


# Appointment types.


def may_manage_types(user: object) -> bool:
    return bool(clinic_ids_for(user, Capability.STAFF))


def access_type(user: object, type_id: int) -> AppointmentType:
    if not may_manage_types(user):
        raise Http404
    found = AppointmentType.objects.filter(pk=type_id).first()
    if found is None:
        raise Http404
    return found


def appointment_type_save(
    appointment_type: AppointmentType, *, changed: list[str], by: User, ip: str | None
) -> AppointmentType:
    """Save a new or changed type; the event names the fields that changed."""
    with transaction.atomic():
        created = appointment_type.pk is None
        appointment_type.save()
        audit.record(
            events.APPOINTMENT_TYPE_CHANGED,
            appointment_type,
            actor=by,
            ip=ip,
            detail={"created": created, "fields": sorted(changed)},
        )
    return appointment_type


# The types the pathway starts with (`manage.py setup`).
STARTING_TYPES = (
    {
        "name": "Initial assessment",
        "kind": AppointmentKind.ASSESSMENT,
        "minutes": 45,
        "needs_dry_needling_credential": False,
        "bookable_by_patients": True,
    },
    {
        "name": "Dry-needling treatment session",
        "kind": AppointmentKind.TREATMENT,
        "minutes": 30,
        "needs_dry_needling_credential": True,
        "bookable_by_patients": False,
    },
)


def seed_appointment_types() -> int:
    """Create the pathway's starting appointment types that are missing; returns how many.
    Types already there are left as staff changed them."""
    created = 0
    for values in STARTING_TYPES:
        _type, new = AppointmentType.objects.get_or_create(
            pathway_id=PIRIFORMIS,
            name=values["name"],
            defaults={key: value for key, value in values.items() if key != "name"},
        )
        created += new
    return created
