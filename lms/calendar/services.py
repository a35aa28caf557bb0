"""Calendar feeds: tokens, which sessions each feed holds, who sees video links, following."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from lms.auth.models import Role, User, UserRole
from lms.calendar.models import CalendarToken
from lms.cohorts.ical import SessionFacts, facts_query, raw_facts
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


class Subscriber(NamedTuple):
    """The owner of a feed token, as much as the feed needs: polled a lot, it loads no objects."""

    token_id: int
    last_used_at: datetime | None
    user_id: int
    locale: str
    is_staff: bool


@functools.cache
def _owner_of_token() -> sa.Select:
    # Built once, like the feed's own query: building and keying a statement costs more than running it.
    is_staff = sa.exists().where(UserRole.user_id == User.id, UserRole.role.in_((Role.STAFF, Role.ADMIN)))
    return (
        sa.select(CalendarToken.id, CalendarToken.last_used_at, User.id, User.locale, is_staff)
        .join(User, User.id == CalendarToken.user_id)
        .where(
            CalendarToken.token_hash == sa.bindparam("token_hash"),
            User.is_active.is_(True),
            User.erased_at.is_(None),
        )
    )


def find_token(token: str) -> Subscriber | None:
    """The owner of a token of an active user, or None for a bad, replaced or revoked token."""
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    row = db.session.execute(_owner_of_token(), {"token_hash": hash_token(token)}).one_or_none()
    return None if row is None else Subscriber._make(row)


def record_use(subscriber: Subscriber, now: datetime) -> None:
    """Note that a calendar app fetched the feed, so the user can see the link works."""
    if subscriber.last_used_at is None or subscriber.last_used_at < now - USE_RECORDED_EVERY:
        db.session.execute(
            sa.update(CalendarToken).where(CalendarToken.id == subscriber.token_id).values(last_used_at=now)
        )


# Which sessions --------------------------------------------------------------------------


def _since(now: datetime) -> dict[str, datetime]:
    """The parameters of ``_in_feeds`` at ``now``."""
    return {"ended_after": now - HISTORY, "cancelled_after": now - CANCELLED_KEPT}


def _in_feeds():
    """Not older than HISTORY, no drafts, and cancelled ones only for CANCELLED_KEPT (parameters: ``_since``)."""
    ended_after, cancelled_after = sa.bindparam("ended_after"), sa.bindparam("cancelled_after")
    return sa.and_(
        Session.ends_at >= ended_after,
        Cohort.status != CohortStatus.DRAFT,
        sa.or_(
            Session.status != SessionStatus.CANCELLED,
            sa.func.coalesce(Session.cancelled_at, Session.updated_at) >= cancelled_after,
        ),
        sa.or_(
            Cohort.status != CohortStatus.CANCELLED,
            sa.func.coalesce(Cohort.cancelled_at, Cohort.updated_at) >= cancelled_after,
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


def _enrolled_cohorts(user_id, statuses):
    return sa.select(Enrolment.cohort_id).where(Enrolment.user_id == user_id, Enrolment.status.in_(statuses))


def _taught_cohorts(user_id):
    return sa.select(cohort_trainer.c.cohort_id).where(cohort_trainer.c.user_id == user_id)


def _followed_cohorts(user_id):
    return sa.select(cohort_follower.c.cohort_id).where(cohort_follower.c.user_id == user_id)


def _personal(user_id, is_staff: bool):
    """The user's sessions: those of their cohorts (``_personal_sources``)."""
    return Session.cohort_id.in_(sa.union(*_personal_sources(user_id, is_staff))), _in_feeds()


def _regional(region: Region):
    """The public sessions of the region's published cohorts (drafts never)."""
    return Cohort.region_id == region.id, Cohort.status.in_(PUBLIC_COHORT), _in_feeds()


def personal_sessions(user: User, now: datetime) -> list[Session]:
    """The sessions of the user's feed, as objects (the subscribe page lists them)."""
    return list(db.session.execute(_sessions(*_personal(user.id, user.is_staff)), _since(now)).scalars())


class FeedRows(NamedTuple):
    """A feed's rows as the database gave them (``ical.facts_query``)."""

    rows: list[tuple]
    dialect: sa.Dialect

    def facts(self) -> list[tuple[SessionFacts, bool]]:
        """Each row's facts, and whether the reader sees its video link."""
        convert = raw_facts(self.dialect)
        return [convert(row) for row in self.rows]


def _raw(query: sa.Select, parameters: dict) -> FeedRows:
    connection = db.session.connection()
    return FeedRows([tuple(row) for row in connection.execute(query, parameters).all()], connection.dialect)


def _personal_sources(user_id, is_staff: bool) -> list[sa.Select]:
    """The user's cohorts: active enrolments (coach), cohorts taught, cohorts followed (staff)."""
    sources = [sa.select(Enrolment.cohort_id).where(Enrolment.user_id == user_id, in_calendar()),
               _taught_cohorts(user_id)]
    if is_staff:
        sources.append(_followed_cohorts(user_id))
    return sources


@functools.cache
def _personal_feed_queries(is_staff: bool) -> tuple[sa.CompoundSelect, sa.Select]:
    """The ids of a user's cohorts, then the facts of their sessions with whether the user sees
    each video link (staff: all); built once.

    Two statements, because the second names the cohorts: given "the cohorts of this subquery",
    PostgreSQL's estimate prefers reading every cohort of the country to looking up a few dozen
    by their key, and the feed would grow with the country (1 ms more at ten times the data).
    """
    user_id = sa.bindparam("user_id")
    if is_staff:
        sees_video = sa.true()
    else:
        sees_video = Session.cohort_id.in_(sa.union(_enrolled_cohorts(user_id, SEES_VIDEO), _taught_cohorts(user_id)))
    cohort_ids = sa.bindparam("cohort_ids", expanding=True)
    return (sa.union(*_personal_sources(user_id, is_staff)),
            facts_query(Session.cohort_id.in_(cohort_ids), Cohort.id.in_(cohort_ids), _in_feeds(),
                        sees_video=sees_video))


def personal_feed_rows(subscriber: Subscriber, now: datetime) -> FeedRows:
    """The rows of the subscriber's feed, each with whether they see its video link."""
    cohorts, facts = _personal_feed_queries(subscriber.is_staff)
    cohort_ids = sorted(db.session.execute(cohorts, {"user_id": subscriber.user_id}).scalars())
    return _raw(facts, {"user_id": subscriber.user_id, "cohort_ids": cohort_ids, **_since(now)})


def regional_sessions(region: Region, now: datetime) -> list[Session]:
    """The sessions of the region's feed, as objects."""
    return list(db.session.execute(_sessions(*_regional(region)), _since(now)).scalars())


def regional_feed_rows(region: Region, now: datetime) -> FeedRows:
    """The rows of the region's feed (nobody sees video links there)."""
    return _raw(facts_query(*_regional(region)), _since(now))


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
