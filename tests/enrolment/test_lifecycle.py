"""The enrolment lifecycle, driven at random through the real services: every invariant after every step.

A Hypothesis state machine enrols, re-enrols, cancels, approves, rejects, offers, accepts,
declines, lets offers expire, moves, removes, adds coaches as staff, cancels cohorts, and
completes and withdraws completions, on a small world whose frozen clock moves forward.
After every step both the checker of ``flask lms check`` (lms/enrolment/invariants.py) and
the test's own count straight from the rows must find nothing wrong. The fast profile runs
a few sequences; ``make test`` runs HEAVY_EXAMPLES (30) sequences of 30 steps, on SQLite and
on PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy.orm import selectinload

from lms.auth.models import Role, User
from lms.cohorts import services as cohorts
from lms.cohorts.models import Cohort, CohortStatus
from lms.domain import DomainError
from lms.enrolment import completion, services
from lms.enrolment.invariants import violations
from lms.enrolment.models import ACTIVE, Enrolment, EnrolmentStatus
from lms.enrolment.waitlist import expire_offers, process_waitlists
from lms.extensions import db
from tests.conftest import HEAVY_EXAMPLES, NOW, empty_tables

S = EnrolmentStatus
PICK = st.integers(min_value=0, max_value=29)  # one of the enrolments that can take the step
COHORTS = 5
COACHES = 8
COACH = st.integers(min_value=0, max_value=COACHES - 1)
COHORT = st.integers(min_value=0, max_value=COHORTS - 1)
OVERBOOK = st.sampled_from([False, False, False, True])  # staff confirm beyond capacity now and then


def _pick(rows: list, pick: int):
    return rows[pick % len(rows)] if rows else None


def when_some(*statuses):
    """Only a step that has an enrolment to act on (so no step of a sequence is wasted)."""
    return precondition(lambda machine: any(machine.seen[s] for s in statuses))


@pytest.mark.heavy
def test_every_invariant_holds_after_every_step(app, clock, make_region, make_user, make_programme, make_cohort):
    app.config["MAIL_DELIVER_AFTER_REQUEST"] = False

    class Lifecycle(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            clock.set(NOW)
            region = make_region()  # every sequence has a world of its own, emptied after it
            opens = NOW - timedelta(days=10)
            basis = make_programme(title="Basis")
            approval = make_programme(title="Met goedkeuring", requires_approval=True, offer_hours=24)
            soon = (NOW + timedelta(days=4)).date()  # begins while the clock moves on
            cohorts = [  # small, so that lines form
                make_cohort(basis, region=region, capacity=1, enrol_opens_at=opens, title="Basis A"),
                make_cohort(basis, region=region, capacity=2, enrol_opens_at=opens, first=date(2027, 4, 13),
                            title="Basis B"),
                make_cohort(approval, region=region, capacity=1, enrol_opens_at=opens, status=CohortStatus.CLOSED,
                            title="Goedkeuring B (closed)"),
                make_cohort(basis, region=region, capacity=1, enrol_opens_at=opens, first=soon, title="Basis C (soon)"),
                make_cohort(approval, region=region, capacity=1, enrol_opens_at=opens, title="Goedkeuring A"),
            ]
            self.cohort_ids = [c.id for c in cohorts]
            self.coach_ids = [make_user(Role.COACH, name=f"Coach {i}", region=region).id for i in range(COACHES)]
            self.staff_id = make_user(Role.STAFF, name="Staf", region=region).id
            self.seen: Counter = Counter()
            self.cancelled = False

        def teardown(self):
            db.session.rollback()
            db.session.remove()
            empty_tables()
            clock.set(NOW)

        # The world as committed ---------------------------------------------------------

        def coach(self, pick: int) -> User:
            return db.session.get(User, self.coach_ids[pick % COACHES])

        @property
        def staff(self) -> User:
            return db.session.get(User, self.staff_id)

        def cohort(self, pick: int) -> Cohort:
            return db.session.get(Cohort, self.cohort_ids[pick])

        def enrolments(self, *statuses) -> list[Enrolment]:
            stmt = sa.select(Enrolment).order_by(Enrolment.id)
            if statuses:
                stmt = stmt.where(Enrolment.status.in_(statuses))
            return list(db.session.execute(stmt).scalars())

        def attempt(self, action) -> None:
            """Run one service call as a request would: kept when done, rolled back when refused."""
            now = clock.now()
            try:
                action(now)
            except (DomainError, services.NeedsOverbooking):
                db.session.rollback()
            else:
                db.session.commit()
            db.session.expire_all()
            self.seen = Counter(db.session.execute(sa.select(Enrolment.status)).scalars())

        # Coaches ------------------------------------------------------------------------

        @rule(coach=COACH, cohort=COHORT)
        def enrol(self, coach, cohort):
            """In one of the cohorts open for enrolment (a full one puts the coach in line)."""
            open_ = [c for c in map(self.cohort, range(COHORTS)) if c.is_open]
            user, target = self.coach(coach), _pick(open_, cohort)
            if target is not None:
                self.attempt(lambda now: services.enrol(user, target, now))

        @rule(pick=PICK)
        @when_some(S.CANCELLED, S.REJECTED)
        def re_enrol(self, pick):
            ended = _pick(self.enrolments(S.CANCELLED, S.REJECTED), pick)
            if ended is not None:
                user, target = ended.user, ended.cohort
                self.attempt(lambda now: services.enrol(user, target, now))

        @rule(pick=PICK)
        @when_some(*ACTIVE)
        def cancel(self, pick):
            enrolment = _pick(self.enrolments(*ACTIVE), pick)
            if enrolment is not None:
                self.attempt(lambda now: services.cancel_by_coach(enrolment.user, enrolment, now))

        @rule(pick=PICK)
        @when_some(S.OFFERED)
        def accept(self, pick):
            enrolment = _pick(self.enrolments(S.OFFERED), pick)
            if enrolment is not None:
                self.attempt(lambda now: services.accept_offer(enrolment.user, enrolment, now))

        @rule(pick=PICK)
        @when_some(S.OFFERED)
        def decline(self, pick):
            enrolment = _pick(self.enrolments(S.OFFERED), pick)
            if enrolment is not None:
                self.attempt(lambda now: services.decline_offer(enrolment.user, enrolment, now))

        # Staff --------------------------------------------------------------------------

        @rule(pick=PICK)
        @when_some(S.PENDING)
        def approve(self, pick):
            enrolment = _pick(self.enrolments(S.PENDING), pick)
            if enrolment is not None:
                self.attempt(lambda now: services.approve(self.staff, enrolment, now))

        @rule(pick=PICK)
        @when_some(S.PENDING)
        def reject(self, pick):
            enrolment = _pick(self.enrolments(S.PENDING), pick)
            if enrolment is not None:
                self.attempt(lambda now: services.reject(self.staff, enrolment, "Past niet", now))

        @rule(pick=PICK)
        @when_some(*ACTIVE, S.COMPLETED)
        def remove(self, pick):
            enrolment = _pick(self.enrolments(*ACTIVE, S.COMPLETED), pick)
            if enrolment is not None:
                self.attempt(lambda now: services.cancel_by_staff(self.staff, enrolment, "Verwijderd", now))

        @rule(coach=COACH, cohort=COHORT, overbook=OVERBOOK)
        def staff_add(self, coach, cohort, overbook):
            user, target = self.coach(coach), self.cohort(cohort)
            self.attempt(lambda now: services.add_coach(self.staff, target, user, now, overbook=overbook))

        @rule(pick=PICK, cohort=COHORT, overbook=OVERBOOK)
        @when_some(*ACTIVE)
        def move(self, pick, cohort, overbook):
            enrolment = _pick(self.enrolments(*ACTIVE), pick)
            target = self.cohort(cohort)
            if enrolment is not None:
                self.attempt(lambda now: services.move(self.staff, enrolment, target, now, overbook=overbook))

        @rule(pick=PICK, by=st.integers(min_value=-1, max_value=2))
        @when_some(S.WAITLISTED)
        def offer(self, pick, by):
            """A seat appears (or one goes) in a cohort with a line; the scheduler's round offers it."""
            waiting = _pick(self.enrolments(S.WAITLISTED), pick)
            waiting.cohort.capacity = max(1, waiting.cohort.capacity + by)
            db.session.commit()
            self.attempt(process_waitlists)

        @rule(cohort=COHORT)
        @precondition(lambda machine: not machine.cancelled and sum(machine.seen.values()) >= 4)
        def cancel_cohort(self, cohort):
            """Once a sequence at most: a cancelled cohort takes nobody any more."""
            target = self.cohort(cohort)
            self.attempt(lambda now: cohorts.cancel_cohort(self.staff, target, "Te weinig aanmeldingen", now,
                                                          confirmed=True))
            self.cancelled = db.session.get(Cohort, target.id).is_cancelled

        # Time and completion ------------------------------------------------------------

        @rule(hours=st.integers(min_value=1, max_value=24))
        @when_some(*ACTIVE)
        def time_passes(self, hours):
            clock.advance(timedelta(hours=hours))
            self.attempt(lambda now: expire_offers(now))

        @rule()
        @when_some(S.OFFERED)
        def an_offer_expires(self):
            deadline = min(e.offer_expires_at for e in self.enrolments(S.OFFERED))
            clock.set(max(clock.now(), deadline + timedelta(minutes=1)))
            self.attempt(process_waitlists)

        @rule(pick=PICK)
        @when_some(S.ENROLLED)
        def complete(self, pick):
            enrolment = _pick(self.enrolments(S.ENROLLED), pick)
            if enrolment is not None:
                self.attempt(lambda now: completion.complete(enrolment, now))

        @rule(pick=PICK)
        @when_some(S.COMPLETED)
        def withdraw_completion(self, pick):
            enrolment = _pick(self.enrolments(S.COMPLETED), pick)
            if enrolment is None:
                return
            # As the completion rule does: not while the coach is on the way in another cohort.
            other = [e for e in self.enrolments(*ACTIVE)
                     if e.user_id == enrolment.user_id and e.programme_id == enrolment.programme_id]
            if not other:
                self.attempt(lambda now: completion.reopen(enrolment, now))

        # After every step ---------------------------------------------------------------

        @invariant()
        def the_checker_finds_nothing(self):
            assert [str(v) for v in violations(clock.now())] == []

        @invariant()
        def counted_from_the_rows(self):
            now = clock.now()
            rows = self.enrolments()
            cohorts = db.session.execute(
                sa.select(Cohort).where(Cohort.id.in_(self.cohort_ids)).options(selectinload(Cohort.sessions))
            ).scalars().all()
            for cohort in cohorts:
                mine = [e for e in rows if e.cohort_id == cohort.id]
                assert cohort.seats_taken == sum(e.holds_seat for e in mine), cohort.title
                places = sorted(e.waitlist_position for e in mine if e.is_waitlisted)
                assert places == list(range(1, len(places) + 1)), cohort.title
                assert cohort.waitlist_counter == len(places), cohort.title
                if cohort.is_cancelled:
                    assert cohort.seats_taken == 0 and not any(e.is_active for e in mine)
                first = cohort.first_session_at
                if first is not None and now < first:
                    assert not any(e.is_completed and e.holds_seat for e in mine), \
                        "a completion before the cohort began gives the seat back"
            active = Counter((e.user_id, e.programme_id) for e in rows if e.is_active)
            assert all(n == 1 for n in active.values())
            for e in rows:
                assert (e.waitlist_position is not None) == e.is_waitlisted
                assert (e.offer_expires_at is not None) == e.is_offered
                assert e.seat_released_at is None or e.is_completed

    Lifecycle.TestCase.settings = settings(max_examples=HEAVY_EXAMPLES, stateful_step_count=30)
    run_state_machine_as_test(Lifecycle, settings=Lifecycle.TestCase.settings)
