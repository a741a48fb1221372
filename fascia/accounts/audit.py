"""Write, read and verify the audit trail: one hash chain of events per clinic.

Events are written inside the transaction of the change they record, so that the change and
its event exist together or not at all; writing one outside a transaction is an error. Each
app names its events in its own `events.py`, one small function per event, built on
`record()`.
"""

import hashlib
import ipaddress
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import GENESIS_HASH, ORGANISATION_CHAIN, AuditChain, AuditEvent

# The fields the hash covers, in the order `verify()` reads them.
HASHED_FIELDS = (
    "chain",
    "seq",
    "prev_hash",
    "at",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "clinic_id",
    "patient_id",
    "ip",
    "detail",
)


class OutsideTransactionError(RuntimeError):
    """An audit event written outside a transaction: it must share the transaction of the
    change it records (`transaction.atomic()`)."""


def target_type(instance: models.Model | type[models.Model]) -> str:
    return instance._meta.label_lower


def record(
    action: str,
    target: models.Model,
    *,
    actor: Any = None,
    detail: Mapping[str, Any] | None = None,
    clinic: models.Model | int | None = None,
    patient: models.Model | int | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event about `target` to the chain of `clinic` (a clinic or its id).

    `actor` is None (or anonymous) for the public website and the system; `patient` is the
    patient (or id) the event concerns, if any; `ip` is the address of the staff member's
    request. `detail` holds text, whole numbers, booleans, lists and mappings.
    """
    return _append(
        action=action,
        target_type=target_type(target),
        target_id=str(target.pk),
        actor=actor,
        detail=detail,
        clinic=clinic,
        patient=patient,
        ip=ip,
    )


def record_for_list(
    action: str,
    model: type[models.Model],
    *,
    actor: Any = None,
    detail: Mapping[str, Any] | None = None,
    clinic: models.Model | int | None = None,
    ip: str | None = None,
    patient: models.Model | int | None = None,
) -> AuditEvent:
    """Append one event about many records of `model` at once, such as an export of a list,
    or about a record named only in `detail` (a refused request).

    The event names no single record (`target_id` is empty); `detail` says which ones.
    """
    return _append(
        action=action,
        target_type=target_type(model),
        target_id="",
        actor=actor,
        detail=detail,
        clinic=clinic,
        patient=patient,
        ip=ip,
    )


def events_for(target: models.Model) -> models.QuerySet[AuditEvent]:
    """The events about one record, oldest first."""
    return AuditEvent.objects.filter(
        target_type=target_type(target), target_id=str(target.pk)
    ).select_related("actor")


def events_for_patient(patient: models.Model | int) -> models.QuerySet[AuditEvent]:
    """Every event that concerns one patient, oldest first: who looked at or changed what."""
    return AuditEvent.objects.filter(patient_id=_id(patient)).select_related("actor")


def request_ip(request: HttpRequest) -> str | None:
    """The address a request came from, trusting X-Forwarded-For only as far as our own
    proxies (FASCIA_PROXY_COUNT); None if there is no valid one."""
    hops = settings.FASCIA_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if hops and len(forwarded) >= hops:
        return _address(forwarded[-hops])
    return _address(request.META.get("REMOTE_ADDR"))


# Writing


def _append(
    *,
    action: str,
    target_type: str,
    target_id: str,
    actor: Any,
    detail: Mapping[str, Any] | None,
    clinic: models.Model | int | None,
    patient: models.Model | int | None,
    ip: str | None,
) -> AuditEvent:
    if not transaction.get_connection().in_atomic_block:
        raise OutsideTransactionError(
            f"The audit event {action!r} was written outside a transaction: write it inside "
            "the transaction of the change it records (transaction.atomic())."
        )
    clinic_id = _id(clinic)
    chain = ORGANISATION_CHAIN if clinic_id is None else clinic_id
    head = _locked_head(chain)
    event = AuditEvent(
        chain=chain,
        seq=head.seq + 1,
        prev_hash=head.hash,
        at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        clinic_id=clinic_id,
        patient_id=_id(patient),
        ip=_address(ip),
        detail=_plain(dict(detail or {})),
    )
    event.hash = content_hash({name: getattr(event, name) for name in HASHED_FIELDS})
    event.save(force_insert=True)
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event


def _locked_head(chain: int) -> AuditChain:
    """The head of `chain`, locked until the transaction ends; made on the chain's first event.

    On PostgreSQL a second writer to the same chain waits here for the first to commit,
    then reads the head the first one left; writers to other chains do not wait. SQLite has
    one writer at a time anyway (transactions begin IMMEDIATE, see settings.py).
    """
    heads = AuditChain.objects.select_for_update()
    head = heads.filter(chain=chain).first()
    if head is None:
        # Two first writers may race: one inserts, the other's insert waits and does nothing.
        AuditChain.objects.bulk_create([AuditChain(chain=chain)], ignore_conflicts=True)
        head = heads.get(chain=chain)
    return head


def _id(value: models.Model | int | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return int(value.pk)


def _address(value: str | None) -> str | None:
    """`value` as one canonical IP address (an IPv4-mapped IPv6 one as IPv4), or None."""
    try:
        address = ipaddress.ip_address((value or "").strip().split("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(address)


def _plain(value: Any) -> Any:
    """`value` as JSON reads it back, the same on SQLite and PostgreSQL, so that its hash can
    be checked later. Floats are refused: PostgreSQL may write them back differently."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("The keys of an audit event's detail must be text.")
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    raise TypeError(
        "An audit event's detail holds text, whole numbers, booleans, lists and mappings, "
        f"not {type(value).__name__}."
    )


# The chain


def canonical_content(values: Mapping[str, Any]) -> bytes:
    """The bytes an event's hash is taken over: its fields (`HASHED_FIELDS`, the previous
    hash among them) as JSON with sorted keys and no spaces; the time in UTC to the
    microsecond and the address in canonical form, whatever the database returned."""
    at: datetime = values["at"]
    content = {
        "chain": int(values["chain"]),
        "seq": int(values["seq"]),
        "prev_hash": values["prev_hash"],
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": values["actor_id"],
        "action": values["action"],
        "target_type": values["target_type"],
        "target_id": values["target_id"],
        "clinic_id": values["clinic_id"],
        "patient_id": values["patient_id"],
        "ip": _address(values["ip"]),
        "detail": values["detail"],
    }
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def content_hash(values: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_content(values)).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first place where one chain is not as it was written."""

    chain: int
    seq: int
    problem: str

    def __str__(self) -> str:
        return self.problem


@dataclass
class Verification:
    events: int = 0
    chains: int = 0
    breaks: list[Break] = field(default_factory=list)
    heads: dict[int, AuditChain] = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify() -> Verification:
    """Check every chain from its first event to its head; report the first break in each.

    An event whose content no longer matches its hash was changed; a gap in the sequence
    numbers is a deleted event; an event whose previous hash is not its predecessor's hash,
    or that lies beyond its chain's head, was inserted by hand (or the event before it was
    changed and given a new hash).
    """
    result = Verification(heads={head.chain: head for head in AuditChain.objects.all()})
    rows = (
        AuditEvent.objects.order_by("chain", "seq")
        .values("id", "hash", *HASHED_FIELDS)
        .iterator(chunk_size=2000)
    )
    seen: set[int] = set()
    for chain, events in itertools.groupby(rows, key=lambda row: row["chain"]):
        seen.add(chain)
        result.chains += 1
        checked, found = _check_chain(chain, events, result.heads.get(chain))
        result.events += checked
        if found:
            result.breaks.append(found)
    for chain, head in sorted(result.heads.items()):
        if chain not in seen and head.seq:
            result.chains += 1
            result.breaks.append(Break(chain, 1, f"the chain is empty: {_missing(1, head.seq)}"))
    return result


def _check_chain(
    chain: int, rows: Iterator[dict[str, Any]], head: AuditChain | None
) -> tuple[int, Break | None]:
    """How many events `chain` holds, and its first break if it has one."""
    checked, found = 0, None
    expected_seq, previous_hash, previous = 1, GENESIS_HASH, "the start of the chain"
    for row in rows:
        checked += 1
        if found is not None:
            continue  # counted, not checked: a chain is reported from its first break
        problem = _problem(row, expected_seq, previous_hash, previous, head)
        if problem:
            found = Break(chain, row["seq"], problem)
        expected_seq, previous_hash, previous = row["seq"] + 1, row["hash"], _name(row)
    if found is None and head is not None and head.seq >= expected_seq:
        found = Break(
            chain,
            expected_seq,
            f"the chain ends at {previous}: {_missing(expected_seq, head.seq)}",
        )
    elif found is None and head is not None and head.hash != previous_hash:
        found = Break(chain, head.seq, f"{previous} is not the event its chain's head names")
    return checked, found


def _problem(
    row: dict[str, Any],
    expected_seq: int,
    previous_hash: str,
    previous: str,
    head: AuditChain | None,
) -> str | None:
    """What is wrong with one event, given the one before it; None if nothing is."""
    name, seq = _name(row), row["seq"]
    if seq < expected_seq:
        return f"{name} repeats a sequence number: inserted by hand"
    if seq > expected_seq:
        return f"{name} follows {previous}: {_missing(expected_seq, seq - 1)}"
    clinic_id = row["clinic_id"]
    if row["chain"] != (ORGANISATION_CHAIN if clinic_id is None else clinic_id):
        return f"{name} names clinic {clinic_id} but is in chain {row['chain']}: inserted by hand"
    if head is None or seq > head.seq:
        ends = "has no head" if head is None else f"ends at seq {head.seq}"
        return f"{name} lies beyond the end of its chain (which {ends}): inserted by hand"
    if row["prev_hash"] != previous_hash:
        return (
            f"{name} does not follow {previous}: inserted out of order, "
            "or the event before it was changed"
        )
    if content_hash(row) != row["hash"]:
        return f"{name} was changed: its content does not match its hash"
    return None


def _name(row: dict[str, Any]) -> str:
    return f"audit event {row['id']} (chain {row['chain']}, seq {row['seq']})"


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"seq {first} is missing (deleted)"
    return f"seq {first} to {last} are missing (deleted)"
