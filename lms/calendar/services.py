"""Calendar feeds: tokens, which sessions each feed holds, who sees video links, following."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from lms.auth.models import Role, User
from lms.calendar.models import CalendarToken
from lms.cohorts.ical import SessionFacts, facts_query
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionStatus, cohort_follower, cohort_trainer
from lms.enrolment.models import SEES_VIDEO, Enrolment, EnrolmentStatus, in_calendar
from lms.extensions import db
from lms.regions.models import Region

# Feeds reach this far back, and keep a cancelled session (as cancelled) this long.
HISTORY = timedelta(days=90)
CANCELLED_KEPT = timedelta(days=30)
# A used token's last_used_at is written at most this often (feeds are polled a lot).
USE_RECORDED_EVERY = timedelta(hours=1)

# Cohorts whose sessions anyone may see (the regional feed and single sessions); drafts are private.
PUBLIC_COHORT = (CohortStatus.OPEN, CohortStatus.CLOSED, CohortStatus.COMPLETED, CohortStatus.CANCELLED)

# secrets.token_urlsafe(32) gives 43 characters; anything unlike a token skips the database.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43,128}")


# Tokens ----------------------------------------------------------------------------------


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(user: User) -> CalendarToken | None:
    return db.session.execute(
        sa.select(CalendarToken).where(CalendarToken.user_id == user.id)
    ).scalar_one_or_none()


def issue_token(user: User, now: datetime) -> str:
    """Create the user's feed token, or replace it (the old one stops working at once).

    Returns the token itself; only its hash is kept, so it can be shown this once.
    """
    token = new_token()
    row = token_of(user)
    if row is None:
        db.session.add(CalendarToken(user_id=user.id, token_hash=hash_token(token), created_at=now))
    else:
        row.token_hash = hash_token(token)
        row.created_at = now
        row.last_used_at = None
    return token


def revoke_token(user: User) -> bool:
    """Remove the user's feed token; True when there was one."""
    row = token_of(user)
    if row is None:
        return False
    db.session.delete(row)
    return True


def find_token(token: str) -> CalendarToken | None:
    """The token row of an active user, or None for a bad, replaced or revoked token."""
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    return db.session.execute(
        sa.select(CalendarToken)
        .join(CalendarToken.user)
        # The owner with their roles in the same query (the feed asks whether they are staff).
        .options(contains_eager(CalendarToken.user).joinedload(User.role_grants),
                 contains_eager(CalendarToken.user).lazyload(User.coordinated_regions))
        .where(
            CalendarToken.token_hash == hash_token(token),
            User.is_active.is_(True),
            User.erased_at.is_(None),
        )
    ).unique().scalar_one_or_none()


def record_use(row: CalendarToken, now: datetime) -> None:
    """Note that a calendar app fetched the feed, so the user can see the link works."""
    if row.last_used_at is None or row.last_used_at < now - USE_RECORDED_EVERY:
        row.last_used_at = now


# Which sessions --------------------------------------------------------------------------


def _in_feeds(now: datetime):
    """Not older than HISTORY, no drafts, and cancelled ones only for CANCELLED_KEPT."""
    since = now - CANCELLED_KEPT
    return sa.and_(
        Session.ends_at >= now - HISTORY,
        Cohort.status != CohortStatus.DRAFT,
        sa.or_(
            Session.status != SessionStatus.CANCELLED,
            sa.func.coalesce(Session.cancelled_at, Session.updated_at) >= since,
        ),
        sa.or_(
            Cohort.status != CohortStatus.CANCELLED,
            sa.func.coalesce(Cohort.cancelled_at, Cohort.updated_at) >= since,
        ),
    )


def _sessions(*criteria):
    return (
        sa.select(Session)
        .join(Session.cohort)
        .options(contains_eager(Session.cohort).joinedload(Cohort.programme))
        .where(*criteria)
        .order_by(Session.starts_at, Session.id)
    )


def _enrolled_cohorts(user: User, statuses):
    return sa.select(Enrolment.cohort_id).where(Enrolment.user_id == user.id, Enrolment.status.in_(statuses))


def _taught_cohorts(user: User):
    return sa.select(cohort_trainer.c.cohort_id).where(cohort_trainer.c.user_id == user.id)


def _followed_cohorts(user: User):
    return sa.select(cohort_follower.c.cohort_id).where(cohort_follower.c.user_id == user.id)


def _personal(user: User, now: datetime):
    """The user's sessions: active enrolments (coach), cohorts taught, cohorts followed (staff)."""
    sources = [sa.select(Enrolment.cohort_id).where(Enrolment.user_id == user.id, in_calendar()),
               _taught_cohorts(user)]
    if user.is_staff:
        sources.append(_followed_cohorts(user))
    return Session.cohort_id.in_(sa.union(*sources)), _in_feeds(now)


def _regional(region: Region, now: datetime):
    """The public sessions of the region's published cohorts (drafts never)."""
    return Cohort.region_id == region.id, Cohort.status.in_(PUBLIC_COHORT), _in_feeds(now)


def _facts(criteria) -> list[SessionFacts]:
    # Through the connection: plain rows, none of the ORM's loading machinery.
    return [SessionFacts._make(row) for row in db.session.connection().execute(facts_query(*criteria)).all()]


def personal_sessions(user: User, now: datetime) -> list[Session]:
    """The sessions of the user's feed, as objects (the subscribe page lists them)."""
    return list(db.session.execute(_sessions(*_personal(user, now))).scalars())


def personal_feed(user: User, now: datetime) -> list[SessionFacts]:
    """The same sessions as rows of what their events show: the feed loads no objects."""
    return _facts(_personal(user, now))


def video_cohort_ids(user: User) -> set[int] | None:
    """Cohorts whose video links this user may see; None means all (staff)."""
    if not user.is_authenticated:
        return set()
    if user.is_staff:
        return None
    stmt = sa.union(_enrolled_cohorts(user, SEES_VIDEO), _taught_cohorts(user))
    return set(db.session.execute(stmt).scalars())


def regional_sessions(region: Region, now: datetime) -> list[Session]:
    """The sessions of the region's feed, as objects."""
    return list(db.session.execute(_sessions(*_regional(region, now))).scalars())


def regional_feed(region: Region, now: datetime) -> list[SessionFacts]:
    """The region's sessions as rows of what their events show."""
    return _facts(_regional(region, now))


def region_by_slug(slug: str) -> Region | None:
    return db.session.execute(sa.select(Region).where(Region.slug == slug)).scalar_one_or_none()


def get_session(session_id: int) -> Session | None:
    return db.session.execute(
        sa.select(Session)
        .where(Session.id == session_id)
        .options(
            joinedload(Session.cohort).joinedload(Cohort.programme),
            joinedload(Session.cohort).selectinload(Cohort.trainers),
        )
    ).scalar_one_or_none()


def _is_enrolled(user: User, cohort: Cohort, statuses) -> bool:
    return db.session.execute(
        sa.select(Enrolment.id).where(
            Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id, Enrolment.status.in_(statuses)
        )
    ).first() is not None


def may_see_video(user, session: Session) -> bool:
    """An enrolled coach, a trainer of the cohort, or staff."""
    if not user.is_authenticated:
        return False
    if user.is_staff or any(t.id == user.id for t in session.cohort.trainers):
        return True
    return _is_enrolled(user, session.cohort, SEES_VIDEO)


def may_see_session(user, session: Session) -> bool:
    """Published cohorts for everyone; drafts for staff, its trainers and its region's coordinators."""
    cohort = session.cohort
    if cohort.status in PUBLIC_COHORT:
        return True
    if not user.is_authenticated:
        return False
    if user.is_staff or any(t.id == user.id for t in cohort.trainers):
        return True
    if user.has_role(Role.COORDINATOR) and cohort.region_id in user.coordinated_region_ids:
        return True
    return _is_enrolled(user, cohort, tuple(EnrolmentStatus))


# Following (staff) -----------------------------------------------------------------------


def is_following(user: User, cohort: Cohort) -> bool:
    return db.session.execute(
        sa.select(cohort_follower.c.cohort_id).where(
            cohort_follower.c.cohort_id == cohort.id, cohort_follower.c.user_id == user.id
        )
    ).first() is not None


def toggle_follow(actor: User, cohort: Cohort) -> bool:
    """Follow the cohort in the actor's feed, or stop; returns whether they follow it now."""
    if is_following(actor, cohort):
        db.session.execute(
            sa.delete(cohort_follower).where(
                cohort_follower.c.cohort_id == cohort.id, cohort_follower.c.user_id == actor.id
            )
        )
        following = False
    else:
        db.session.execute(sa.insert(cohort_follower).values(cohort_id=cohort.id, user_id=actor.id))
        following = True
    db.session.expire(cohort, ["followers"])
    return following


def followed_cohorts(user: User) -> list[Cohort]:
    return list(
        db.session.execute(
            sa.select(Cohort)
            .join(cohort_follower, cohort_follower.c.cohort_id == Cohort.id)
            .where(cohort_follower.c.user_id == user.id)
            .options(joinedload(Cohort.region), joinedload(Cohort.programme))
            .order_by(Cohort.starts_at, Cohort.id)
        ).scalars()
    )


def all_regions() -> list[Region]:
    return list(db.session.execute(sa.select(Region).order_by(Region.name)).scalars())
