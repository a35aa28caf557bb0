"""Demo data: regions, accounts, the Basistraining and cohorts in the past, now and later.

Dates are placed around the moment of seeding, so every screen has something to
show: a completed cohort with certificates (one of them revoked, one reissued, and
an older cohort whose certificates have expired), one running now, a full one with a
waitlist, one across each change of the clocks (the next ones after the day of seeding),
one with a cancelled session, and a draft. Cohort names follow their dates.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import click
import sqlalchemy as sa

from lms import clock
from lms.attendance import demo as attendance
from lms.attendance.models import AttendanceStatus
from lms.auth.models import Role, User, UserRole
from lms.auth.passwords import hash_password
from lms.certificates.models import Certificate, RevocationReason
from lms.certificates.services import issue_certificate, reissue_certificate, revoke_certificate
from lms.cli import lms_cli
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionChange, SessionStatus
from lms.enrolment import demo as enrolment
from lms.extensions import db
from lms.i18n import local_to_utc, to_local
from lms.learning.demo import MODULES, add_content, complete_learning
from lms.learning.models import Lesson
from lms.programmes.models import Module, Programme, SessionKind, SessionTemplate
from lms.regions.models import Municipality, Organisation, Region
from lms.regions.services import slugify
from lms.web import unit_of_work

DEMO_PASSWORD = "Demo-Welzijn-2026"

REGIONS = {
    "Achterhoek": ["Aalten", "Berkelland", "Bronckhorst", "Doetinchem", "Montferland", "Oost Gelre",
                   "Oude IJsselstreek", "Winterswijk"],
    "Rivierenland": ["Buren", "Culemborg", "Neder-Betuwe", "Tiel", "West Betuwe", "West Maas en Waal"],
    "Midden-Drenthe": ["Midden-Drenthe"],
    "Utrecht": ["Utrecht"],
    "Almere": ["Almere"],
    "Haaglanden": ["Den Haag"],
}

ORGANISATIONS = [
    ("Welzijn Doetinchem", "Doetinchem"),
    ("Sociaal Werk Oost Gelre", "Oost Gelre"),
    ("Wijkteam Winterswijk", "Winterswijk"),
    ("Welzijn Berkelland", "Berkelland"),
    ("Welzijn Rivierenland", "Tiel"),
    ("Sociaal Team Culemborg", "Culemborg"),
    ("Welzijn Midden-Drenthe", "Midden-Drenthe"),
    ("Buurtteams Utrecht", "Utrecht"),
    ("De Schoor Welzijn", "Almere"),
    ("Wijkteams Den Haag", "Den Haag"),
]

FIRST_NAMES = ["Anna", "Bram", "Charlotte", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Iris", "Jesse",
               "Kim", "Lars", "Lotte", "Mila", "Noah", "Olga", "Pieter", "Roos", "Sem", "Tess",
               "Ufuk", "Vera", "Wouter", "Yara", "Zeynep", "Ahmed", "Bo", "Carmen", "Dirk", "Esra",
               "Femke", "Gerrit", "Hatice", "Ilse", "Joost", "Karin", "Luuk", "Maaike", "Nadia", "Oscar",
               "Priya", "Ruben"]
LAST_NAMES = ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
              "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
              "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer",
              "Kok", "Yilmaz", "El Amrani", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen",
              "van den Broek", "de Bruijn", "Schouten", "van Beek", "Willems", "Hoekstra", "Koster",
              "Prins", "Huisman"]

PATTERN = [
    (SessionKind.ONLINE, "Online dagdeel: kennismaking en de rol van de welzijnscoach", time(9, 0), 210, 0, Decimal("3.5")),
    (SessionKind.IN_PERSON, "Bijeenkomst 1: het eerste gesprek", time(13, 30), 210, 14, Decimal("3.25")),
    (SessionKind.IN_PERSON, "Bijeenkomst 2: verwijzen en samenwerken", time(13, 30), 210, 35, Decimal("3.25")),
]

VENUES = {
    "Achterhoek": "Het Brewinc, Terborgseweg 4, 7001 EA Doetinchem",
    "Rivierenland": "Buurthuis De Plantage, Plantagelaan 10, 4001 AA Tiel",
    "Midden-Drenthe": "Dorpshuis De Brink, Brink 1, 9411 KA Beilen",
    "Utrecht": "Wijkcentrum De Leeuw, Lange Nieuwstraat 5, 3512 PA Utrecht",
    "Almere": "De Schoor, Grote Markt 1, 1315 JG Almere",
    "Haaglanden": "Buurthuis Mooi Laak, Laakweg 100, 2521 AA Den Haag",
}


def _get_or_create(model, defaults: dict | None = None, **keys):
    obj = db.session.execute(sa.select(model).filter_by(**keys)).scalar_one_or_none()
    if obj is not None:
        return obj, False
    obj = model(**keys, **(defaults or {}))
    db.session.add(obj)
    return obj, True


def _user(email: str, name: str, roles: list[Role], **fields) -> User:
    user = db.session.execute(
        sa.select(User).where(sa.func.lower(User.email) == email.lower())
    ).scalar_one_or_none()
    if user is not None:
        return user
    # Demo addresses (example.org) receive no mail: they count as confirmed.
    user = User(email=email, name=name, password_hash=_password_hash(), email_verified_at=clock.now(), **fields)
    user.role_grants = [UserRole(role=role) for role in roles]
    db.session.add(user)
    return user


_HASH: list[str] = []


def _password_hash() -> str:
    # One Argon2 hash for every demo account: hashing is slow on purpose.
    if not _HASH:
        _HASH.append(hash_password(DEMO_PASSWORD))
    return _HASH[0]


def _tuesday_near(day: date) -> date:
    return day + timedelta(days=(1 - day.weekday()) % 7)


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _next_dst_change(after: date, month: int) -> date:
    """The next change of the clocks in ``month`` (3: summer time starts, 10: it ends) after ``after``."""
    change = _last_sunday(after.year, month)
    return change if change > after else _last_sunday(after.year + 1, month)


SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "voorjaar", 4: "voorjaar", 5: "voorjaar",
           6: "zomer", 7: "zomer", 8: "zomer", 9: "najaar", 10: "najaar", 11: "najaar"}


def _title(place: str, first: date) -> str:
    """A cohort's name as staff give it: place, season and year of its first session."""
    year = first.year + 1 if first.month == 12 else first.year
    return f"{place} {SEASONS[first.month]} {year}"


def _sessions_for(cohort: Cohort, programme: Programme, first: date, region_name: str) -> None:
    for template in programme.session_templates:
        day = first + timedelta(days=template.day_offset)
        starts = local_to_utc(day, template.start_time)
        cohort.sessions.append(
            Session(
                template_id=template.id,
                kind=template.kind,
                title=template.title,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=template.duration_minutes),
                address=VENUES[region_name] if template.kind == SessionKind.IN_PERSON else None,
                room="Zaal 2" if template.kind == SessionKind.IN_PERSON else None,
                video_url=(
                    f"https://meet.example.org/wor-{slugify(cohort.title)}"
                    if template.kind == SessionKind.ONLINE
                    else None
                ),
                net_hours=template.net_hours,
                is_required=template.is_required,
            )
        )
    cohort.starts_at = min(s.starts_at for s in cohort.sessions)


@lms_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo data; running it again adds nothing twice."""
    created = seed_demo(clock.now())
    click.echo("Demo data loaded." if created else "Demo data was already present; nothing added.")
    click.echo("")
    click.echo("Demo accounts (password for all: %s):" % DEMO_PASSWORD)
    for email, role in (
        ("admin@example.org", "admin"),
        ("staff@example.org", "staff"),
        ("trainer@example.org", "trainer"),
        ("coordinator@example.org", "coordinator (Achterhoek)"),
        ("coach@example.org", "coach"),
    ):
        click.echo(f"  {email:<28} {role}")


def seed_demo(now: datetime) -> bool:
    """Load the demo data once, in one unit of work; returns False when it was already there."""
    with unit_of_work():
        return _seed(now)


def _seed(now: datetime) -> bool:
    if db.session.execute(sa.select(Programme.id).where(Programme.slug == "basistraining-welzijnscoach")).first():
        _seed_places()
        return False
    rng = random.Random(2026)
    regions, municipalities = _seed_places()
    organisations = {}
    for name, municipality in ORGANISATIONS:
        organisations[name], _ = _get_or_create(
            Organisation, name=name, defaults={"municipality": municipalities[municipality]}
        )

    achterhoek = regions["Achterhoek"]
    admin = _user("admin@example.org", "Ada Beheer", [Role.ADMIN])
    staff = _user("staff@example.org", "Sofie Staf", [Role.STAFF], organisation=None)
    trainer = _user("trainer@example.org", "Anouk de Trainer", [Role.TRAINER])
    trainer2 = _user("marco.jansen@example.org", "Marco Jansen", [Role.TRAINER])
    coordinator = _user(
        "coordinator@example.org", "Kyra Coördinator", [Role.COORDINATOR],
        region=achterhoek, organisation=None,
    )
    coordinator.coordinated_regions = [achterhoek]
    coach = _user(
        "coach@example.org", "Sanne Bakker", [Role.COACH],
        region=achterhoek, municipality=municipalities["Doetinchem"],
        organisation=organisations["Welzijn Doetinchem"], registration_number="123456",
    )
    del admin

    coaches: dict[str, list[User]] = {name: [] for name in REGIONS}
    region_of_org = {o: municipalities[m].region.name for o, m in ORGANISATIONS}
    index = 0
    plan = [("Achterhoek", 16), ("Rivierenland", 12), ("Utrecht", 8), ("Haaglanden", 5),
            ("Midden-Drenthe", 3), ("Almere", 1)]
    for region_name, count in plan:
        region = regions[region_name]
        for _n in range(count):
            first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[(index * 7) % len(LAST_NAMES)]
            index += 1
            municipality = rng.choice(REGIONS[region_name])
            orgs = [o for o in organisations if region_of_org[o] == region_name]
            user = _user(
                f"{slugify(first)}.{slugify(last)}@example.org",
                f"{first} {last}",
                [Role.COACH],
                region=region,
                municipality=municipalities[municipality],
                organisation=organisations[rng.choice(orgs)] if orgs and rng.random() < 0.8 else None,
                registration_number=str(100000 + index * 37) if rng.random() < 0.75 else None,
            )
            coaches[region_name].append(user)
    coaches["Achterhoek"].insert(0, coach)

    programme = _seed_programme()
    verdieping = _seed_verdieping()
    db.session.flush()

    today = to_local(now).date()
    # Completed cohorts, with attendance, finished modules and certificates.
    def cohort(programme, region, place, first, status, capacity, trainers, municipality=None, prefix=""):
        return _cohort(now, programme, region, prefix + _title(place, first), first, status, capacity, trainers,
                       municipality)

    past_a = cohort(programme, achterhoek, "Achterhoek", _tuesday_near(today - timedelta(days=400)),
                    CohortStatus.COMPLETED, 14, [trainer])
    past_b = cohort(programme, regions["Rivierenland"], "Rivierenland", _tuesday_near(today - timedelta(days=220)),
                    CohortStatus.COMPLETED, 12, [trainer2], municipalities["Tiel"])
    # Running now (closed for enrolment).
    current = cohort(programme, achterhoek, "Achterhoek", _tuesday_near(today - timedelta(days=35)),
                     CohortStatus.CLOSED, 16, [trainer], municipalities["Doetinchem"])
    # Open cohorts: one full with a waitlist, one with a cancelled session, and one across each
    # change of the clocks (the next ones, whatever day the demo is seeded).
    full = cohort(programme, regions["Utrecht"], "Utrecht", _tuesday_near(today + timedelta(days=45)),
                  CohortStatus.OPEN, 6, [trainer])
    haaglanden = cohort(programme, regions["Haaglanden"], "Haaglanden",
                        _tuesday_near(_next_dst_change(today + timedelta(days=20), 3) - timedelta(days=13)),
                        CohortStatus.OPEN, 16, [trainer])
    cohort(programme, regions["Rivierenland"], "Rivierenland",
           _tuesday_near(_next_dst_change(today + timedelta(days=20), 10) - timedelta(days=13)),
           CohortStatus.OPEN, 12, [trainer2])
    drenthe = cohort(programme, regions["Midden-Drenthe"], "Midden-Drenthe", _tuesday_near(today + timedelta(days=60)),
                     CohortStatus.OPEN, 12, [trainer2], municipalities["Midden-Drenthe"])
    cohort(programme, regions["Almere"], "Almere", _tuesday_near(today + timedelta(days=200)),
           CohortStatus.DRAFT, 14, [])
    verdieping_past = cohort(verdieping, achterhoek, "Achterhoek", _tuesday_near(today - timedelta(days=150)),
                             CohortStatus.COMPLETED, 12, [trainer], prefix="Verdieping ")
    db.session.flush()

    # A cancelled session in Midden-Drenthe, replaced by a new date a week later.
    cancelled = drenthe.sessions[1]
    cancelled.status = SessionStatus.CANCELLED
    cancelled.cancelled_at = now
    cancelled.sequence += 1
    cancelled.changes.append(SessionChange(kind="cancelled", before={"status": "scheduled"},
                                           after={"status": "cancelled"}, changed_at=now, notified_at=now))
    replacement_start = cancelled.starts_at + timedelta(days=7)
    drenthe.sessions.append(Session(
        template_id=cancelled.template_id, kind=cancelled.kind, title=cancelled.title + " (nieuwe datum)",
        starts_at=replacement_start, ends_at=replacement_start + (cancelled.ends_at - cancelled.starts_at),
        address=cancelled.address, room=cancelled.room, net_hours=cancelled.net_hours,
        is_required=cancelled.is_required,
    ))

    _enrol_past(past_a, coaches["Achterhoek"][1:14], now, rng, with_dropout=True)
    _enrol_past(past_b, coaches["Rivierenland"][:10], now, rng, with_dropout=True)
    _enrol_past(verdieping_past, [coach] + coaches["Achterhoek"][1:6], now, rng, with_dropout=False)
    _enrol_current(current, [coach] + coaches["Achterhoek"][14:], now)
    _enrol_open(full, coaches["Utrecht"], now)
    _enrol_open(haaglanden, coaches["Haaglanden"][:3], now)
    _enrol_open(drenthe, coaches["Midden-Drenthe"][:2], now)
    # Older than the three years a Basistraining certificate stays valid: expired certificates.
    expired = _cohort(now, programme, regions["Haaglanden"], "Haaglanden eerste editie",
                      _tuesday_near(today - timedelta(days=3 * 365 + 120)), CohortStatus.COMPLETED, 12, [trainer2],
                      None)
    _enrol_past(expired, coaches["Haaglanden"][3:], now, rng, with_dropout=False)
    _revoke_and_reissue(past_a, staff, now)
    current.followers.append(staff)  # so staff have a cohort in their calendar feed
    enrolment.recount_seats()
    return True


def _seed_places():
    regions, municipalities = {}, {}
    for region_name, names in REGIONS.items():
        region, _ = _get_or_create(Region, name=region_name, defaults={"slug": slugify(region_name)})
        regions[region_name] = region
        for name in names:
            municipalities[name], _ = _get_or_create(Municipality, name=name, defaults={"region": region})
    db.session.flush()
    return regions, municipalities


def _seed_programme() -> Programme:
    programme = Programme(
        title="Basistraining welzijnscoach",
        slug="basistraining-welzijnscoach",
        description=(
            "De blended basistraining voor welzijnscoaches in Welzijn op Recept, ontwikkeld door het Landelijk "
            "Kennisnetwerk Welzijn op Recept met regionale partners. Eén online dagdeel, twee fysieke "
            "bijeenkomsten in je eigen regio en online modules die je in je eigen tempo volgt."
        ),
        net_hours=Decimal("10"),
        accreditation_body="Registerplein",
        accreditation_course_id="RP-2026-41873",
        accreditation_points=Decimal("10"),
        validity_years=3,
        cancellation_deadline_days=7,
        requires_approval=False,
        offer_hours=48,
        contact_email="opleidingen@welzijnoprecept.example.org",
    )
    for position, (title, summary, lessons, questions) in enumerate(MODULES, start=1):
        module = Module(position=position, title=title, summary=summary, pass_mark=70)
        add_content(module, lessons, questions)
        programme.modules.append(module)
    for kind, title, start, minutes, offset, hours in PATTERN:
        programme.session_templates.append(
            SessionTemplate(kind=kind, title=title, start_time=start, duration_minutes=minutes,
                            day_offset=offset, is_required=True, net_hours=hours)
        )
    db.session.add(programme)
    return programme


def _seed_verdieping() -> Programme:
    programme = Programme(
        title="Verdieping: groepsaanbod en netwerk",
        slug="verdieping-groepsaanbod-en-netwerk",
        description="Een verdiepende bijeenkomst voor welzijnscoaches die de basistraining hebben afgerond.",
        net_hours=Decimal("3"),
        accreditation_body="Registerplein",
        accreditation_course_id="RP-2026-52210",
        accreditation_points=Decimal("3"),
        validity_years=None,
        cancellation_deadline_days=3,
    )
    module = Module(position=1, title="Een netwerk rond de deelnemer", summary="Samenwerken met vrijwilligers.",
                    pass_mark=None)
    module.lessons.append(Lesson(position=1, title="Netwerkkaart",
                                 body="## Netwerkkaart\n\nBreng samen met de deelnemer het netwerk in kaart."))
    programme.modules.append(module)
    programme.session_templates.append(
        SessionTemplate(kind=SessionKind.IN_PERSON, title="Verdiepingsbijeenkomst", start_time=time(13, 30),
                        duration_minutes=210, day_offset=0, is_required=True, net_hours=Decimal("3"))
    )
    db.session.add(programme)
    return programme


def _cohort(now, programme, region, title, first, status, capacity, trainers, municipality) -> Cohort:
    cohort = Cohort(
        programme=programme, region=region, municipality=municipality, title=title, status=status,
        capacity=capacity, description=f"{programme.title} in de regio {region.name}.",
    )
    cohort.trainers = list(trainers)
    db.session.add(cohort)
    _sessions_for(cohort, programme, first, region.name)
    opens = local_to_utc(first - timedelta(days=90), time(9, 0))
    if status == CohortStatus.OPEN:
        # Open cohorts of the demo take enrolments right away.
        opens = min(opens, now - timedelta(days=14))
    cohort.enrol_opens_at = opens
    cohort.enrol_closes_at = local_to_utc(first - timedelta(days=7), time(23, 59))
    return cohort


def _enrol_past(cohort: Cohort, members: list[User], now: datetime, rng, with_dropout: bool) -> None:
    db.session.flush()
    last = max(s.ends_at for s in cohort.sessions)
    for i, user in enumerate(members):
        held = enrolment.enrol(cohort, user, cohort.enrol_opens_at + timedelta(days=1, hours=i))
        db.session.flush()
        dropout = with_dropout and i == len(members) - 1
        for position, session in enumerate(cohort.sessions):
            status = AttendanceStatus.PRESENT
            if dropout and position == len(cohort.sessions) - 1:
                status = AttendanceStatus.ABSENT
            elif with_dropout and i == 2 and position == 1:
                status = AttendanceStatus.EXCUSED
            attendance.register(session, user, status, cohort.trainers[0])
        complete_learning(user, cohort.programme, cohort.starts_at + timedelta(days=10), rng,
                          share=0.6 if dropout else 1.0)
        excused = with_dropout and i == 2
        if not dropout and not excused:
            enrolment.complete(held, last)
            db.session.flush()
            issue_certificate(held, last + timedelta(hours=1))


def _revoke_and_reissue(cohort: Cohort, staff: User, now: datetime) -> None:
    """One certificate revoked, one reissued after a name correction: every state can be verified."""
    db.session.flush()
    certificates = db.session.execute(
        sa.select(Certificate).where(Certificate.cohort_id == cohort.id).order_by(Certificate.id)
    ).scalars().all()
    revoke_certificate(staff, certificates[3], "Uitgegeven voor de verkeerde groep; bij controle gecorrigeerd.",
                       now - timedelta(days=30), reason=RevocationReason.ISSUED_IN_ERROR)
    corrected = certificates[4]
    corrected.user.name = f"{corrected.user.name}-de Wit"
    reissue_certificate(staff, corrected, "Naam gecorrigeerd op verzoek van de deelnemer (achternaam partner).",
                        now - timedelta(days=20))


def _enrol_current(cohort: Cohort, members: list[User], now: datetime) -> None:
    db.session.flush()
    rng = random.Random(7)
    for i, user in enumerate(members):
        enrolment.enrol(cohort, user, cohort.enrol_opens_at + timedelta(days=2, hours=i))
        for session in cohort.sessions:
            if session.ends_at < now:
                status = AttendanceStatus.PRESENT if (i + session.id) % 6 else AttendanceStatus.ABSENT
                attendance.register(session, user, status, cohort.trainers[0])
        complete_learning(user, cohort.programme, cohort.starts_at + timedelta(days=3), rng, share=0.5)


def _enrol_open(cohort: Cohort, members: list[User], now: datetime) -> None:
    db.session.flush()
    for i, user in enumerate(members):
        created = now - timedelta(days=20) + timedelta(hours=i)
        if i < cohort.capacity:
            enrolment.enrol(cohort, user, created)
        else:
            enrolment.waitlist(cohort, user, created)
