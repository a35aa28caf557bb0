"""Cohorts and their sessions: opening, scheduling, rescheduling and cancelling.

Every change a participant's calendar must notice (time, place, link, status) raises the
session's ``sequence`` and is kept as a SessionChange with the values before and after,
so change notices can say what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload, with_expression

from lms.audit.labels import register as register_audit
from lms.audit.services import record, snapshot
from lms.auth.models import Role, User, UserRole
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionChange, SessionStatus
from lms.enrolment.models import ACTIVE, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.i18n import local_to_utc, to_local
from lms.notifications.notices import notify_cohort_cancelled, notify_session_change
from lms.programmes.models import Programme, SessionKind
from lms.regions.models import Municipality, Region

register_audit(
    actions={
        "cohort.create": (_l("Cohort created"),),
        "cohort.update": (_l("Cohort changed"),),
        "cohort.status": (_l("Cohort status changed"),),
        "cohort.cancel": (_l("Cohort cancelled"),),
        "session.create": (_l("Session added"),),
        "session.update": (_l("Session changed"),),
        "session.cancel": (_l("Session cancelled"),),
        "session.restore": (_l("Session restored"),),
        "session.delete": (_l("Session removed"),),
    },
    objects={"cohort": _l("Cohort"), "session": _l("Session")},
    fields={
        "starts_at": _l("Start"),
        "ends_at": _l("End"),
        "address": _l("Address"),
        "room": _l("Room"),
        "video_url": _l("Video link"),
        "capacity": _l("Capacity"),
        "enrol_opens_at": _l("Enrolment opens"),
        "enrol_closes_at": _l("Enrolment closes"),
        "trainers": _l("Trainers"),
        "enrolments_cancelled": _l("Enrolments cancelled"),
    },
)

COHORT_FIELDS = ["title", "description", "region_id", "municipality_id", "capacity", "enrol_opens_at",
                 "enrol_closes_at", "status"]
SESSION_FIELDS = ["kind", "title", "starts_at", "ends_at", "address", "room", "video_url", "net_hours",
                  "is_required", "status"]
# Fields whose change a calendar client and a participant must notice.
NOTICEABLE = {"starts_at", "ends_at", "address", "room", "video_url", "status", "kind"}

TRANSITIONS = {
    CohortStatus.DRAFT: {CohortStatus.OPEN, CohortStatus.CANCELLED},
    CohortStatus.OPEN: {CohortStatus.CLOSED, CohortStatus.DRAFT, CohortStatus.CANCELLED},
    CohortStatus.CLOSED: {CohortStatus.OPEN, CohortStatus.COMPLETED, CohortStatus.CANCELLED},
    CohortStatus.COMPLETED: {CohortStatus.CLOSED},
    CohortStatus.CANCELLED: set(),
}


class CohortError(Exception):
    """A rule refused the change; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NeedsConfirmation(Exception):
    """The change affects people; the caller must show who and ask again."""

    def __init__(self, message: str, affected: list[User]):
        super().__init__(message)
        self.message = message
        self.affected = affected


@dataclass
class SessionData:
    kind: SessionKind
    title: str
    day: date
    start: time
    end: time
    address: str | None = None
    room: str | None = None
    video_url: str | None = None
    net_hours: object = 0
    is_required: bool = True

    @property
    def starts_at(self) -> datetime:
        return local_to_utc(self.day, self.start)

    @property
    def ends_at(self) -> datetime:
        return local_to_utc(self.day, self.end)


# Reading -----------------------------------------------------------------------------


def enrolled_count_column():
    return (
        sa.select(sa.func.count(Enrolment.id))
        .where(Enrolment.cohort_id == Cohort.id,
               Enrolment.status.in_([EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]))
        .correlate(Cohort)
        .scalar_subquery()
    )


def waitlist_count_column():
    return (
        sa.select(sa.func.count(Enrolment.id))
        .where(Enrolment.cohort_id == Cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .correlate(Cohort)
        .scalar_subquery()
    )


def staff_cohort_query(*, programme_id=None, region_id=None, status=None, starts_from=None, starts_until=None,
                       region_ids=None):
    """Cohorts with their enrolled and waitlist counts, in one statement (plus eager loads)."""
    stmt = (
        sa.select(Cohort)
        .options(
            joinedload(Cohort.programme),
            joinedload(Cohort.region),
            joinedload(Cohort.municipality),
            with_expression(Cohort.enrolled_count, enrolled_count_column()),
            with_expression(Cohort.waitlist_count, waitlist_count_column()),
        )
        .order_by(Cohort.starts_at.desc().nulls_last(), Cohort.id.desc())
    )
    if programme_id:
        stmt = stmt.where(Cohort.programme_id == programme_id)
    if region_id:
        stmt = stmt.where(Cohort.region_id == region_id)
    if region_ids is not None:
        stmt = stmt.where(Cohort.region_id.in_(region_ids))
    if status:
        stmt = stmt.where(Cohort.status == status)
    if starts_from:
        stmt = stmt.where(Cohort.starts_at >= local_to_utc(starts_from, time(0, 0)))
    if starts_until:
        stmt = stmt.where(Cohort.starts_at < local_to_utc(starts_until + timedelta(days=1), time(0, 0)))
    return stmt


def load_cohort(cohort_id: int) -> Cohort | None:
    return db.session.execute(
        sa.select(Cohort)
        .where(Cohort.id == cohort_id)
        .options(
            joinedload(Cohort.programme),
            joinedload(Cohort.region),
            joinedload(Cohort.municipality),
            selectinload(Cohort.sessions),
            selectinload(Cohort.trainers),
        )
    ).unique().scalar_one_or_none()


def can_manage(user, cohort: Cohort) -> bool:
    return user.is_authenticated and user.has_role(Role.STAFF, Role.ADMIN)


def can_read(user, cohort: Cohort) -> bool:
    """Staff, the cohort's trainers, and coordinators of its region may read the staff page."""
    if not user.is_authenticated:
        return False
    if can_manage(user, cohort):
        return True
    if user.has_role(Role.TRAINER) and any(t.id == user.id for t in cohort.trainers):
        return True
    return user.has_role(Role.COORDINATOR) and cohort.region_id in user.coordinated_region_ids


def trainer_choices() -> list[User]:
    return list(db.session.execute(
        sa.select(User)
        .join(UserRole)
        .where(UserRole.role == Role.TRAINER, User.is_active.is_(True), User.erased_at.is_(None))
        .order_by(User.name)
    ).scalars())


def active_enrolments(cohort: Cohort) -> list[Enrolment]:
    return list(db.session.execute(
        sa.select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(ACTIVE))
        .options(joinedload(Enrolment.user))
        .order_by(Enrolment.created_at, Enrolment.id)
    ).scalars())


def seat_holders(cohort: Cohort) -> list[Enrolment]:
    return [e for e in active_enrolments(cohort) if e.holds_seat]


# Opening a cohort --------------------------------------------------------------------


def sessions_from_pattern(programme: Programme, first_day: date, *, address: str | None = None,
                          video_url: str | None = None) -> list[Session]:
    """The sessions of a new cohort: each planned session on its day, at its local time.

    Day offsets count calendar days in Amsterdam, so 09:00 stays 09:00 across a DST change.
    """
    sessions = []
    for template in programme.session_templates:
        day = first_day + timedelta(days=template.day_offset)
        starts_at = local_to_utc(day, template.start_time)
        local_end = datetime.combine(day, template.start_time) + timedelta(minutes=template.duration_minutes)
        sessions.append(Session(
            template_id=template.id,
            kind=template.kind,
            title=template.title,
            starts_at=starts_at,
            ends_at=local_to_utc(local_end.date(), local_end.time()),
            address=address if template.kind == SessionKind.IN_PERSON else None,
            video_url=video_url if template.kind == SessionKind.ONLINE else None,
            net_hours=template.net_hours,
            is_required=template.is_required,
            status=SessionStatus.SCHEDULED,
            sequence=0,
        ))
    return sessions


def _check_window(cohort: Cohort) -> None:
    if cohort.enrol_opens_at and cohort.enrol_closes_at and cohort.enrol_closes_at <= cohort.enrol_opens_at:
        raise CohortError(_("Enrolment must close after it opens."), "enrol_closes_on")
    first = first_session_start(cohort)
    if cohort.enrol_closes_at and first and cohort.enrol_closes_at > first:
        raise CohortError(_("Enrolment must close before the first session."), "enrol_closes_on")


def _check_place(region: Region, municipality: Municipality | None) -> None:
    if municipality is not None and municipality.region_id != region.id:
        raise CohortError(_("This municipality is not in the chosen region."), "municipality_id")


def first_session_start(cohort: Cohort) -> datetime | None:
    starts = [s.starts_at for s in cohort.sessions if s.status == SessionStatus.SCHEDULED]
    return min(starts) if starts else None


def refresh_starts_at(cohort: Cohort) -> None:
    cohort.starts_at = first_session_start(cohort) or (
        min((s.starts_at for s in cohort.sessions), default=None)
    )


def create_cohort(actor, *, programme: Programme, region: Region, municipality: Municipality | None, title: str,
                  first_day: date, capacity: int, enrol_opens_at: datetime | None,
                  enrol_closes_at: datetime | None, description: str, trainers: list[User],
                  address: str | None, video_url: str | None, now: datetime) -> Cohort:
    """Open a draft cohort of a programme with its sessions made from the pattern."""
    if programme.is_archived:
        raise CohortError(_("This programme is archived; no new cohorts can be opened."), "programme_id")
    if not programme.session_templates:
        raise CohortError(_("This programme has no session pattern yet."), "programme_id")
    _check_place(region, municipality)
    cohort = Cohort(
        programme=programme, region=region, municipality=municipality, title=title, description=description,
        capacity=capacity, enrol_opens_at=enrol_opens_at, enrol_closes_at=enrol_closes_at,
        status=CohortStatus.DRAFT, created_at=now, updated_at=now, seats_taken=0, waitlist_counter=0,
    )
    cohort.sessions = sessions_from_pattern(programme, first_day, address=address, video_url=video_url)
    for session in cohort.sessions:
        session.created_at = session.updated_at = now
    cohort.trainers = list(trainers)
    refresh_starts_at(cohort)
    _check_window(cohort)
    db.session.add(cohort)
    db.session.flush()
    record(actor, "cohort.create", cohort, now=now, summary=cohort.title, after=snapshot(cohort, COHORT_FIELDS))
    return cohort


def update_cohort(actor, cohort: Cohort, *, data: dict, trainers: list[User], now: datetime,
                  confirmed: bool = False) -> None:
    """Change a cohort's settings; lowering capacity below the seats taken needs confirmation."""
    before = snapshot(cohort, COHORT_FIELDS)
    before["trainers"] = [t.id for t in cohort.trainers]
    region = db.session.get(Region, data["region_id"])
    municipality = db.session.get(Municipality, data["municipality_id"]) if data.get("municipality_id") else None
    _check_place(region, municipality)
    if data["capacity"] < cohort.seats_taken and not confirmed:
        holders = seat_holders(cohort)
        affected = [e.user for e in holders[data["capacity"]:]]
        raise NeedsConfirmation(
            _("%(taken)d seats are taken, more than the new capacity of %(capacity)d. Nobody loses their seat, "
              "but no new seats open until enough people leave.", taken=cohort.seats_taken,
              capacity=data["capacity"]),
            affected,
        )
    for name in ("title", "description", "capacity", "enrol_opens_at", "enrol_closes_at"):
        setattr(cohort, name, data[name])
    cohort.region = region
    cohort.municipality = municipality
    cohort.trainers = list(trainers)
    cohort.updated_at = now
    _check_window(cohort)
    after = snapshot(cohort, COHORT_FIELDS)
    after["trainers"] = [t.id for t in trainers]
    record(actor, "cohort.update", cohort, now=now, summary=cohort.title, before=before, after=after)


def change_status(actor, cohort: Cohort, target: CohortStatus, now: datetime) -> None:
    """Move a cohort along draft → open → closed → completed (cancelling has its own step)."""
    if target == CohortStatus.CANCELLED:
        raise CohortError(_("Use “Cancel cohort” to cancel it; that asks who is affected first."))
    if target not in TRANSITIONS[cohort.status]:
        raise CohortError(_("A cohort cannot go from “%(current)s” to “%(target)s”.",
                            current=status_label(cohort.status), target=status_label(target)))
    if target == CohortStatus.OPEN:
        if not any(s.status == SessionStatus.SCHEDULED for s in cohort.sessions):
            raise CohortError(_("A cohort cannot open without sessions."))
        first = first_session_start(cohort)
        if first is not None and first <= now:
            raise CohortError(_("A cohort whose first session has started cannot be opened for enrolment."))
        for session in cohort.sessions:
            problem = session_problem(session)
            if problem and session.status == SessionStatus.SCHEDULED:
                raise CohortError(_("%(title)s: %(problem)s", title=session.title, problem=problem))
    before = cohort.status
    cohort.status = target
    cohort.updated_at = now
    record(actor, "cohort.status", cohort, now=now, summary=cohort.title,
           before={"status": before.value}, after={"status": target.value})
    if target == CohortStatus.OPEN:
        from lms.enrolment.services import notify_interest

        notify_interest(cohort, now)


def cancel_cohort(actor, cohort: Cohort, reason: str, now: datetime, confirmed: bool = False) -> list[Enrolment]:
    """Cancel a cohort: every active enrolment and every session is cancelled with it."""
    if cohort.status == CohortStatus.CANCELLED:
        raise CohortError(_("This cohort has already been cancelled."))
    if cohort.status == CohortStatus.COMPLETED:
        raise CohortError(_("A completed cohort cannot be cancelled."))
    enrolments = active_enrolments(cohort)
    if enrolments and not confirmed:
        raise NeedsConfirmation(
            ngettext_people(len(enrolments)), [e.user for e in enrolments]
        )
    previous = {e.id: e.status for e in enrolments}
    before = cohort.status
    cohort.status = CohortStatus.CANCELLED
    cohort.cancelled_at = now
    cohort.cancel_reason = reason
    cohort.updated_at = now
    for enrolment in enrolments:
        enrolment.status = EnrolmentStatus.CANCELLED
        enrolment.cancelled_at = now
        enrolment.cancel_reason = reason
        enrolment.cancelled_by_id = getattr(actor, "id", None)
        enrolment.waitlist_position = None
        enrolment.offer_expires_at = None
    cohort.seats_taken = 0
    for session in cohort.sessions:
        if session.status == SessionStatus.SCHEDULED:
            _apply_session_change(actor, session, {"status": SessionStatus.CANCELLED}, now, kind="cancelled")
            session.cancelled_at = now
    record(actor, "cohort.cancel", cohort, now=now, summary=cohort.title,
           before={"status": before.value}, after={"status": "cancelled", "reason": reason,
                                                   "enrolments_cancelled": [e.id for e in enrolments]})
    notify_cohort_cancelled(cohort, enrolments, previous, reason, now)
    return enrolments


def ngettext_people(count: int) -> str:
    from flask_babel import ngettext

    return ngettext("%(num)d person is enrolled or on the waitlist; their enrolment is cancelled too.",
                    "%(num)d people are enrolled or on the waitlist; their enrolments are cancelled too.", count)


def status_label(status: CohortStatus) -> str:
    from lms.cohorts.forms import STATUS_LABELS

    return str(STATUS_LABELS[status])


# Sessions ----------------------------------------------------------------------------


def session_problem(session: Session) -> str | None:
    """What keeps a session from being complete, or None."""
    if session.kind == SessionKind.ONLINE and not (session.video_url or "").startswith("https://"):
        return _("an online session needs a video link starting with https://")
    if session.kind == SessionKind.IN_PERSON and not session.address:
        return _("an in-person session needs an address")
    return None


def _check_session(cohort: Cohort, session: Session | None, data: SessionData) -> None:
    if data.ends_at <= data.starts_at:
        raise CohortError(_("The end must be after the start."), "end")
    if data.kind == SessionKind.ONLINE and not (data.video_url or "").startswith("https://"):
        raise CohortError(_("An online session needs a video link starting with https://."), "video_url")
    if data.kind == SessionKind.IN_PERSON and not data.address:
        raise CohortError(_("An in-person session needs an address."), "address")
    # Sessions made from the pattern keep the pattern's order.
    if session is not None and session.template_id is not None:
        template = next((t for t in cohort.programme.session_templates if t.id == session.template_id), None)
        if template is not None:
            for other in cohort.sessions:
                if other is session or other.template_id is None or other.status != SessionStatus.SCHEDULED:
                    continue
                other_template = next(
                    (t for t in cohort.programme.session_templates if t.id == other.template_id), None)
                if other_template is None or other_template.day_offset == template.day_offset:
                    continue
                if other_template.day_offset < template.day_offset and other.starts_at >= data.starts_at:
                    raise CohortError(_("This session must come after %(title)s (%(when)s).", title=other.title,
                                        when=to_local(other.starts_at).strftime("%d-%m-%Y %H:%M")), "day")
                if other_template.day_offset > template.day_offset and other.starts_at <= data.starts_at:
                    raise CohortError(_("This session must come before %(title)s (%(when)s).", title=other.title,
                                        when=to_local(other.starts_at).strftime("%d-%m-%Y %H:%M")), "day")


def _apply_session_change(actor, session: Session, values: dict, now: datetime, kind: str | None = None) -> bool:
    """Set values on a session; record and sequence the change when a participant must notice it."""
    changed = {name: value for name, value in values.items() if getattr(session, name) != value}
    if not changed:
        return False
    before = {name: getattr(session, name) for name in changed}
    for name, value in changed.items():
        setattr(session, name, value)
    session.updated_at = now
    if NOTICEABLE & set(changed):
        session.sequence += 1
        if kind is None:
            if {"starts_at", "ends_at"} & set(changed):
                kind = "rescheduled"
            elif {"address", "room", "kind"} & set(changed):
                kind = "moved"
            elif "video_url" in changed:
                kind = "relinked"
            else:
                kind = "changed"
        session.changes.append(SessionChange(
            actor_id=getattr(actor, "id", None), changed_at=now, kind=kind,
            before=_plain(before), after=_plain(changed),
        ))
    return True


def _plain(values: dict) -> dict:
    from lms.audit.services import _plain as plain

    return plain(values)


def update_session(actor, session: Session, data: SessionData, now: datetime) -> bool:
    """Reschedule, move or relink a session; its identity stays, its sequence rises."""
    cohort = session.cohort
    _check_session(cohort, session, data)
    before = snapshot(session, SESSION_FIELDS)
    changed = _apply_session_change(actor, session, {
        "kind": data.kind, "title": data.title, "starts_at": data.starts_at, "ends_at": data.ends_at,
        "address": data.address if data.kind == SessionKind.IN_PERSON else None,
        "room": data.room if data.kind == SessionKind.IN_PERSON else None,
        "video_url": data.video_url if data.kind == SessionKind.ONLINE else None,
        "net_hours": data.net_hours, "is_required": data.is_required,
    }, now)
    if changed:
        refresh_starts_at(cohort)
        _check_window(cohort)
        record(actor, "session.update", session, now=now, summary=f"{cohort.title}: {session.title}",
               before=before, after=snapshot(session, SESSION_FIELDS))
        if before["is_required"] != session.is_required:
            _reevaluate(cohort.id, now, actor)
        notify_session_change(session, now)
    return changed


def _reevaluate(cohort_id: int, now: datetime, actor) -> None:
    """A session's requirement changed: completion follows at once, not at some nightly run."""
    from lms.learning.completion import reevaluate_cohort

    reevaluate_cohort(cohort_id, now, actor)


def add_session(actor, cohort: Cohort, data: SessionData, now: datetime) -> Session:
    _check_session(cohort, None, data)
    session = Session(
        kind=data.kind, title=data.title, starts_at=data.starts_at, ends_at=data.ends_at,
        address=data.address if data.kind == SessionKind.IN_PERSON else None,
        room=data.room if data.kind == SessionKind.IN_PERSON else None,
        video_url=data.video_url if data.kind == SessionKind.ONLINE else None,
        net_hours=data.net_hours, is_required=data.is_required, created_at=now, updated_at=now,
        status=SessionStatus.SCHEDULED, sequence=0,
    )
    cohort.sessions.append(session)
    refresh_starts_at(cohort)
    _check_window(cohort)
    db.session.flush()
    record(actor, "session.create", session, now=now, summary=f"{cohort.title}: {session.title}",
           after=snapshot(session, SESSION_FIELDS))
    return session


def cancel_session(actor, session: Session, reason: str, now: datetime) -> None:
    """Cancel a session; it stays visible (and in calendar feeds) as cancelled."""
    if session.status == SessionStatus.CANCELLED:
        raise CohortError(_("This session has already been cancelled."))
    _apply_session_change(actor, session, {"status": SessionStatus.CANCELLED}, now, kind="cancelled")
    session.cancelled_at = now
    session.changes[-1].after["reason"] = reason
    refresh_starts_at(session.cohort)
    record(actor, "session.cancel", session, now=now, summary=f"{session.cohort.title}: {session.title}",
           before={"status": "scheduled"}, after={"status": "cancelled", "reason": reason})
    _reevaluate(session.cohort_id, now, actor)
    notify_session_change(session, now)


def restore_session(actor, session: Session, now: datetime) -> None:
    if session.status != SessionStatus.CANCELLED:
        raise CohortError(_("This session is not cancelled."))
    _apply_session_change(actor, session, {"status": SessionStatus.SCHEDULED}, now, kind="restored")
    session.cancelled_at = None
    refresh_starts_at(session.cohort)
    record(actor, "session.restore", session, now=now, summary=f"{session.cohort.title}: {session.title}",
           before={"status": "cancelled"}, after={"status": "scheduled"})
    _reevaluate(session.cohort_id, now, actor)
    notify_session_change(session, now)


def delete_session(actor, session: Session, now: datetime) -> None:
    """Remove a session that nobody can have noticed yet; otherwise it must be cancelled."""
    from lms.attendance.models import Attendance

    cohort = session.cohort
    if cohort.status != CohortStatus.DRAFT:
        raise CohortError(_("Sessions of a published cohort are cancelled, not removed, so that participants "
                            "and their calendars see the change."))
    if db.session.execute(sa.select(Attendance.id).where(Attendance.session_id == session.id).limit(1)).first():
        raise CohortError(_("Attendance has been registered for this session; it cannot be removed."))
    record(actor, "session.delete", session, now=now, summary=f"{cohort.title}: {session.title}",
           before=snapshot(session, SESSION_FIELDS))
    cohort.sessions.remove(session)
    refresh_starts_at(cohort)


# Catalogue ---------------------------------------------------------------------------


def catalogue_query(*, region_id=None, municipality_id=None, month: date | None = None, first_region_id=None):
    """Open cohorts for the public catalogue, the viewer's own region first."""
    stmt = (
        sa.select(Cohort)
        .where(Cohort.status == CohortStatus.OPEN)
        .options(
            joinedload(Cohort.programme),
            joinedload(Cohort.region),
            joinedload(Cohort.municipality),
            selectinload(Cohort.sessions),
        )
    )
    if region_id:
        stmt = stmt.where(Cohort.region_id == region_id)
    if municipality_id:
        stmt = stmt.where(Cohort.municipality_id == municipality_id)
    if month:
        start = local_to_utc(month.replace(day=1), time(0, 0))
        next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        stmt = stmt.where(Cohort.starts_at >= start, Cohort.starts_at < local_to_utc(next_month, time(0, 0)))
    order = []
    if first_region_id:
        order.append(sa.case((Cohort.region_id == first_region_id, 0), else_=1))
    stmt = stmt.order_by(*order, Cohort.starts_at, Cohort.id)
    return stmt


def catalogue_months() -> list[date]:
    """The months in which open cohorts start, for the month filter."""
    starts = db.session.execute(
        sa.select(Cohort.starts_at).where(Cohort.status == CohortStatus.OPEN, Cohort.starts_at.is_not(None))
    ).scalars()
    return sorted({to_local(s).date().replace(day=1) for s in starts})


# Start pages -------------------------------------------------------------------------

LIVE_STATUSES = (CohortStatus.DRAFT, CohortStatus.OPEN, CohortStatus.CLOSED)


def trainer_overview(user, now: datetime) -> dict:
    """The trainer's own running and coming cohorts, and their next sessions."""
    from lms.cohorts.models import cohort_trainer

    cohorts = db.session.execute(
        sa.select(Cohort)
        .join(cohort_trainer, cohort_trainer.c.cohort_id == Cohort.id)
        .where(cohort_trainer.c.user_id == user.id, Cohort.status.in_(LIVE_STATUSES))
        .options(joinedload(Cohort.programme), joinedload(Cohort.region), selectinload(Cohort.sessions))
        .order_by(Cohort.starts_at)
    ).unique().scalars().all()
    upcoming = sorted(
        (s for c in cohorts for s in c.sessions if s.ends_at >= now),
        key=lambda s: s.starts_at,
    )[:8]
    return {"cohorts": cohorts, "upcoming": upcoming, "now": now}


def staff_overview(now: datetime) -> dict:
    """What staff should keep an eye on: sessions in the next two weeks and draft cohorts."""
    soon = db.session.execute(
        sa.select(Session)
        .join(Cohort)
        .where(Session.starts_at >= now, Session.starts_at < now + timedelta(days=14),
               Cohort.status.in_(LIVE_STATUSES))
        .options(joinedload(Session.cohort).joinedload(Cohort.region))
        .order_by(Session.starts_at)
        .limit(10)
    ).scalars().all()
    counts = dict(db.session.execute(
        sa.select(Cohort.status, sa.func.count()).group_by(Cohort.status)
    ).all())
    waiting = db.session.execute(
        sa.select(Cohort, sa.func.count(Enrolment.id))
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(Enrolment.status == EnrolmentStatus.PENDING)
        .group_by(Cohort.id)
        .order_by(Cohort.starts_at)
    ).all()
    from lms.enrolment.models import Interest

    interested = db.session.execute(
        sa.select(sa.func.count(Interest.id)).where(Interest.notified_at.is_(None))
    ).scalar_one()
    return {"soon": soon, "counts": counts, "waiting": waiting, "interested": interested, "now": now}
