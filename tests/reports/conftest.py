"""A hand-built dataset whose figures are worked out by hand in its docstring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.attendance.models import Attendance, AttendanceStatus
from lms.auth.models import Role
from lms.certificates.models import Certificate, RevocationReason
from lms.certificates.services import issue_certificate
from lms.cohorts.models import CohortStatus, Session, SessionStatus
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.programmes.models import SessionKind
from tests.factories import offer_fields

P, A, X = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED


def enrol(cohort, user, status=EnrolmentStatus.ENROLLED) -> Enrolment:
    enrolment = Enrolment(cohort=cohort, user=user, programme_id=cohort.programme_id, status=status,
                          **(offer_fields(cohort) if status == EnrolmentStatus.OFFERED else {}))
    if status == EnrolmentStatus.WAITLISTED:
        cohort.waitlist_counter += 1
        enrolment.waitlist_position = cohort.waitlist_counter
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def attend(user, *pairs) -> None:
    for session, status in pairs:
        db.session.add(Attendance(session=session, user=user, status=status))
    db.session.flush()


@dataclass
class Dataset:
    programme: object
    other_programme: object
    region: object
    other_region: object
    a: object  # cohorts
    b: object
    f: object
    r: object
    users: dict
    enrolments: dict


@pytest.fixture
def dataset(app, region, other_region, make_user, make_programme, make_cohort, now) -> Dataset:
    """Achterhoek (Doetinchem, Winterswijk, Aalten) and Rivierenland (Tiel, Culemborg).

    Programme P, sessions online / meeting 1 / meeting 2 (template order).

    Cohort A, Achterhoek, 10 March 2026, plus a fourth, not required session without template:
      a1 Doetinchem  present 1,2,3   completed, certified           (reg. 100001)
      a2 Doetinchem  present 1,2,3   completed, certificate revoked (reg. 100002)
      a3 Winterswijk present 1, absent 2 but made it up in R, present 3; enrolled (no reg.)
      a4 Winterswijk present 1, excused 2, absent 3; enrolled         (reg. 100004)
      a5 Aalten      present 1, then withdrew (cancelled)            -> counts nowhere
      a6 Tiel        present 1,2,3   completed, certified           (reg. 100006)
      m1 Doetinchem  present 1, then moved to B (cancelled here)
      rj Aalten      rejected                                        -> counts nowhere
    Cohort B, Achterhoek, 1 September 2026; meeting 1 cancelled and replaced a week later:
      m1 Doetinchem  enrolled; present at the replacement meeting 1 and meeting 2; the
                     online half-day counts as made up (in A)
      b1 Aalten      present online and replacement meeting 1, absent meeting 2
      b2 Doetinchem  pending                                         -> counts nowhere
      b3 Aalten      offered                                         -> waitlisted
    Cohort F, Achterhoek, 16 March 2027: f1 Doetinchem and f2 Winterswijk waitlisted, f3 Aalten enrolled.
    Cohort R, Rivierenland, 7 April 2026: r1 Tiel present 1,2,3, completed, certified.
    Cohort X of another programme, and a cancelled cohort C of P, both in Achterhoek, each
    with an enrolled coach of Doetinchem: neither counts.

    Achterhoek, P, all periods:
                  enrolled waitlisted att1 att2 att3 completed certified
      Doetinchem      3        1        3    3    3      2         1
      Winterswijk     2        1        2    1    1      0         0
      Aalten          2        1        1    1    0      0         0
      Tiel (outside)  1        0        1    1    1      1         1
      region          8        3        7    6    5      3         2    rate 37.5 %
    Made up: att1 1 (m1, Doetinchem), att2 1 (a3, Winterswijk).
    Rivierenland: Tiel 1 enrolled, attended 1/1/1, completed 1, certified 1.
    """
    by_name = {m.name: m for m in region.municipalities}
    doetinchem, winterswijk, aalten = by_name["Doetinchem"], by_name["Winterswijk"], by_name["Aalten"]
    tiel = {m.name: m for m in other_region.municipalities}["Tiel"]

    def coach(name, municipality, number=None, home=region):
        return make_user(Role.COACH, name=name, region=home, municipality=municipality, registration_number=number)

    u = {
        "a1": coach("Anna Aarts", doetinchem, "100001"),
        "a2": coach("Bert Bos", doetinchem, "100002"),
        "a3": coach("Cas Claessen", winterswijk),
        "a4": coach("Dirk Dekker", winterswijk, "100004"),
        "a5": coach("Eva Evers", aalten, "100005"),
        "a6": coach("Fleur Franken", tiel, "100006", home=other_region),
        "m1": coach("Mo Mulder", doetinchem, "100007"),
        "rj": coach("Rik Rots", aalten),
        "b1": coach("Bas Brink", aalten),
        "b2": coach("Bo Berg", doetinchem),
        "b3": coach("Bea Baas", aalten),
        "f1": coach("Fay Feld", doetinchem),
        "f2": coach("Fons Fens", winterswijk),
        "f3": coach("Fem Fokker", aalten),
        "r1": coach("Roos Rijn", tiel, "200001", home=other_region),
        "x1": coach("Xander Xu", doetinchem),
        "c1": coach("Cor Cancel", doetinchem),
    }
    programme = make_programme()
    other_programme = make_programme("Verdieping")
    a = make_cohort(programme, region=region, first=date(2026, 3, 10), status=CohortStatus.COMPLETED, title="Groep A")
    b = make_cohort(programme, region=region, first=date(2026, 9, 1), status=CohortStatus.CLOSED, title="Groep B")
    f = make_cohort(programme, region=region, first=date(2027, 3, 16), title="Groep F")
    r = make_cohort(programme, region=other_region, first=date(2026, 4, 7), status=CohortStatus.COMPLETED,
                    title="Groep R")
    x = make_cohort(other_programme, region=region, first=date(2026, 5, 5), title="Groep X")
    c = make_cohort(programme, region=region, first=date(2026, 6, 2), status=CohortStatus.CANCELLED, title="Groep C")

    # A's extra session: last in time, not required, no template.
    last = a.sessions[-1]
    a.sessions.append(Session(kind=SessionKind.IN_PERSON, title="Terugkomdag", starts_at=last.starts_at + timedelta(days=30),
                              ends_at=last.ends_at + timedelta(days=30), is_required=False))
    # B's meeting 1 is cancelled and replaced a week later (same template).
    cancelled = b.sessions[1]
    cancelled.status = SessionStatus.CANCELLED
    b.sessions.append(Session(template_id=cancelled.template_id, kind=cancelled.kind, title="Bijeenkomst 1 (nieuw)",
                              starts_at=cancelled.starts_at + timedelta(days=7),
                              ends_at=cancelled.ends_at + timedelta(days=7)))
    db.session.flush()
    db.session.refresh(b)
    a1_, a2_, a3_, a_extra = sorted(a.sessions, key=lambda s: s.starts_at)
    b1_, b_cancelled, b2_, b3_ = sorted(b.sessions, key=lambda s: s.starts_at)
    r1_, r2_, r3_ = r.sessions
    assert b_cancelled.status == SessionStatus.CANCELLED

    E = EnrolmentStatus
    e = {}
    e["a1"] = enrol(a, u["a1"], E.COMPLETED)
    attend(u["a1"], (a1_, P), (a2_, P), (a3_, P), (a_extra, A))
    e["a2"] = enrol(a, u["a2"], E.COMPLETED)
    attend(u["a2"], (a1_, P), (a2_, P), (a3_, P))
    e["a3"] = enrol(a, u["a3"])
    attend(u["a3"], (a1_, P), (a2_, A), (r2_, P), (a3_, P))
    e["a4"] = enrol(a, u["a4"])
    attend(u["a4"], (a1_, P), (a2_, X), (a3_, A))
    e["a5"] = enrol(a, u["a5"], E.CANCELLED)
    attend(u["a5"], (a1_, P))
    e["a6"] = enrol(a, u["a6"], E.COMPLETED)
    attend(u["a6"], (a1_, P), (a2_, P), (a3_, P))
    e["m1_a"] = enrol(a, u["m1"], E.CANCELLED)
    attend(u["m1"], (a1_, P))
    e["rj"] = enrol(a, u["rj"], E.REJECTED)

    e["m1"] = enrol(b, u["m1"])
    attend(u["m1"], (b2_, P), (b3_, P))
    e["b1"] = enrol(b, u["b1"])
    attend(u["b1"], (b1_, P), (b2_, P), (b3_, A))
    e["b2"] = enrol(b, u["b2"], E.PENDING)
    e["b3"] = enrol(b, u["b3"], E.OFFERED)

    e["f1"] = enrol(f, u["f1"], E.WAITLISTED)
    e["f2"] = enrol(f, u["f2"], E.WAITLISTED)
    e["f3"] = enrol(f, u["f3"])

    e["r1"] = enrol(r, u["r1"], E.COMPLETED)
    attend(u["r1"], (r1_, P), (r2_, P), (r3_, P))

    e["x1"] = enrol(x, u["x1"], E.COMPLETED)
    attend(u["x1"], *[(s, P) for s in x.sessions])
    e["c1"] = enrol(c, u["c1"])

    for key in ("a1", "a2", "a6", "r1", "x1"):
        issue_certificate(e[key], now - timedelta(days=100))
    db.session.flush()
    revoked = db.session.execute(sa.select(Certificate).where(Certificate.enrolment_id == e["a2"].id)).scalar_one()
    revoked.revoked_at = now - timedelta(days=10)
    revoked.revoke_reason = "Naam verkeerd"
    revoked.public_reason = RevocationReason.ISSUED_IN_ERROR  # a revoked certificate always says why
    db.session.commit()
    return Dataset(programme, other_programme, region, other_region, a, b, f, r, u, e)
