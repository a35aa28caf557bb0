"""A national-scale dataset, made quickly with bulk inserts and reproducible from a seed.

At least 10,000 coaches across all regions, 600 cohorts, 50,000 enrolments, 150,000
attendance records and 5,000 certificates. Rows go in with Core ``insert`` and
executemany in large chunks; ids are assigned here so rows can refer to each other
without reading back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa

from lms.attendance.models import Attendance
from lms.auth.models import User, UserRole, coordinator_region
from lms.auth.passwords import hash_password
from lms.certificates.models import Certificate, StatusList
from lms.certificates.openbadges.status import LIST_SIZE
from lms.certificates.services import NUMBER_ALPHABET
from lms.cohorts.models import Cohort, Session, cohort_follower, cohort_trainer
from lms.demo import REGIONS, slugify
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.i18n import LOCAL_TZ as LOCAL
from lms.i18n import local_to_utc
from lms.learning.models import Lesson, LessonCompletion
from lms.programmes.models import Module, Programme, SessionTemplate
from lms.regions.models import Municipality, Organisation, Region

PASSWORD = "Bench-Welzijn-2026"
CHUNK = 5000
UTC = timezone.utc

SECOND_FACTOR_ROLES = frozenset({"staff", "coordinator", "admin"})


@dataclass
class Scale:
    coaches: int = 10_000
    cohorts: int = 600
    enrolments: int = 50_000
    attendance: int = 150_000
    certificates: int = 5_000


@dataclass
class Dataset:
    """Ids the benchmark needs to reach every page with real objects."""

    counts: dict = field(default_factory=dict)
    staff_id: int = 0
    admin_id: int = 0
    coach_id: int = 0  # enrolled in a running cohort, with a certificate
    feed_trainer_id: int = 0  # teaches enough cohorts for a feed of about 200 events
    roster_cohort_id: int = 0
    open_cohort_ids: list[int] = field(default_factory=list)
    enrol_coach_ids: list[int] = field(default_factory=list)  # coaches free to enrol in the open cohorts
    certificate_id: int = 0
    verification_id: str = ""
    now: datetime | None = None
    region_id: int = 0
    programme_id: int = 0


def _insert(model_or_table, rows: list[dict]) -> None:
    table = getattr(model_or_table, "__table__", model_or_table)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(table), rows[start:start + CHUNK])


TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _token(rng: random.Random) -> str:
    """32 URL-safe characters from the seeded generator, so a run can be repeated exactly."""
    return "".join(rng.choice(TOKEN_ALPHABET) for _ in range(32))


def _advance_sequences() -> None:
    """Rows went in with explicit ids; move PostgreSQL's sequences past them for later inserts."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"
            ))


def build(now: datetime, seed: int = 2026, scale: Scale | None = None) -> Dataset:
    """Fill an empty, migrated database; returns the ids the benchmark uses."""
    scale = scale or Scale()
    rng = random.Random(seed)
    # Dates are placed around ``now``, so "past", "running" and "open" hold whenever it runs.
    today = now.astimezone(LOCAL).date()
    data = Dataset(now=now)
    hashed = hash_password(PASSWORD)

    # Places ---------------------------------------------------------------------------
    region_rows, municipality_rows = [], []
    municipality_region: dict[int, int] = {}
    mid = 0
    for rid, (region_name, names) in enumerate(REGIONS.items(), start=1):
        region_rows.append({"id": rid, "name": region_name, "slug": slugify(region_name)})
        for name in names:
            mid += 1
            municipality_rows.append({"id": mid, "name": name, "region_id": rid})
            municipality_region[mid] = rid
    _insert(Region, region_rows)
    _insert(Municipality, municipality_rows)
    organisation_rows = [{"id": i, "name": f"Welzijnsorganisatie {m['name']} {i}", "municipality_id": m["id"]}
                         for i, m in enumerate(municipality_rows * 2, start=1)]
    _insert(Organisation, organisation_rows)
    data.region_id = 1

    # People ---------------------------------------------------------------------------
    users, roles = [], []
    uid = 0

    def person(name: str, email: str, role: str, municipality_id: int | None = None, **extra) -> int:
        nonlocal uid
        uid += 1
        region_id = municipality_region.get(municipality_id) if municipality_id else extra.pop("region_id", None)
        users.append({
            "id": uid, "email": email, "name": name, "password_hash": hashed, "locale": "nl",
            "region_id": region_id, "municipality_id": municipality_id,
            "organisation_id": extra.get("organisation_id"), "registration_number": extra.get("registration_number"),
            "is_active": True, "wants_reminders": True, "session_token": _token(rng), "created_at": now,
            "updated_at": now,
            # Staff, coordinators and admins must have a second factor, or every page sends them to set one up.
            "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" if role in SECOND_FACTOR_ROLES else None,
            "totp_enabled_at": now if role in SECOND_FACTOR_ROLES else None,
        })
        roles.append({"user_id": uid, "role": role, "granted_at": now})
        return uid

    data.admin_id = person("Bench Beheer", "admin@bench.example.org", "admin")
    data.staff_id = person("Bench Staf", "staff@bench.example.org", "staff")
    trainers = [person(f"Trainer {i}", f"trainer{i}@bench.example.org", "trainer") for i in range(30)]
    coordinator = person("Bench Coördinator", "coordinator@bench.example.org", "coordinator", region_id=1)
    coaches = []
    for i in range(scale.coaches):
        municipality_id = rng.randint(1, mid)
        coaches.append(person(
            f"Coach {i:05d}", f"coach{i:05d}@bench.example.org", "coach", municipality_id,
            organisation_id=rng.randint(1, len(organisation_rows)) if rng.random() < 0.8 else None,
            registration_number=str(200000 + i) if rng.random() < 0.8 else None,
        ))
    _insert(User, users)
    _insert(UserRole, roles)
    db.session.execute(sa.insert(coordinator_region), [{"user_id": coordinator, "region_id": 1}])

    # Programmes -----------------------------------------------------------------------
    patterns = {
        1: ("Basistraining welzijnscoach", [("online", "Online dagdeel", time(9, 0), 210, 0),
                                             ("in_person", "Bijeenkomst 1", time(13, 30), 210, 14),
                                             ("in_person", "Bijeenkomst 2", time(13, 30), 210, 35)]),
        2: ("Verdieping: groepsaanbod en netwerk", [("in_person", "Verdieping 1", time(13, 30), 180, 0),
                                                    ("in_person", "Verdieping 2", time(13, 30), 180, 21)]),
        3: ("Terugkomdagen welzijnscoach", [("online", "Intervisie online", time(9, 0), 120, 0),
                                            ("in_person", "Terugkomdag 1", time(9, 30), 240, 28),
                                            ("in_person", "Terugkomdag 2", time(9, 30), 240, 56),
                                            ("in_person", "Terugkomdag 3", time(9, 30), 240, 84)]),
    }
    programme_rows, template_rows, module_rows, lesson_rows = [], [], [], []
    templates_of: dict[int, list[dict]] = {}
    tid = lid = mod_id = 0
    lessons_of: dict[int, list[int]] = {}
    for pid, (title, pattern) in patterns.items():
        programme_rows.append({
            "id": pid, "title": title, "slug": slugify(title), "description": title, "net_hours": Decimal("10"),
            "accreditation_body": "Registerplein", "accreditation_course_id": f"RP-BENCH-{pid}",
            "accreditation_points": Decimal("10"), "validity_years": 3,
            "certificate_issuer": "Landelijk Kennisnetwerk Welzijn op Recept", "cancellation_deadline_days": 7,
            "requires_approval": False, "offer_hours": 48, "created_at": now, "updated_at": now,
        })
        templates_of[pid] = []
        for kind, t_title, start, minutes, offset in pattern:
            tid += 1
            row = {"id": tid, "programme_id": pid, "kind": kind, "title": t_title, "start_time": start,
                   "duration_minutes": minutes, "day_offset": offset, "is_required": True,
                   "net_hours": Decimal("3")}
            template_rows.append(row)
            templates_of[pid].append(row)
        lessons_of[pid] = []
        for position in range(1, 6):
            mod_id += 1
            module_rows.append({"id": mod_id, "programme_id": pid, "position": position, "title": f"Module {position}",
                                "summary": "", "is_required": True, "pass_mark": 70, "updated_at": now})
            for lp in range(1, 4):
                lid += 1
                lesson_rows.append({"id": lid, "module_id": mod_id, "position": lp, "title": f"Les {lp}",
                                    "body": f"## Les {lp}\n\nTekst van de les.", "updated_at": now})
                lessons_of[pid].append(lid)
    _insert(Programme, programme_rows)
    _insert(SessionTemplate, template_rows)
    _insert(Module, module_rows)
    _insert(Lesson, lesson_rows)
    data.programme_id = 1

    # Cohorts and sessions -------------------------------------------------------------
    cohort_rows, session_rows, trainer_rows = [], [], []
    cohort_sessions: dict[int, list[dict]] = {}
    sid = 0
    span_days = 3 * 365
    first_day0 = today - timedelta(days=2 * 365)
    for cid in range(1, scale.cohorts + 1):
        pid = 1 if cid % 5 < 3 else (2 if cid % 5 == 3 else 3)
        region_id = (cid - 1) % len(region_rows) + 1
        first = first_day0 + timedelta(days=(cid * 997) % span_days)
        if cid == 1:  # always one running Basistraining cohort, for the measured coach
            pid, first = 1, today - timedelta(days=20)
        if first + timedelta(days=90) < today:
            status = "completed"
        elif first <= today:
            status = "closed"
        else:
            status = "open"
        capacity = 120
        cohort_rows.append({
            "id": cid, "programme_id": pid, "region_id": region_id, "municipality_id": None,
            "title": f"{region_rows[region_id - 1]['name']} {first.isoformat()} #{cid}", "description": "",
            "status": status, "capacity": capacity, "seats_taken": 0, "waitlist_counter": 0,
            # Open cohorts take enrolments now, so the enrol POST measures the real seat-taking path.
            "enrol_opens_at": min(local_to_utc(first - timedelta(days=120), time(0, 0)), now - timedelta(days=1)),
            "enrol_closes_at": local_to_utc(first - timedelta(days=2), time(23, 59)),
            "starts_at": local_to_utc(first, templates_of[pid][0]["start_time"]),
            "created_at": now, "updated_at": now,
        })
        cohort_sessions[cid] = []
        for template in templates_of[pid]:
            sid += 1
            day = first + timedelta(days=template["day_offset"])
            starts = local_to_utc(day, template["start_time"])
            row = {
                "id": sid, "cohort_id": cid, "template_id": template["id"], "kind": template["kind"],
                "title": template["title"], "starts_at": starts,
                "ends_at": starts + timedelta(minutes=template["duration_minutes"]),
                "address": "Dorpsstraat 1, Ergens" if template["kind"] == "in_person" else None, "room": None,
                "video_url": f"https://meet.example.org/bench-{sid}" if template["kind"] == "online" else None,
                "net_hours": Decimal("3"), "is_required": True, "status": "scheduled", "sequence": 0,
                "created_at": now, "updated_at": now,
            }
            session_rows.append(row)
            cohort_sessions[cid].append(row)
        # Trainers other than the feed's take the cohorts in turn (at scale 10 the rotation gave
        # the feed's trainer ten times the cohorts, and the feed twice the events).
        trainer_rows.append({"cohort_id": cid, "user_id": trainers[1 + cid % (len(trainers) - 1)]})
    # One trainer teaches just enough cohorts for a feed of about 200 events (90 days back onward).
    feed_trainer = trainers[0]
    upcoming = [c for c in cohort_rows if c["starts_at"] >= now - timedelta(days=60)]
    events = 0
    for cohort in upcoming:
        if events >= 200:
            break
        if not any(r["cohort_id"] == cohort["id"] and r["user_id"] == feed_trainer for r in trainer_rows):
            trainer_rows.append({"cohort_id": cohort["id"], "user_id": feed_trainer})
        events += len(cohort_sessions[cohort["id"]])
    data.feed_trainer_id = feed_trainer
    _insert(Cohort, cohort_rows)
    _insert(Session, session_rows)
    db.session.execute(sa.insert(cohort_trainer), trainer_rows)
    db.session.execute(sa.insert(cohort_follower), [{"cohort_id": c["id"], "user_id": data.staff_id}
                                                   for c in upcoming[:20]])

    # Enrolments -----------------------------------------------------------------------
    enrolment_rows, attendance_rows, completion_rows = [], [], []
    seats = {c["id"]: 0 for c in cohort_rows}
    waitlist = {c["id"]: 0 for c in cohort_rows}
    by_programme: dict[int, list[dict]] = {1: [], 2: [], 3: []}
    for cohort in cohort_rows:
        by_programme[cohort["programme_id"]].append(cohort)
    taken: set[tuple[int, int]] = set()
    active: set[tuple[int, int]] = set()
    eid = 0
    completed_ids: list[tuple[int, dict]] = []
    open_cohorts = [c for c in cohort_rows if c["status"] == "open"]

    def enrol(user_id: int, cohort: dict, status: str) -> None:
        nonlocal eid
        key = (cohort["id"], user_id)
        if key in taken:
            return
        pid = cohort["programme_id"]
        if status in ("enrolled", "waitlisted") and (user_id, pid) in active:
            status = "cancelled"
        taken.add(key)
        eid += 1
        created = cohort["enrol_opens_at"] + timedelta(hours=rng.randint(1, 2000))
        row = {
            "id": eid, "cohort_id": cohort["id"], "user_id": user_id, "programme_id": pid, "status": status,
            "waitlist_position": None, "created_at": created, "updated_at": created, "is_overbooked": False,
            "enrolled_at": created if status in ("enrolled", "completed") else None,
            "completed_at": cohort["starts_at"] + timedelta(days=90) if status == "completed" else None,
            "cancelled_at": created + timedelta(days=3) if status == "cancelled" else None,
            "cancel_reason": "Geannuleerd door de coach" if status == "cancelled" else None,
        }
        if status == "waitlisted":
            waitlist[cohort["id"]] += 1
            row["waitlist_position"] = waitlist[cohort["id"]]
        if status in ("enrolled", "completed", "pending", "offered"):
            seats[cohort["id"]] += 1
        if status in ("enrolled", "waitlisted", "pending", "offered"):
            active.add((user_id, pid))
        enrolment_rows.append(row)
        if status == "completed":
            completed_ids.append((eid, cohort))
        # Attendance for every session that has already taken place.
        if status in ("enrolled", "completed"):
            for session in cohort_sessions[cohort["id"]]:
                if session["ends_at"] < now:
                    present = status == "completed" or rng.random() < 0.9
                    attendance_rows.append({
                        "session_id": session["id"], "user_id": user_id,
                        "status": "present" if present else rng.choice(["absent", "excused"]),
                        "recorded_at": session["ends_at"], "recorded_by_id": trainer_rows[0]["user_id"],
                    })

    # Keep a pool of coaches who are not active anywhere, free to enrol during the benchmark.
    pool_size = min(2000, len(coaches) // 5)
    free_pool = coaches[-pool_size:]
    busy = coaches[:-pool_size]
    i = 0
    while eid < scale.enrolments:
        user_id = busy[i % len(busy)]
        i += 1
        pid = rng.choice([1, 1, 1, 2, 3])
        cohort = rng.choice(by_programme[pid])
        if cohort["status"] == "completed":
            status = "completed" if rng.random() < 0.85 else "cancelled"
        elif cohort["status"] == "closed":
            status = "enrolled" if rng.random() < 0.9 else "cancelled"
        else:
            status = "enrolled" if seats[cohort["id"]] < cohort["capacity"] - 30 else "waitlisted"
            if rng.random() < 0.1:
                status = "cancelled"
        enrol(user_id, cohort, status)
    for cohort in cohort_rows:
        cohort["seats_taken"] = seats[cohort["id"]]
        cohort["waitlist_counter"] = waitlist[cohort["id"]]

    # Make-up sessions and registered absences until the attendance count is national scale too.
    past_sessions = [s for s in session_rows if s["ends_at"] < now]
    seen = {(a["session_id"], a["user_id"]) for a in attendance_rows}
    while len(attendance_rows) < scale.attendance:
        session = rng.choice(past_sessions)
        user_id = rng.choice(busy)
        if (session["id"], user_id) in seen:
            continue
        seen.add((session["id"], user_id))
        attendance_rows.append({"session_id": session["id"], "user_id": user_id,
                                "status": rng.choice(["present", "absent", "excused"]),
                                "recorded_at": session["ends_at"], "recorded_by_id": trainer_rows[0]["user_id"]})

    # The coach whose pages are measured: running Basistraining cohort, a certificate, learning progress.
    running = next(c for c in cohort_rows if c["status"] == "closed" and c["programme_id"] == 1)
    data.coach_id = busy[0]
    for row in enrolment_rows:
        if row["user_id"] == data.coach_id and row["programme_id"] == 1 and row["status"] in ("enrolled", "waitlisted"):
            row["status"], row["cancelled_at"] = "cancelled", now
            active.discard((data.coach_id, 1))
    enrol(data.coach_id, running, "enrolled")
    # Whatever the scale, the measured coach is in the same state: missed the first session, was at the rest.
    attendance_rows = [a for a in attendance_rows if a["user_id"] != data.coach_id]
    for n, session in enumerate(s for s in cohort_sessions[running["id"]] if s["ends_at"] < now):
        attendance_rows.append({"session_id": session["id"], "user_id": data.coach_id,
                                "status": "absent" if n == 0 else "present",
                                "recorded_at": session["ends_at"], "recorded_by_id": trainer_rows[0]["user_id"]})
    for lesson_id in lessons_of[1][:7]:
        completion_rows.append({"user_id": data.coach_id, "lesson_id": lesson_id, "completed_at": now})
    _insert(Enrolment, enrolment_rows)
    unique: dict[tuple[int, int], dict] = {}
    for row in attendance_rows:
        unique.setdefault((row["session_id"], row["user_id"]), row)
    attendance_rows = list(unique.values())
    _insert(Attendance, attendance_rows)
    _insert(LessonCompletion, completion_rows)
    for cohort in cohort_rows:
        db.session.execute(sa.update(Cohort).where(Cohort.id == cohort["id"]).values(
            seats_taken=seats[cohort["id"]], waitlist_counter=waitlist[cohort["id"]]))

    # Certificates ---------------------------------------------------------------------
    certificate_rows = []
    numbers: set[str] = set()
    coach_certificate = None
    chosen = completed_ids[: scale.certificates]
    # Each certificate's entry in the (one) Open Badges revocation list, at a random free index.
    _insert(StatusList, [{"id": 1, "created_at": now, "updated_at": now}])
    status_indexes = rng.sample(range(LIST_SIZE), len(chosen))
    for n, (enrolment_id, cohort) in enumerate(chosen, start=1):
        enrolment = enrolment_rows[enrolment_id - 1]
        while True:
            body = "".join(rng.choice(NUMBER_ALPHABET) for _ in range(8))
            number = f"WOR-{cohort['starts_at'].year}-{body[:4]}-{body[4:]}"
            if number not in numbers:
                numbers.add(number)
                break
        issued = enrolment["completed_at"]
        certificate_rows.append({
            "id": n, "number": number, "verification_id": _token(rng), "user_id": enrolment["user_id"],
            "enrolment_id": enrolment_id, "programme_id": cohort["programme_id"], "cohort_id": cohort["id"],
            "issued_at": issued, "valid_until": issued.date() + timedelta(days=3 * 365),
            "status_list_id": 1, "status_index": status_indexes[n - 1],
            "snapshot": {
                "holder_name": users[enrolment["user_id"] - 1]["name"],
                "programme_title": patterns[cohort["programme_id"]][0], "cohort_title": cohort["title"],
                "region": region_rows[cohort["region_id"] - 1]["name"], "municipality": None,
                "sessions": [{"title": s["title"], "kind": s["kind"], "starts_at": s["starts_at"].isoformat(),
                              "ends_at": s["ends_at"].isoformat()} for s in cohort_sessions[cohort["id"]]],
                "net_hours": "10", "accreditation_body": "Registerplein",
                "accreditation_course_id": f"RP-BENCH-{cohort['programme_id']}", "accreditation_points": "10",
                "registration_number": users[enrolment["user_id"] - 1]["registration_number"],
                "issuer": "Landelijk Kennisnetwerk Welzijn op Recept", "issued_on": issued.date().isoformat(),
                "completed_on": issued.date().isoformat(),
                "valid_until": (issued.date() + timedelta(days=3 * 365)).isoformat(),
            },
        })
        if enrolment["user_id"] == data.coach_id:
            coach_certificate = certificate_rows[-1]
    if coach_certificate is None:
        # Give the measured coach a certificate of their own as well.
        certificate_rows[0]["user_id"] = data.coach_id
        coach_certificate = certificate_rows[0]
    _insert(Certificate, certificate_rows)
    data.certificate_id = coach_certificate["id"]
    data.verification_id = certificate_rows[len(certificate_rows) // 2]["verification_id"]

    # Pages and POSTs to measure -------------------------------------------------------
    data.roster_cohort_id = max(cohort_rows, key=lambda c: seats[c["id"]] + waitlist[c["id"]])["id"]
    data.open_cohort_ids = [c["id"] for c in open_cohorts]
    data.enrol_coach_ids = free_pool
    _advance_sequences()
    db.session.commit()
    data.counts = {
        "coaches": len(coaches), "cohorts": len(cohort_rows), "sessions": len(session_rows),
        "enrolments": len(enrolment_rows), "attendance": len(attendance_rows), "certificates": len(certificate_rows),
    }
    return data
