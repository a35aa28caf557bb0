"""Interest: a coach asks to hear when a group of a programme opens in their region."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.cohorts.models import Cohort, CohortStatus
from lms.domain import cohort_opened
from lms.enrolment.models import Interest, VisitorInterest
from lms.enrolment.notices import mail_to
from lms.enrolment.services import EnrolmentError
from lms.enrolment.visitor_interest import mail_visitor
from lms.extensions import db
from lms.programmes.models import Programme
from lms.regions.models import Region
from lms.urls import external_url


def register_interest(user: User, programme: Programme, now: datetime) -> Interest:
    if user.region_id is None:
        raise EnrolmentError(_("Choose your region in your profile first."))
    existing = db.session.execute(
        sa.select(Interest).where(Interest.user_id == user.id, Interest.programme_id == programme.id,
                                  Interest.region_id == user.region_id)
    ).scalar_one_or_none()
    if existing is not None:
        existing.notified_at = None
        return existing
    interest = Interest(user_id=user.id, programme_id=programme.id, region_id=user.region_id, created_at=now)
    db.session.add(interest)
    return interest


def withdraw_interest(user: User, programme: Programme) -> None:
    db.session.execute(sa.delete(Interest).where(Interest.user_id == user.id, Interest.programme_id == programme.id))


def interest_counts() -> list[tuple[Region, Programme, int]]:
    rows = db.session.execute(
        sa.select(Interest.region_id, Interest.programme_id, sa.func.count())
        .where(Interest.notified_at.is_(None))
        .group_by(Interest.region_id, Interest.programme_id)
    ).all()
    regions = {r.id: r for r in db.session.execute(sa.select(Region)).scalars()}
    programmes = {p.id: p for p in db.session.execute(sa.select(Programme)).scalars()}
    return sorted(((regions[r], programmes[p], n) for r, p, n in rows), key=lambda t: (t[0].name, t[1].title))


def visitor_interest_counts() -> list[tuple[Region, Programme | None, int]]:
    """Confirmed visitors' wishes no opened cohort has answered yet, per region and programme (None: any)."""
    rows = db.session.execute(
        sa.select(VisitorInterest.region_id, VisitorInterest.programme_id, sa.func.count())
        .where(VisitorInterest.notified_at.is_(None), VisitorInterest.confirmed_at.is_not(None))
        .group_by(VisitorInterest.region_id, VisitorInterest.programme_id)
    ).all()
    regions = {r.id: r for r in db.session.execute(sa.select(Region)).scalars()}
    programmes = {p.id: p for p in db.session.execute(sa.select(Programme)).scalars()}
    return sorted(((regions[r], programmes.get(p), n) for r, p, n in rows),
                  key=lambda t: (t[0].name, t[1].title if t[1] else ""))


def waiting_interest() -> int:
    """How many wishes no opened cohort has answered yet."""
    return db.session.execute(
        sa.select(sa.func.count(Interest.id)).where(Interest.notified_at.is_(None))
    ).scalar_one()


def open_for_enrolment(now: datetime):
    """SQL: cohorts a coach can enrol in at ``now`` (published, the window open, not begun)."""
    return sa.and_(
        Cohort.status == CohortStatus.OPEN,
        sa.or_(Cohort.enrol_opens_at.is_(None), Cohort.enrol_opens_at <= now),
        sa.or_(Cohort.enrol_closes_at.is_(None), Cohort.enrol_closes_at > now),
        Cohort.starts_at > now,
    )


def _tell(interest: Interest, cohort: Cohort, now: datetime) -> bool:
    """One mail per wish, even when two processes tell at once (a conditional UPDATE)."""
    told = db.session.execute(
        sa.update(Interest).where(Interest.id == interest.id, Interest.notified_at.is_(None))
        .values(notified_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1
    if told:
        db.session.expire(interest, ["notified_at"])
        mail_to(interest.user, kind="interest_cohort_open", template="interest_cohort_open", now=now,
                context={"cohort": cohort, "opened_at": cohort.enrol_opens_at or now,
                         "first_session_at": cohort.first_session_at,
                         "url": external_url("catalogue.cohort", cohort_id=cohort.id)})
    return told


def notify_interest(cohort: Cohort, now: datetime) -> int:
    """Tell the coaches who asked for a group of this cohort's programme in its region; returns how many."""
    interests = db.session.execute(
        sa.select(Interest).where(Interest.programme_id == cohort.programme_id, Interest.region_id == cohort.region_id,
                                  Interest.notified_at.is_(None)).options(joinedload(Interest.user))
    ).scalars().all()
    return sum(_tell(interest, cohort, now) for interest in interests)


def notify_opened_cohorts(now: datetime, cohort: Cohort | None = None) -> int:
    """Tell waiting wishes about cohorts whose enrolment has opened by ``now`` (the earliest one each)."""
    stmt = (
        sa.select(Interest, Cohort)
        .join(Cohort, sa.and_(Cohort.programme_id == Interest.programme_id, Cohort.region_id == Interest.region_id))
        .where(Interest.notified_at.is_(None), open_for_enrolment(now))
        .options(joinedload(Interest.user))
        .order_by(Interest.id, Cohort.starts_at, Cohort.id)
    )
    return _tell_each(stmt, cohort, _tell, now) + notify_visitors(now, cohort)


def _tell_each(stmt, cohort: Cohort | None, tell, now: datetime) -> int:
    """Tell every wish among ``stmt``'s (wish, cohort) rows once, of its first cohort (in ``cohort`` if given)."""
    if cohort is not None:
        stmt = stmt.where(Cohort.id == cohort.id)
    seen: set[int] = set()
    told = 0
    for wish, opened in db.session.execute(stmt).all():
        if wish.id not in seen:
            seen.add(wish.id)
            told += tell(wish, opened, now)
    return told


def _tell_visitor(interest: VisitorInterest, cohort: Cohort, now: datetime) -> bool:
    told = db.session.execute(
        sa.update(VisitorInterest).where(VisitorInterest.id == interest.id, VisitorInterest.notified_at.is_(None),
                                         VisitorInterest.confirmed_at.is_not(None))
        .values(notified_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1
    if told:
        db.session.expire(interest, ["notified_at"])
        mail_visitor(interest, kind="interest_cohort_open", template="interest_cohort_open", now=now,
                     context={"user": None, "cohort": cohort, "opened_at": cohort.enrol_opens_at or now,
                              "first_session_at": cohort.first_session_at,
                              "url": external_url("catalogue.cohort", cohort_id=cohort.id)})
    return told


def notify_visitors(now: datetime, cohort: Cohort | None = None, *, interest: VisitorInterest | None = None) -> int:
    """Tell confirmed visitors' wishes about the earliest cohort open in their region (and programme)."""
    stmt = (
        sa.select(VisitorInterest, Cohort)
        .join(Cohort, sa.and_(Cohort.region_id == VisitorInterest.region_id,
                              sa.or_(VisitorInterest.programme_id.is_(None),
                                     Cohort.programme_id == VisitorInterest.programme_id)))
        .where(VisitorInterest.notified_at.is_(None), VisitorInterest.confirmed_at.is_not(None),
               open_for_enrolment(now))
        .order_by(VisitorInterest.id, Cohort.starts_at, Cohort.id)
    )
    if interest is not None:
        stmt = stmt.where(VisitorInterest.id == interest.id)
    return _tell_each(stmt, cohort, _tell_visitor, now)


@cohort_opened.connect
def _cohort_opened(_sender, *, cohort: Cohort, now: datetime, **_kwargs) -> None:
    """Published: tell them now if enrolment is open now; else the scheduler does once it opens."""
    notify_opened_cohorts(now, cohort)


def interested_programmes(user: User) -> set[int]:
    return set(db.session.execute(
        sa.select(Interest.programme_id).where(Interest.user_id == user.id, Interest.notified_at.is_(None))
    ).scalars())


def programmes_without_open_cohort(region_id: int | None) -> list[Programme]:
    """Active programmes with no open cohort in this region: a coach may register interest."""
    if region_id is None:
        return []
    open_here = sa.select(Cohort.programme_id).where(Cohort.region_id == region_id,
                                                     Cohort.status == CohortStatus.OPEN)
    return list(db.session.execute(
        sa.select(Programme).where(Programme.archived_at.is_(None), Programme.id.not_in(open_here))
        .order_by(Programme.title)
    ).scalars())
