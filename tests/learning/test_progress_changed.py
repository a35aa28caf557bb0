"""The contract of ``progress_changed`` (lms/domain.py) as other features send it: a cohort, or a programme."""

from __future__ import annotations

from lms.auth.models import Role
from lms.certificates.models import Certificate
from lms.cohorts.models import SessionStatus
from lms.completion.services import ChangeKind
from lms.domain import gather, progress_changed
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.learning.models import LessonCompletion
from tests.conftest import NOW


def test_a_cohort_whose_sessions_changed_is_evaluated_again(course, make_user, enrol, attend, finish_modules):
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach)
    finish_modules(coach, course["programme"])
    first, second, third = course["sessions"]
    attend(first, coach)
    attend(second, coach)
    third.status = SessionStatus.CANCELLED
    [change] = gather(progress_changed, None, now=NOW, actor=None, cohort_id=course["cohort"].id)
    db.session.commit()
    assert change.kind == ChangeKind.COMPLETED and enrolment.status == EnrolmentStatus.COMPLETED
    assert db.session.query(Certificate).filter_by(enrolment_id=enrolment.id).count() == 1
    third.status = SessionStatus.SCHEDULED  # restored: the session is needed again
    [change] = gather(progress_changed, None, now=NOW, actor=None, cohort_id=course["cohort"].id)
    db.session.commit()
    assert change.kind == ChangeKind.WITHDRAWN and enrolment.status == EnrolmentStatus.ENROLLED


def test_a_programme_whose_rule_changed_is_evaluated_again(course, make_user, enrol, attend):
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach)
    for session in course["sessions"]:
        attend(session, coach)
    for lesson in course["m2"].lessons:
        db.session.add(LessonCompletion(user_id=coach.id, lesson_id=lesson.id, completed_at=NOW))
    course["m1"].is_required = False  # the module still open is no longer required
    [change] = gather(progress_changed, None, now=NOW, actor=None, programme_id=course["programme"].id)
    db.session.commit()
    assert change.kind == ChangeKind.COMPLETED and enrolment.status == EnrolmentStatus.COMPLETED
    assert gather(progress_changed, None, now=NOW, actor=None, programme_id=course["programme"].id) == []
