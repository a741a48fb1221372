"""Writers at the same time never fork a chain, and wait only for writers of the same chain."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

from fascia.accounts import audit
from fascia.accounts.models import AuditChain, AuditEvent, User

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(work: Callable[[], None]) -> threading.Thread:
    """Run `work` in a new thread, on that thread's own database connection."""

    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_writers_at_the_same_time_never_give_two_events_the_same_place():
    staff = User.objects.create_user("audit-writer")
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(10):
                with transaction.atomic():
                    audit.record("test.viewed", staff, clinic=1)
                    audit.record("test.viewed", staff, clinic=2)
        except BaseException as error:
            errors.append(error)

    for thread in [in_thread(write) for _ in range(4)]:
        thread.join()

    assert errors == []
    for chain in (1, 2):
        seqs = list(
            AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, 41))
        assert AuditChain.objects.get(chain=chain).seq == 40
    assert audit.verify().intact


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time: every writer waits, whatever the chain",
)
def test_a_writer_waits_for_the_chains_head_while_writers_to_other_chains_go_on():
    staff = User.objects.create_user("audit-waiter")
    written, release = threading.Event(), threading.Event()
    done: dict[str, AuditEvent] = {}

    def first() -> None:
        with transaction.atomic():
            done["first"] = audit.record("test.viewed", staff, clinic=1)
            written.set()
            release.wait(10)

    def write(name: str, clinic: int) -> Callable[[], None]:
        def work() -> None:
            with transaction.atomic():
                done[name] = audit.record("test.viewed", staff, clinic=clinic)

        return work

    holder = in_thread(first)
    assert written.wait(10)
    same_chain = in_thread(write("same chain", 1))
    other_chain = in_thread(write("other chain", 2))
    other_chain.join(10)
    same_chain.join(1)
    assert "other chain" in done, "a writer to another chain waited"
    assert same_chain.is_alive(), "a writer to the same chain did not wait for its head"

    release.set()
    holder.join(10)
    same_chain.join(10)
    assert done["same chain"].seq == 2
    assert done["same chain"].prev_hash == done["first"].hash
    assert audit.verify().intact
