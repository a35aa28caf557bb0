"""Every state change of an enrolment (see the diagram in lms/enrolment/services.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.auth.models import Role
from lms.cohorts.models import CohortStatus
from lms.enrolment.interest import notify_interest, register_interest
from lms.enrolment.models import Enrolment, EnrolmentStatus, Interest
from lms.enrolment.queries import roster, roster_csv, waitlist_rank
from lms.enrolment.services import (
    EnrolmentError,
    NeedsOverbooking,
    accept_offer,
    add_coach,
    approve,
    cancel_by_coach,
    cancel_by_staff,
    decline_offer,
    enrol,
    move,
    reject,
)
from lms.enrolment.waitlist import expire_offers, process_waitlists, remind_expiring_offers
from lms.extensions import db
from lms.notifications.models import OutboxMail

S = EnrolmentStatus


def kinds() -> list[str]:
    return [m.kind for m in db.session.query(OutboxMail).order_by(OutboxMail.id)]


def fresh(obj):
    db.session.refresh(obj)
    return obj


def test_enrol_takes_a_seat_then_waitlists_in_order(open_cohort, coaches, now):
    results = [enrol(c, open_cohort, now).enrolment for c in coaches[:4]]
    db.session.commit()
    assert [e.status for e in results] == [S.ENROLLED, S.ENROLLED, S.WAITLISTED, S.WAITLISTED]
    assert [e.waitlist_position for e in results[2:]] == [1, 2]
    assert [waitlist_rank(e) for e in results[2:]] == [1, 2]
    assert fresh(open_cohort).seats_taken == 2
    assert kinds() == ["enrolment_enrolled"] * 2 + ["enrolment_waitlisted"] * 2


def test_enrol_needs_approval_holds_the_seat(open_cohort, coaches, now):
    open_cohort.programme.requires_approval = True
    enrolment = enrol(coaches[0], open_cohort, now).enrolment
    assert enrolment.status == S.PENDING
    assert fresh(open_cohort).seats_taken == 1
    approve(coaches[5], enrolment, now)
    assert fresh(enrolment).status == S.ENROLLED and enrolment.decided_by_id == coaches[5].id
    assert kinds() == ["enrolment_pending", "enrolment_approved"]


def test_reject_frees_the_seat_for_the_next_in_line(open_cohort, coaches, now):
    open_cohort.programme.requires_approval = True
    first, second, third = (enrol(c, open_cohort, now).enrolment for c in coaches[:3])
    assert third.status == S.WAITLISTED
    reject(coaches[5], first, "Geen welzijnscoach", now)
    assert fresh(first).status == S.REJECTED
    assert fresh(third).status == S.OFFERED
    assert fresh(open_cohort).seats_taken == 2
    with pytest.raises(EnrolmentError):
        approve(coaches[5], first, now)


def test_only_coaches_enrol_and_only_in_the_window(open_cohort, make_user, coaches, now):
    with pytest.raises(EnrolmentError):
        enrol(make_user(Role.TRAINER), open_cohort, now)
    with pytest.raises(EnrolmentError, match="opent"):
        enrol(coaches[0], open_cohort, open_cohort.enrol_opens_at - timedelta(days=1))
    with pytest.raises(EnrolmentError, match="gesloten"):
        enrol(coaches[0], open_cohort, open_cohort.starts_at + timedelta(minutes=1))
    open_cohort.status = CohortStatus.DRAFT
    with pytest.raises(EnrolmentError):
        enrol(coaches[0], open_cohort, now)


def test_one_active_enrolment_per_programme(open_cohort, make_cohort, coaches, now):
    other = make_cohort(open_cohort.programme, title="Andere groep")
    enrol(coaches[0], open_cohort, now)
    with pytest.raises(EnrolmentError, match="andere groep"):
        enrol(coaches[0], other, now)
    with pytest.raises(EnrolmentError, match="al ingeschreven"):
        enrol(coaches[0], open_cohort, now)


def test_the_database_refuses_a_second_active_enrolment_per_programme(open_cohort, make_cohort, coaches):
    import sqlalchemy as sa

    other = make_cohort(open_cohort.programme, title="Andere groep")
    for cohort in (open_cohort, other):
        db.session.add(Enrolment(cohort=cohort, user=coaches[0], programme_id=cohort.programme_id, status=S.ENROLLED))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_overlap_is_warned(open_cohort, make_cohort, make_programme, coaches, now):
    clash = make_cohort(make_programme(title="Andere opleiding"), title="Tegelijk")
    enrol(coaches[0], clash, now)
    result = enrol(coaches[0], open_cohort, now)
    assert {s.cohort_id for s in result.overlaps} == {clash.id}


def test_cancel_until_the_deadline_then_not(open_cohort, coaches, now):
    enrolment = enrol(coaches[0], open_cohort, now).enrolment
    late = open_cohort.starts_at - timedelta(days=3)  # deadline is 7 days before
    with pytest.raises(EnrolmentError, match="annuleringstermijn"):
        cancel_by_coach(coaches[0], enrolment, late)
    with pytest.raises(EnrolmentError):
        cancel_by_coach(coaches[1], enrolment, now)  # not theirs
    cancel_by_coach(coaches[0], enrolment, now)
    assert fresh(enrolment).status == S.CANCELLED
    assert fresh(open_cohort).seats_taken == 0


def test_staff_cancel_any_time_with_reason(open_cohort, coaches, now):
    enrolment = enrol(coaches[0], open_cohort, now).enrolment
    cancel_by_staff(coaches[5], enrolment, "Dubbel ingeschreven", open_cohort.starts_at + timedelta(days=1))
    assert fresh(enrolment).status == S.CANCELLED and enrolment.cancel_reason == "Dubbel ingeschreven"


def test_freed_seat_is_offered_and_accepted(open_cohort, coaches, now):
    a, b, c, d = (enrol(x, open_cohort, now).enrolment for x in coaches[:4])
    cancel_by_coach(coaches[0], a, now)
    assert fresh(c).status == S.OFFERED
    assert c.offer_expires_at == now + timedelta(hours=48)
    assert fresh(d).status == S.WAITLISTED and waitlist_rank(d) == 1
    accept_offer(coaches[2], c, now + timedelta(hours=1))
    assert fresh(c).status == S.ENROLLED
    assert fresh(open_cohort).seats_taken == 2
    assert "enrolment_offered" in kinds()


def test_declined_offer_passes_to_the_next(open_cohort, coaches, now):
    a, b, c, d = (enrol(x, open_cohort, now).enrolment for x in coaches[:4])
    cancel_by_coach(coaches[0], a, now)
    decline_offer(coaches[2], fresh(c), now)
    assert fresh(c).status == S.CANCELLED
    assert fresh(d).status == S.OFFERED


def test_expired_offer_passes_on_and_is_idempotent(open_cohort, coaches, now):
    a, b, c, d = (enrol(x, open_cohort, now).enrolment for x in coaches[:4])
    cancel_by_coach(coaches[0], a, now)
    later = now + timedelta(hours=49)
    with pytest.raises(EnrolmentError):
        accept_offer(coaches[2], fresh(c), later)
    assert fresh(c).status == S.CANCELLED and c.cancel_reason == "Aanbod verlopen"
    assert fresh(d).status == S.OFFERED
    assert expire_offers(later) == 0  # nothing left to expire
    assert fresh(open_cohort).seats_taken == 2


def test_offer_never_runs_past_the_first_session(open_cohort, coaches, now):
    open_cohort.programme.offer_hours = 24 * 365
    a, _b, c = (enrol(x, open_cohort, now).enrolment for x in coaches[:3])
    cancel_by_coach(coaches[0], a, now)
    assert fresh(c).offer_expires_at == open_cohort.starts_at


def test_leave_the_waitlist(open_cohort, coaches, now):
    *_, c = (enrol(x, open_cohort, now).enrolment for x in coaches[:3])
    cancel_by_coach(coaches[2], c, open_cohort.starts_at - timedelta(days=1))  # always possible
    assert fresh(c).status == S.CANCELLED


def test_process_waitlists_offers_free_seats_and_reminds_once(open_cohort, coaches, now):
    a, b, c = (enrol(x, open_cohort, now).enrolment for x in coaches[:3])
    open_cohort.capacity = 3  # a seat appears without anyone cancelling
    db.session.commit()
    assert process_waitlists(now)["offered"] == 1
    assert fresh(c).status == S.OFFERED
    almost = c.offer_expires_at - timedelta(hours=6)
    assert remind_expiring_offers(almost) == 1
    assert remind_expiring_offers(almost) == 0
    assert kinds().count("enrolment_offer_reminder") == 1


def test_re_enrol_after_cancelling(open_cohort, coaches, now):
    enrolment = enrol(coaches[0], open_cohort, now).enrolment
    cancel_by_coach(coaches[0], enrolment, now)
    again = enrol(coaches[0], open_cohort, now).enrolment
    assert again.id == enrolment.id and again.status == S.ENROLLED


def test_staff_add_beyond_capacity_only_when_confirmed(open_cohort, coaches, now):
    for coach in coaches[:2]:
        enrol(coach, open_cohort, now)
    db.session.commit()
    with pytest.raises(NeedsOverbooking):
        add_coach(coaches[5], open_cohort, coaches[2], now)
    db.session.rollback()
    enrolment = add_coach(coaches[5], open_cohort, coaches[2], now, overbook=True)
    assert enrolment.status == S.ENROLLED and enrolment.is_overbooked
    assert fresh(open_cohort).seats_taken == 3


def test_move_to_another_cohort_of_the_programme(open_cohort, make_cohort, coaches, now):
    target = make_cohort(open_cohort.programme, title="Doelgroep", capacity=5)
    a, b, c = (enrol(x, open_cohort, now).enrolment for x in coaches[:3])
    move(coaches[5], a, target, now)
    assert fresh(a).cohort_id == target.id and a.status == S.ENROLLED
    assert fresh(target).seats_taken == 1
    assert fresh(c).status == S.OFFERED  # the freed seat went to the first in line
    other_programme = make_cohort(title="Andere opleiding")
    with pytest.raises(EnrolmentError):
        move(coaches[5], fresh(b), other_programme, now)


def test_roster_and_csv(open_cohort, coaches, now):
    coaches[0].organisation = None
    for coach in coaches[:3]:
        enrol(coach, open_cohort, now)
    db.session.commit()
    groups = roster(open_cohort)
    assert len(groups[S.ENROLLED]) == 2 and len(groups[S.WAITLISTED]) == 1
    text = roster_csv(open_cohort)
    assert text.startswith("\ufeff")
    assert "Coach 2" in text and "Op de wachtlijst" in text


def test_interest_is_told_when_a_cohort_opens(make_cohort, coaches, region, now):
    cohort = make_cohort(status=CohortStatus.DRAFT)
    coaches[0].region = region
    register_interest(coaches[0], cohort.programme, now)
    db.session.commit()
    assert notify_interest(cohort, now) == 1
    assert db.session.query(Interest).one().notified_at == now
    assert notify_interest(cohort, now) == 0
    assert kinds() == ["interest_cohort_open"]
