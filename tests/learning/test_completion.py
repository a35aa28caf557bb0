"""The completion rule and its edge cases, on the services (no HTTP)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from lms.attendance.make_up import add_make_up
from lms.attendance.models import AttendanceStatus
from lms.attendance.services import set_attendance
from lms.auth.models import Role
from lms.certificates.checks import snapshot_problems
from lms.certificates.models import Certificate, RevocationReason
from lms.cohorts.models import SessionStatus
from lms.completion.progress import SessionState, progress_for
from lms.completion.services import ChangeKind, evaluate
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.i18n import to_local
from lms.learning.models import Lesson
from lms.learning.quiz import submit_quiz
from lms.learning.services import delete_lesson, mark_lesson_done, save_lesson
from lms.notifications.models import OutboxMail
from tests.conftest import NOW


def certificates_of(enrolment):
    return db.session.execute(sa.select(Certificate).where(Certificate.enrolment_id == enrolment.id).order_by(Certificate.id)).scalars().all()


def test_completes_the_moment_the_last_fact_arrives(course, make_user, enrol, finish_modules, attend):
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach)
    for session in course["sessions"]:
        attend(session, coach)
    finish_modules(coach, course["programme"])
    now = NOW
    assert evaluate(enrolment, now).kind == ChangeKind.COMPLETED
    db.session.commit()
    assert enrolment.status == EnrolmentStatus.COMPLETED and enrolment.completed_at == now
    [certificate] = certificates_of(enrolment)
    assert certificate.revoked_at is None
    assert evaluate(enrolment, now) is None  # nothing changes twice


def test_marking_the_last_lesson_done_completes(course, make_user, enrol, attend, finish_modules):
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach)
    for session in course["sessions"]:
        attend(session, coach)
    finish_modules(coach, course["programme"])
    extra = Lesson(position=2, title="Extra", body="")
    course["m2"].lessons.append(extra)
    db.session.commit()
    db.session.refresh(enrolment)
    assert evaluate(enrolment, NOW) is None
    [change] = mark_lesson_done(coach, extra, NOW)
    db.session.commit()
    assert change.kind == ChangeKind.COMPLETED and enrolment.status == EnrolmentStatus.COMPLETED
    assert len(certificates_of(enrolment)) == 1


def test_required_modules_and_quizzes(course, make_user, enrol, attend, finish_modules):
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach)
    for session in course["sessions"]:
        attend(session, coach)
    now = NOW
    for lesson in course["m1"].lessons + course["m2"].lessons:
        mark_lesson_done(coach, lesson, now)
    db.session.commit()
    progress = progress_for([enrolment], now)[enrolment.id]
    m1 = progress.for_module(course["m1"].id)
    assert m1.lessons_done == 2 and m1.quiz_needed and not m1.is_done and m1.percent == 66
    assert enrolment.status == EnrolmentStatus.ENROLLED  # the quiz of module 1 is still open
    # An optional module does not hold completion back.
    course["m1"].is_required = False
    db.session.commit()
    assert evaluate(enrolment, now).kind == ChangeKind.COMPLETED


def test_absent_cancelled_and_optional_sessions(course, make_user, enrol, attend, finish_modules):
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach)
    finish_modules(coach, course["programme"])
    first, second, third = course["sessions"]
    attend(first, coach)
    attend(second, coach, AttendanceStatus.ABSENT)
    now = NOW
    progress = progress_for([enrolment], now)[enrolment.id]
    assert [s.state for s in progress.sessions] == [SessionState.PRESENT, SessionState.ABSENT,
                                                   SessionState.UNREGISTERED]
    assert evaluate(enrolment, now) is None
    second.is_required = False  # an optional session
    third.status = SessionStatus.CANCELLED  # a cancelled one
    db.session.commit()
    assert evaluate(enrolment, now).kind == ChangeKind.COMPLETED


def test_late_enrolment_is_not_absent_but_must_be_made_up(course, make_user, make_cohort, enrol, attend,
                                                          finish_modules):
    """Enrolled after the first session: never counted absent, still needed for the certificate."""
    coach = make_user(Role.COACH)
    first, second, third = course["sessions"]
    enrolment = enrol(course["cohort"], coach, at=first.starts_at + timedelta(days=2))
    finish_modules(coach, course["programme"])
    attend(second, coach)
    attend(third, coach)
    now = NOW
    state = progress_for([enrolment], now)[enrolment.id].for_session(first.id)
    assert state.state == SessionState.LATE and state.joined_late and not state.is_met
    assert evaluate(enrolment, now) is None
    # The same session of another cohort of the programme is the make-up.
    later = make_cohort(course["programme"], first=to_local(now - timedelta(days=1)).date(), title="Groep later")
    [change] = add_make_up(course["trainer"], later.sessions[0], coach, now)
    db.session.commit()
    assert change.kind == ChangeKind.COMPLETED


def test_make_up_in_another_cohort_counts(course, make_user, make_cohort, enrol, attend, finish_modules):
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach)
    finish_modules(coach, course["programme"])
    first, second, third = course["sessions"]
    attend(first, coach)
    attend(second, coach, AttendanceStatus.EXCUSED)
    attend(third, coach)
    other = make_cohort(course["programme"], first=to_local(first.starts_at).date(), title="Groep Tiel")
    now = NOW
    # The other cohort's first session is not the same session: it does not make up the second.
    attend(other.sessions[0], coach)
    assert evaluate(enrolment, now) is None
    [change] = add_make_up(course["trainer"], other.sessions[1], coach, now)
    db.session.commit()
    assert change.kind == ChangeKind.COMPLETED
    state = progress_for([enrolment], now)[enrolment.id].for_session(second.id)
    assert state.state == SessionState.MADE_UP and state.made_up_cohort_title == "Groep Tiel"


def test_make_up_in_another_programme_does_not_count(course, make_user, make_programme, make_cohort, enrol, attend,
                                                     finish_modules):
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach)
    finish_modules(coach, course["programme"])
    first, second, third = course["sessions"]
    attend(first, coach)
    attend(third, coach)
    elsewhere = make_cohort(make_programme("Andere training"), first=to_local(first.starts_at).date())
    # Same position in the pattern, but another programme's template.
    attend(elsewhere.sessions[1], coach)
    assert evaluate(enrolment, NOW) is None


def test_sessions_of_an_earlier_completion_do_not_count_again(course, make_user, make_cohort, enrol, attend,
                                                              finish_modules):
    """A coach following the programme again (refresher) attends again."""
    coach = make_user(Role.COACH)
    old = enrol(course["cohort"], coach, status=EnrolmentStatus.COMPLETED)
    for session in course["sessions"]:
        attend(session, coach)
    finish_modules(coach, course["programme"])
    now = NOW
    again = make_cohort(course["programme"], first=(now - timedelta(days=1)).date(), title="Opfrisgroep")
    new = enrol(again, coach, at=now - timedelta(days=10))
    progress = progress_for([new, old], now)
    assert not progress[new.id].sessions_met
    assert progress[old.id].sessions_met


def test_correction_withdraws_completion_and_tells_staff(course, make_user, enrol, attend, finish_modules):
    coach = make_user(Role.COACH, name="Cora Coach")
    enrolment = enrol(course["cohort"], coach)
    finish_modules(coach, course["programme"])
    first, second, third = course["sessions"]
    attend(first, coach)
    attend(second, coach)
    now = NOW
    [done] = set_attendance(course["trainer"], third, coach, AttendanceStatus.PRESENT, now)
    db.session.commit()
    assert done.kind == ChangeKind.COMPLETED
    [certificate] = certificates_of(enrolment)

    [change] = set_attendance(course["trainer"], second, coach, AttendanceStatus.ABSENT, now + timedelta(minutes=5))
    db.session.commit()
    assert change.kind == ChangeKind.WITHDRAWN
    assert enrolment.status == EnrolmentStatus.ENROLLED and enrolment.completed_at is None
    db.session.refresh(certificate)
    assert certificate.revoked_at is None  # revoking is for staff to decide
    [mail] = db.session.execute(sa.select(OutboxMail).where(OutboxMail.kind == "completion_withdrawn")).scalars().all()
    assert mail.recipient == "opleidingen@example.org"
    assert "Cora Coach" in mail.subject and certificate.number in mail.body_text
    assert "Bijeenkomst 1" in mail.body_text  # what is now missing

    # Correcting it back completes again, with the certificate that is still there.
    [again] = set_attendance(course["trainer"], second, coach, AttendanceStatus.PRESENT, now + timedelta(minutes=9))
    db.session.commit()
    assert again.kind == ChangeKind.COMPLETED and len(certificates_of(enrolment)) == 1


def test_without_contact_address_every_staff_member_is_told(course, make_user, enrol, attend, finish_modules):
    staff = [make_user(Role.STAFF, email="s1@example.org"), make_user(Role.STAFF, email="s2@example.org", locale="en")]
    make_user(Role.ADMIN, email="admin@example.org")
    course["programme"].contact_email = None
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach, status=EnrolmentStatus.COMPLETED)
    finish_modules(coach, course["programme"])
    first, second, third = course["sessions"]
    attend(first, coach)
    attend(second, coach)
    attend(third, coach, AttendanceStatus.ABSENT)
    assert evaluate(enrolment, NOW).kind == ChangeKind.WITHDRAWN
    db.session.commit()
    mails = db.session.execute(sa.select(OutboxMail).where(OutboxMail.kind == "completion_withdrawn")
                               .order_by(OutboxMail.recipient)).scalars().all()
    assert [m.recipient for m in mails] == [s.email for s in staff]
    assert mails[1].subject.startswith("Completion withdrawn")  # in that staff member's language
    # The coach is told as well, in a mail of their own.
    [told] = db.session.execute(sa.select(OutboxMail).where(OutboxMail.kind == "completion_withdrawn_coach")).scalars()
    assert told.recipient == coach.email


def test_withdrawal_while_active_elsewhere_keeps_the_status(course, make_user, make_cohort, enrol, attend,
                                                           finish_modules):
    coach = make_user(Role.COACH)
    old = enrol(course["cohort"], coach, status=EnrolmentStatus.COMPLETED)
    finish_modules(coach, course["programme"])
    enrol(make_cohort(course["programme"], title="Volgende groep"), coach)
    attend(course["sessions"][0], coach, AttendanceStatus.ABSENT)
    change = evaluate(old, NOW)
    db.session.commit()
    # The coach already has an active enrolment in the programme, so this one cannot reopen.
    assert change.kind == ChangeKind.NO_LONGER_MET and old.status == EnrolmentStatus.COMPLETED
    assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMail)).scalar_one() == 1


def test_content_added_later_does_not_withdraw(course, make_user, enrol, attend, finish_modules):
    """Lessons staff add after a coach finished do not take the completion away."""
    staff = make_user(Role.STAFF)
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach, status=EnrolmentStatus.COMPLETED)
    finish_modules(coach, course["programme"])
    for session in course["sessions"]:
        attend(session, coach)
    now = NOW
    save_lesson(staff, course["m2"], None, title="Nieuw", body="Nieuwe les", now=now)
    db.session.commit()
    assert evaluate(enrolment, now) is None and enrolment.status == EnrolmentStatus.COMPLETED
    # ...and the coach can still read and mark it without losing anything.
    assert mark_lesson_done(coach, course["m2"].lessons[-1], now) == []


def test_deleting_the_last_open_lesson_completes(course, make_user, enrol, attend):
    staff = make_user(Role.STAFF)
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach)
    for session in course["sessions"]:
        attend(session, coach)
    now = NOW
    for lesson in course["m1"].lessons:
        mark_lesson_done(coach, lesson, now)
    submit_quiz(coach, course["m1"], {course["q1"].id: [course["q1"].options[0].id],
                                      course["q2"].id: [o.id for o in course["q2"].options[:2]]}, now)
    db.session.commit()
    assert enrolment.status == EnrolmentStatus.ENROLLED  # module 2's lesson is still open
    [change] = delete_lesson(staff, course["m2"].lessons[0], now)
    db.session.commit()
    assert change.kind == ChangeKind.COMPLETED


def test_completing_again_on_other_sessions_replaces_the_certificate(course, make_user, make_cohort, enrol, attend,
                                                                     finish_modules):
    """The certificate still in force after a withdrawal named a session no longer attended: it is replaced."""
    coach = make_user(Role.COACH, name="Cora Coach")
    enrolment = enrol(course["cohort"], coach)
    finish_modules(coach, course["programme"])
    first, second, third = course["sessions"]
    attend(first, coach)
    attend(second, coach)
    set_attendance(course["trainer"], third, coach, AttendanceStatus.PRESENT, NOW)
    db.session.commit()
    [old] = certificates_of(enrolment)
    set_attendance(course["trainer"], second, coach, AttendanceStatus.ABSENT, NOW)
    db.session.commit()
    other = make_cohort(course["programme"], first=to_local(first.starts_at).date(), title="Groep Tiel")
    [again] = add_make_up(course["trainer"], other.sessions[1], coach, NOW)
    db.session.commit()
    assert again.kind == ChangeKind.COMPLETED
    old, new = certificates_of(enrolment)
    assert old.is_revoked and old.public_reason == RevocationReason.REPLACED and old.replaced_by_id == new.id
    assert [(item["session_id"], item["made_up"]) for item in new.snapshot["sessions"]] == [
        (first.id, False), (other.sessions[1].id, True), (third.id, False)]
    assert [item["cohort_title"] for item in new.snapshot["sessions"]] == ["Groep Achterhoek", "Groep Tiel",
                                                                          "Groep Achterhoek"]
    assert snapshot_problems(new) == []
    kinds = set(db.session.execute(sa.select(OutboxMail.kind)).scalars())
    assert "certificate_reissued" in kinds
