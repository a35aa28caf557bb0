"""Fixtures for mail: a cohort with people in every enrolment state, and helpers to read the outbox."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa

from lms.auth.models import Role, User
from lms.cohorts.models import Cohort
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications.models import OutboxMail
from tests.factories import offer_fields


def enrol(cohort: Cohort, user: User, status: EnrolmentStatus = EnrolmentStatus.ENROLLED) -> Enrolment:
    enrolment = Enrolment(cohort=cohort, user=user, programme_id=cohort.programme_id, status=status,
                          **(offer_fields(cohort) if status == EnrolmentStatus.OFFERED else {}))
    if status == EnrolmentStatus.WAITLISTED:
        cohort.waitlist_counter += 1
        enrolment.waitlist_position = cohort.waitlist_counter
    elif status in (EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED):
        cohort.seats_taken += 1
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


def outbox(kind: str | None = None) -> list[OutboxMail]:
    stmt = sa.select(OutboxMail).order_by(OutboxMail.id)
    if kind:
        stmt = stmt.where(OutboxMail.kind == kind)
    return list(db.session.execute(stmt).scalars())


def by_recipient(mails) -> dict[str, OutboxMail]:
    found = {}
    for mail in mails:
        assert mail.recipient not in found, f"two mails to {mail.recipient}"
        found[mail.recipient] = mail
    return found


@dataclass
class Group:
    cohort: Cohort
    enrolled: User  # Dutch
    english: User  # enrolled, reads English
    pending: User
    offered: User
    waitlisted: User
    cancelled: User
    trainer: User
    staff: User


@pytest.fixture
def group(make_user, make_cohort) -> Group:
    """Groep Achterhoek (first session Tuesday 16 March 2027) with a coach in every state and a trainer."""
    trainer = make_user(Role.TRAINER, name="Tim Trainer", email="tim@example.org")
    cohort = make_cohort(first=date(2027, 3, 16), title="Groep Achterhoek", trainers=[trainer])
    people = {
        "enrolled": make_user(Role.COACH, name="Cora Coach", email="cora@example.org"),
        "english": make_user(Role.COACH, name="Emma English", email="emma@example.org", locale="en"),
        "pending": make_user(Role.COACH, name="Piet Pending", email="piet@example.org"),
        "offered": make_user(Role.COACH, name="Olga Offered", email="olga@example.org"),
        "waitlisted": make_user(Role.COACH, name="Wim Wachtlijst", email="wim@example.org"),
        "cancelled": make_user(Role.COACH, name="Carla Cancelled", email="carla@example.org"),
    }
    enrol(cohort, people["enrolled"])
    enrol(cohort, people["english"])
    enrol(cohort, people["pending"], EnrolmentStatus.PENDING)
    enrol(cohort, people["offered"], EnrolmentStatus.OFFERED)
    enrol(cohort, people["waitlisted"], EnrolmentStatus.WAITLISTED)
    enrol(cohort, people["cancelled"], EnrolmentStatus.CANCELLED)
    staff = make_user(Role.STAFF, name="Stella Staf", email="stella@example.org")
    return Group(cohort=cohort, trainer=trainer, staff=staff, **people)


def run_together(app, count: int, work) -> list:
    """Run ``work(index)`` in ``count`` threads at once, each with its own app context and session."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def target(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results[index] = work(index)
            except BaseException as exc:  # noqa: BLE001 - reported to the test below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results
