"""Cohorts and their sessions: opening, scheduling, rescheduling and cancelling.

Every change a participant's calendar must notice (time, place, link, status) raises the
session's ``sequence`` and is kept as a SessionChange with the values before and after,
so change notices can say what changed.

The people in a cohort belong to the enrolment feature, a floor up: this module announces
what happened through the events of lms/domain.py (``cohort_opened``, ``cohort_cancelled``,
``session_changed``, ``progress_changed``) and asks through them who is affected
(``cohort_participants``) or whether a session is in use (``session_in_use``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from lms.audit.labels import register as register_audit
from lms.audit.services import record, snapshot
from lms.auth.models import User
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionChange, SessionStatus, status_label
from lms.domain import (
    DomainError,
    cohort_cancelled,
    cohort_opened,
    cohort_participants,
    gather,
    progress_changed,
    session_changed,
    session_in_use,
)
from lms.extensions import db
from lms.i18n import local_to_utc, to_local
from lms.programmes.models import Programme, SessionKind
from lms.regions.models import Municipality, Region

SESSION_SUMMARY = _l("%(cohort)s: %(session)s")
register_audit(
    actions={
        "cohort.create": (_l("Group created"),),
        "cohort.update": (_l("Group changed"),),
        "cohort.status": (_l("Group status changed"),),
        "cohort.cancel": (_l("Group cancelled"),),
        "session.create": (_l("Session added"), SESSION_SUMMARY),
        "session.update": (_l("Session changed"), SESSION_SUMMARY),
        "session.cancel": (_l("Session cancelled"), SESSION_SUMMARY),
        "session.restore": (_l("Session restored"), SESSION_SUMMARY),
        "session.delete": (_l("Session removed"), SESSION_SUMMARY),
    },
    objects={"cohort": _l("Group"), "session": _l("Session")},
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


class CohortError(DomainError):
    """A rule refused the change; ``field`` names the form field it belongs to."""


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
    first = cohort.first_session_at
    if cohort.enrol_closes_at and first and cohort.enrol_closes_at > first:
        raise CohortError(_("Enrolment must close before the first session."), "enrol_closes_on")


def _check_place(region: Region, municipality: Municipality | None) -> None:
    if municipality is not None and municipality.region_id != region.id:
        raise CohortError(_("This municipality is not in the chosen region."), "municipality_id")


def refresh_starts_at(cohort: Cohort) -> None:
    cohort.starts_at = cohort.first_session_at or (
        min((s.starts_at for s in cohort.sessions), default=None)
    )


def create_cohort(actor, *, programme: Programme, region: Region, municipality: Municipality | None, title: str,
                  first_day: date, capacity: int, enrol_opens_at: datetime | None,
                  enrol_closes_at: datetime | None, description: str, trainers: list[User],
                  address: str | None, video_url: str | None, now: datetime) -> Cohort:
    """Open a draft cohort of a programme with its sessions made from the pattern."""
    if programme.is_archived:
        raise CohortError(_("This programme is archived; no new groups can be opened."), "programme_id")
    if not programme.session_templates:
        raise CohortError(_("This programme has no session pattern yet."), "programme_id")
    _check_place(region, municipality)
    cohort = Cohort(
        programme=programme, region=region, municipality=municipality, title=title, description=description,
        capacity=capacity, enrol_opens_at=enrol_opens_at, enrol_closes_at=enrol_closes_at,
        status=CohortStatus.DRAFT, created_at=now, updated_at=now,
    )
    cohort.sessions = sessions_from_pattern(programme, first_day, address=address, video_url=video_url)
    for session in cohort.sessions:
        session.created_at = session.updated_at = now
    cohort.trainers = list(trainers)
    refresh_starts_at(cohort)
    _check_window(cohort)
    db.session.add(cohort)
    db.session.flush()
    _record(actor, "cohort.create", cohort, now, after=snapshot(cohort, COHORT_FIELDS))
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
        holders = gather(cohort_participants, cohort=cohort, seat_holders_only=True)
        affected = holders[data["capacity"]:]
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
    _record(actor, "cohort.update", cohort, now, before=before, after=after)


def change_status(actor, cohort: Cohort, target: CohortStatus, now: datetime) -> None:
    """Move a cohort along draft → open → closed → completed (cancelling has its own step)."""
    if target == CohortStatus.CANCELLED:
        raise CohortError(_("Use “Cancel group” to cancel it; that asks who is affected first."))
    if target not in TRANSITIONS[cohort.status]:
        raise CohortError(_("A group cannot go from “%(current)s” to “%(target)s”.",
                            current=status_label(cohort.status), target=status_label(target)))
    if target == CohortStatus.OPEN:
        if not any(s.status == SessionStatus.SCHEDULED for s in cohort.sessions):
            raise CohortError(_("A group cannot open without sessions."))
        first = cohort.first_session_at
        if first is not None and first <= now:
            raise CohortError(_("A group whose first session has started cannot be opened for enrolment."))
        for session in cohort.sessions:
            problem = session_problem(session)
            if problem and session.status == SessionStatus.SCHEDULED:
                raise CohortError(_("%(title)s: %(problem)s", title=session.title, problem=problem))
    before = cohort.status
    cohort.status = target
    cohort.updated_at = now
    _record(actor, "cohort.status", cohort, now, before={"status": before.value}, after={"status": target.value})
    if target == CohortStatus.OPEN:
        gather(cohort_opened, cohort=cohort, now=now, actor=actor)


def cancel_cohort(actor, cohort: Cohort, reason: str, now: datetime, confirmed: bool = False) -> list:
    """Cancel a cohort with every session; the enrolment feature ends the enrolments and tells everyone.

    Returns the enrolments that ended (the answers to ``cohort_cancelled``).
    """
    if cohort.status == CohortStatus.CANCELLED:
        raise CohortError(_("This group has already been cancelled."))
    if cohort.status == CohortStatus.COMPLETED:
        raise CohortError(_("A completed group cannot be cancelled."))
    affected = gather(cohort_participants, cohort=cohort)
    if affected and not confirmed:
        raise NeedsConfirmation(
            ngettext("%(num)d person is enrolled or on the waitlist; their enrolment is cancelled too.",
                     "%(num)d people are enrolled or on the waitlist; their enrolments are cancelled too.",
                     len(affected)),
            affected,
        )
    before = cohort.status
    cohort.status = CohortStatus.CANCELLED
    cohort.cancelled_at = now
    cohort.cancel_reason = reason
    cohort.updated_at = now
    for session in cohort.sessions:
        if session.status == SessionStatus.SCHEDULED:
            _apply_session_change(actor, session, {"status": SessionStatus.CANCELLED}, now, kind="cancelled")
            session.cancelled_at = now
    ended = gather(cohort_cancelled, cohort=cohort, reason=reason, now=now, actor=actor)
    _record(actor, "cohort.cancel", cohort, now, before={"status": before.value},
            after={"status": "cancelled", "reason": reason, "enrolments_cancelled": [e.id for e in ended]})
    return ended


def _record(actor, action: str, cohort: Cohort, now: datetime, *, before: dict | None = None,
            after: dict | None = None) -> None:
    record(actor, action, cohort, now=now, summary=cohort.title, params={"name": cohort.title},
           before=before, after=after)


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
    before = snapshot(session, list(changed))
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
            before=before, after=snapshot(session, list(changed)),
        ))
    return True


def _record_session(actor, action: str, session: Session, now: datetime, *, before: dict | None = None,
                    after: dict | None = None) -> None:
    cohort = session.cohort
    record(actor, action, session, now=now, summary=f"{cohort.title}: {session.title}",
           params={"cohort": cohort.title, "session": session.title}, before=before, after=after)


def _announce(actor, session: Session, kind: str, now: datetime, *, progress: bool) -> None:
    """Tell the features above: completion may follow at once (``progress``), participants hear of it."""
    if progress:
        gather(progress_changed, cohort_id=session.cohort_id, now=now, actor=actor)
    gather(session_changed, session=session, kind=kind, now=now, actor=actor)


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
        _record_session(actor, "session.update", session, now, before=before,
                        after=snapshot(session, SESSION_FIELDS))
        # A session's requirement changed: completion follows at once, not at some nightly run.
        _announce(actor, session, "changed", now, progress=before["is_required"] != session.is_required)
    return changed


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
    # A participant must notice a new session as much as a moved one (mail and calendar).
    session.changes.append(SessionChange(actor_id=getattr(actor, "id", None), changed_at=now, kind="added",
                                         before={}, after=snapshot(session, sorted(NOTICEABLE))))
    db.session.flush()
    _record_session(actor, "session.create", session, now, after=snapshot(session, SESSION_FIELDS))
    _announce(actor, session, "added", now, progress=False)
    return session


def cancel_session(actor, session: Session, reason: str, now: datetime) -> None:
    """Cancel a session; it stays visible (and in calendar feeds) as cancelled."""
    if session.status == SessionStatus.CANCELLED:
        raise CohortError(_("This session has already been cancelled."))
    _apply_session_change(actor, session, {"status": SessionStatus.CANCELLED}, now, kind="cancelled")
    session.cancelled_at = now
    session.changes[-1].after["reason"] = reason
    refresh_starts_at(session.cohort)
    _record_session(actor, "session.cancel", session, now, before={"status": "scheduled"},
                    after={"status": "cancelled", "reason": reason})
    _announce(actor, session, "cancelled", now, progress=True)


def restore_session(actor, session: Session, now: datetime) -> None:
    if session.status != SessionStatus.CANCELLED:
        raise CohortError(_("This session is not cancelled."))
    _apply_session_change(actor, session, {"status": SessionStatus.SCHEDULED}, now, kind="restored")
    session.cancelled_at = None
    refresh_starts_at(session.cohort)
    _record_session(actor, "session.restore", session, now, before={"status": "cancelled"},
                    after={"status": "scheduled"})
    _announce(actor, session, "restored", now, progress=True)


def delete_session(actor, session: Session, now: datetime) -> None:
    """Remove a session that nobody can have noticed yet; otherwise it must be cancelled."""
    cohort = session.cohort
    if cohort.status != CohortStatus.DRAFT:
        raise CohortError(_("Sessions of a published group are cancelled, not removed, so that participants "
                            "and their calendars see the change."))
    if any(gather(session_in_use, session=session)):
        raise CohortError(_("Attendance has been registered for this session; it cannot be removed."))
    _record_session(actor, "session.delete", session, now, before=snapshot(session, SESSION_FIELDS))
    _announce(actor, session, "deleted", now, progress=False)
    cohort.sessions.remove(session)
    refresh_starts_at(cohort)
