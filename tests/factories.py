"""Factory fixtures: build realistic objects with as little set-up as a test needs."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from lms import clock as app_clock
from lms.auth.models import Role, User, UserRole
from lms.cohorts.models import Cohort, CohortStatus, Session
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.i18n import local_to_utc
from lms.programmes.models import Module, Programme, SessionKind, SessionTemplate
from lms.regions.models import Municipality, Organisation, Region

PASSWORD = "Correct-Horse-Battery-42"
_counter = itertools.count(1)
_HASH: list[str] = []


def password_hash() -> str:
    if not _HASH:
        from lms.auth.passwords import hash_password

        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


@pytest.fixture
def make_region(app):
    def make(name: str | None = None, municipalities: tuple[str, ...] = ()) -> Region:
        n = next(_counter)
        name = name or f"Regio {n}"
        region = Region(name=name, slug=name.lower().replace(" ", "-"))
        for m in municipalities:
            region.municipalities.append(Municipality(name=m))
        db.session.add(region)
        db.session.commit()
        return region

    return make


@pytest.fixture
def region(make_region) -> Region:
    return make_region("Achterhoek", ("Doetinchem", "Winterswijk", "Aalten"))


@pytest.fixture
def other_region(make_region) -> Region:
    return make_region("Rivierenland", ("Tiel", "Culemborg"))


@pytest.fixture
def make_user(app, region, now):
    """A user with a confirmed address (``email_verified_at=None`` for one that has not confirmed it)."""

    def make(*roles: Role, name: str | None = None, email: str | None = None, region: Region | None = region,
             municipality: Municipality | None = None, coordinates: list[Region] | None = None, **fields) -> User:
        n = next(_counter)
        fields.setdefault("email_verified_at", now)
        roles = roles or (Role.COACH,)
        if municipality is None and region is not None and Role.COACH in roles and region.municipalities:
            municipality = region.municipalities[0]
        user = User(
            email=email or f"user{n}@example.org",
            name=name or f"Gebruiker {n}",
            password_hash=password_hash(),
            region=region,
            municipality=municipality,
            **fields,
        )
        user.role_grants = [UserRole(role=r) for r in roles]
        if coordinates:
            user.coordinated_regions = list(coordinates)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def users(make_user, region):
    """One user per role, the coordinator scoped to the region."""
    return {
        "coach": make_user(Role.COACH, name="Cora Coach", email="coach@example.org"),
        "trainer": make_user(Role.TRAINER, name="Tim Trainer", email="trainer@example.org"),
        "staff": make_user(Role.STAFF, name="Stella Staf", email="staff@example.org"),
        "coordinator": make_user(Role.COORDINATOR, name="Coen Coördinator", email="coordinator@example.org",
                                 coordinates=[region]),
        "admin": make_user(Role.ADMIN, name="Ada Admin", email="admin@example.org"),
    }


@pytest.fixture
def make_programme(app):
    def make(title: str = "Basistraining welzijnscoach", **fields) -> Programme:
        n = next(_counter)
        programme = Programme(
            title=title,
            slug=f"programme-{n}",
            description="De basistraining.",
            net_hours=Decimal("10"),
            accreditation_body="Registerplein",
            accreditation_course_id="RP-1",
            accreditation_points=Decimal("10"),
            **fields,
        )
        programme.modules = [Module(position=i, title=f"Module {i}") for i in (1, 2)]
        programme.session_templates = [
            SessionTemplate(kind=SessionKind.ONLINE, title="Online dagdeel", start_time=time(9, 0),
                            duration_minutes=210, day_offset=0, net_hours=Decimal("3.5")),
            SessionTemplate(kind=SessionKind.IN_PERSON, title="Bijeenkomst 1", start_time=time(13, 30),
                            duration_minutes=210, day_offset=14, net_hours=Decimal("3.25")),
            SessionTemplate(kind=SessionKind.IN_PERSON, title="Bijeenkomst 2", start_time=time(13, 30),
                            duration_minutes=210, day_offset=35, net_hours=Decimal("3.25")),
        ]
        db.session.add(programme)
        db.session.commit()
        return programme

    return make


@pytest.fixture
def make_cohort(app, make_programme, region):
    def make(programme: Programme | None = None, *, first: date = date(2027, 3, 16), capacity: int = 16,
             status: CohortStatus = CohortStatus.OPEN, region: Region = region, trainers=(), title=None,
             **fields) -> Cohort:
        programme = programme or make_programme()
        cohort = Cohort(programme=programme, region=region, title=title or f"Groep {next(_counter)}",
                        capacity=capacity, status=status, **fields)
        for template in programme.session_templates:
            starts = local_to_utc(first + timedelta(days=template.day_offset), template.start_time)
            cohort.sessions.append(Session(
                template_id=template.id, kind=template.kind, title=template.title, starts_at=starts,
                ends_at=starts + timedelta(minutes=template.duration_minutes),
                address="Dorpsstraat 1, Doetinchem" if template.kind == SessionKind.IN_PERSON else None,
                video_url="https://meet.example.org/x" if template.kind == SessionKind.ONLINE else None,
                net_hours=template.net_hours,
            ))
        cohort.starts_at = min(s.starts_at for s in cohort.sessions)
        cohort.trainers = list(trainers)
        db.session.add(cohort)
        db.session.commit()
        return cohort

    return make


@pytest.fixture
def make_organisation(app):
    def make(name: str | None = None) -> Organisation:
        organisation = Organisation(name=name or f"Organisatie {next(_counter)}")
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return make


def utc(*args) -> datetime:
    from datetime import timezone

    return datetime(*args, tzinfo=timezone.utc)


def offer_fields(cohort: Cohort) -> dict:
    """An offer made on 20 November 2026 that runs until the first session (an offer has a deadline)."""
    first = min((s.starts_at for s in cohort.sessions), default=None) or cohort.starts_at
    return {"offered_at": utc(2026, 11, 20, 10), "offer_expires_at": first}


def add_enrolment(cohort: Cohort, user: User, status: EnrolmentStatus = EnrolmentStatus.ENROLLED, *,
                  at: datetime | None = None, **fields) -> Enrolment:
    """An enrolment written straight to the database (flushed), with the cohort's counters kept right."""
    if at is not None:
        fields.setdefault("created_at", at)
        if status != EnrolmentStatus.WAITLISTED:
            fields.setdefault("enrolled_at", at)
    if status == EnrolmentStatus.COMPLETED:
        fields.setdefault("completed_at", at or app_clock.now())  # as the completion service sets it
    if status == EnrolmentStatus.OFFERED:
        for name, value in offer_fields(cohort).items():
            fields.setdefault(name, value)
    enrolment = Enrolment(cohort=cohort, user=user, programme_id=cohort.programme_id, status=status, **fields)
    if status == EnrolmentStatus.WAITLISTED:
        cohort.waitlist_counter += 1
        enrolment.waitlist_position = cohort.waitlist_counter
    else:
        cohort.seats_taken += 1
    db.session.add(enrolment)
    db.session.flush()
    return enrolment
