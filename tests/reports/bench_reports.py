"""Measure the reports at national scale: 10,000 coaches, 600 cohorts, 50,000 enrolments.

Not a test (pytest does not collect it) but a measurement, as the issue asks. It drops and
rebuilds the schema of the database it is given, so run it against a throwaway one:

    scripts/with-postgres.sh .venv/bin/python -m tests.reports.bench_reports
    .venv/bin/python -m tests.reports.bench_reports            # SQLite in /tmp

It bulk-inserts the data (all enrolments in one programme, five per coach: the worst case
for make-ups), then requests each report page five times as staff and as a coordinator,
with /healthz as the same-run baseline, and prints a Markdown table of median and maximum
times and SQL statements per request.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time as clock
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa

SEED = 2026
COACHES = 10_000
COHORTS = 600
ENROLMENTS_PER_COACH = 5
SQLITE_FILE = "/tmp/reports-bench.sqlite3"


def build(db, now):
    from lms.attendance.models import Attendance
    from lms.auth.models import User, UserRole, coordinator_region
    from lms.certificates.models import Certificate
    from lms.cohorts.models import Cohort, Session
    from lms.demo import REGIONS, _password_hash
    from lms.enrolment.models import Enrolment
    from lms.i18n import local_to_utc
    from lms.programmes.models import Programme, SessionKind, SessionTemplate
    from lms.regions.models import Municipality, Region

    rng = random.Random(SEED)
    regions, municipalities = [], []
    for name, towns in REGIONS.items():
        region = Region(name=name, slug=name.lower().replace(" ", "-"))
        region.municipalities = [Municipality(name=t) for t in towns]
        regions.append(region)
        municipalities += region.municipalities
    programme = Programme(title="Basistraining welzijnscoach", slug="basis", net_hours=Decimal(10))
    programme.session_templates = [
        SessionTemplate(kind=SessionKind.ONLINE, title="Online", start_time=time(9), duration_minutes=210, day_offset=0),
        SessionTemplate(kind=SessionKind.IN_PERSON, title="B1", start_time=time(13, 30), duration_minutes=210, day_offset=14),
        SessionTemplate(kind=SessionKind.IN_PERSON, title="B2", start_time=time(13, 30), duration_minutes=210, day_offset=35),
    ]
    db.session.add_all(regions + [programme])
    db.session.flush()
    templates = programme.session_templates

    staff = User(email="staff@bench.example", name="Staf", password_hash=_password_hash())
    coordinator = User(email="coordinator@bench.example", name="Coördinator", password_hash=_password_hash())
    db.session.add_all([staff, coordinator])
    db.session.flush()
    db.session.execute(sa.insert(UserRole), [{"user_id": staff.id, "role": "staff"},
                                             {"user_id": coordinator.id, "role": "coordinator"}])
    db.session.execute(sa.insert(coordinator_region), [{"user_id": coordinator.id, "region_id": regions[0].id}])

    pw = _password_hash()
    coach_rows = []
    for i in range(COACHES):
        m = rng.choice(municipalities)
        coach_rows.append({"email": f"coach{i}@bench.example", "name": f"Coach {i:05d}", "password_hash": pw,
                           "region_id": m.region_id, "municipality_id": m.id, "session_token": f"t{i}",
                           "registration_number": str(300000 + i) if rng.random() < 0.75 else None,
                           "locale": "nl", "is_active": True, "wants_reminders": True,
                           "created_at": now, "updated_at": now})
    db.session.execute(sa.insert(User), coach_rows)
    coach_ids = list(db.session.execute(sa.select(User.id).where(User.email.like("coach%"))).scalars())
    db.session.execute(sa.insert(UserRole), [{"user_id": u, "role": "coach"} for u in coach_ids])

    cohort_rows = []
    first_days = []
    for n in range(COHORTS):
        region = regions[n % len(regions)]
        first = date(2024, 1, 9) + timedelta(days=(n * 3) % 1000)
        first_days.append(first)
        cohort_rows.append({"programme_id": programme.id, "region_id": region.id, "title": f"Groep {n}",
                            "description": "", "status": "completed" if first < now.date() else "open",
                            "capacity": 100, "starts_at": local_to_utc(first, time(9)),
                            "seats_taken": 0, "waitlist_counter": 0, "created_at": now, "updated_at": now})
    db.session.execute(sa.insert(Cohort), cohort_rows)
    cohorts = list(db.session.execute(sa.select(Cohort.id, Cohort.region_id).order_by(Cohort.id)).all())
    session_rows = []
    for (cohort_id, _), first in zip(cohorts, first_days):
        for t in templates:
            starts = local_to_utc(first + timedelta(days=t.day_offset), t.start_time)
            session_rows.append({"cohort_id": cohort_id, "template_id": t.id, "kind": t.kind.value, "title": t.title,
                                 "starts_at": starts, "ends_at": starts + timedelta(minutes=t.duration_minutes),
                                 "net_hours": Decimal("3.5"), "is_required": True, "status": "scheduled",
                                 "sequence": 0, "created_at": now, "updated_at": now})
    db.session.execute(sa.insert(Session), session_rows)
    sessions: dict[int, list[tuple[int, int]]] = {}
    for sid, cid, tid in db.session.execute(sa.select(Session.id, Session.cohort_id, Session.template_id)
                                            .order_by(Session.starts_at)):
        sessions.setdefault(cid, []).append((sid, tid))

    enrolment_rows, attendance_rows = [], []
    by_region: dict[int, list[int]] = {}
    for cohort_id, region_id in cohorts:
        by_region.setdefault(region_id, []).append(cohort_id)
    user_region = {u: r for u, r in db.session.execute(sa.select(User.id, User.region_id).where(User.id.in_(coach_ids)))}
    for u in coach_ids:
        chosen = rng.sample(by_region[user_region[u]], ENROLMENTS_PER_COACH)
        for k, cohort_id in enumerate(chosen):
            status = ("completed", "completed", "cancelled", "completed", rng.choice(["enrolled", "waitlisted"]))[k]
            enrolment_rows.append({"cohort_id": cohort_id, "user_id": u, "programme_id": programme.id, "status": status,
                                   "waitlist_position": 1 if status == "waitlisted" else None,
                                   "is_overbooked": False, "created_at": now, "updated_at": now})
            if status in ("completed", "enrolled") and k < 2:
                for sid, _ in sessions[cohort_id]:
                    attendance_rows.append({"session_id": sid, "user_id": u, "recorded_at": now,
                                            "status": "present" if rng.random() < 0.9 else "absent"})
    db.session.execute(sa.insert(Enrolment), enrolment_rows)
    seen = set()
    unique_attendance = []
    for row in attendance_rows:
        key = (row["session_id"], row["user_id"])
        if key not in seen:
            seen.add(key)
            unique_attendance.append(row)
    db.session.execute(sa.insert(Attendance), unique_attendance)
    completed = list(db.session.execute(
        sa.select(Enrolment.id, Enrolment.user_id, Enrolment.cohort_id).where(Enrolment.status == "completed").limit(5000)))
    db.session.execute(sa.insert(Certificate), [
        {"number": f"WOR-B-{i:06d}", "verification_id": f"v{i}", "user_id": u, "enrolment_id": e,
         "programme_id": programme.id, "cohort_id": c, "issued_at": now, "snapshot": {}}
        for i, (e, u, c) in enumerate(completed)])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    return {"regions": regions[0].id, "cohort": cohorts[0][0], "enrolments": len(enrolment_rows),
            "attendance": len(unique_attendance), "certificates": len(completed)}


def main() -> int:
    from flask_migrate import upgrade

    from lms import create_app
    from lms.config import TestConfig
    from lms.extensions import db

    config = TestConfig()
    url = os.environ.get("TEST_DATABASE_URL")
    if url is None:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(SQLITE_FILE + suffix):
                os.remove(SQLITE_FILE + suffix)
        url = f"sqlite:///{SQLITE_FILE}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    config.SQLALCHEMY_DATABASE_URI = url
    config.WTF_CSRF_ENABLED = False
    app = create_app(config)
    now = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
    with app.app_context():
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        upgrade()
        started = clock.perf_counter()
        info = build(db, now)
        print(f"database: {db.engine.dialect.name}; built in {clock.perf_counter() - started:.1f} s: {info}")
        statements: list[str] = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    region, cohort = info["regions"], info["cohort"]
    pages = [
        ("baseline: /healthz", "/healthz"),
        ("dashboard, all regions", "/reports/"),
        ("dashboard, one region", f"/reports/?region={region}"),
        ("dashboard, one region, one year", f"/reports/?region={region}&from_date=2025-01-01&to_date=2025-12-31"),
        ("CSV export, all regions", "/reports/export.csv"),
        ("XLSX export, all regions", "/reports/export.xlsx"),
        ("cohort list, one region", f"/reports/cohorts?region={region}"),
        ("coach list, one region", f"/reports/coaches?region={region}"),
        ("cohort page", f"/reports/cohorts/{cohort}"),
        ("accreditation list", f"/reports/cohorts/{cohort}/accreditation"),
        ("start page (panel)", "/"),
    ]
    print(f"load average before the requests: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("\n| page | role | median ms | max ms | SQL statements |\n|---|---|---|---|---|")
    for role, email in (("staff", "staff@bench.example"), ("coordinator", "coordinator@bench.example")):
        client = app.test_client()
        client.post("/login", data={"email": email, "password": "Demo-Welzijn-2026"})
        for label, path in pages:
            timings = []
            for _ in range(5):
                statements.clear()
                started = clock.perf_counter()
                response = client.get(path)
                timings.append((clock.perf_counter() - started) * 1000)
            if response.status_code == 403:
                continue
            assert response.status_code == 200, (path, response.status_code)
            print(f"| {label} | {role} | {statistics.median(timings):.0f} | {max(timings):.0f} | {len(statements)} |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
