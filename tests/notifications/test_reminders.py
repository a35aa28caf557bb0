"""`flask lms send-reminders`: two days before each session, once per person, for those who want them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from lms.auth.models import Role
from lms.cohorts.models import CohortStatus
from lms.cohorts.services import SessionData, cancel_session, update_session
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.learning.models import Lesson, LessonCompletion, QuizAttempt, QuizOption, QuizQuestion
from lms.learning.reminders import horizon, queue_session_reminders
from lms.programmes.models import SessionKind
from tests.mailbox import html_of, text_of
from tests.notifications.conftest import by_recipient, enrol, outbox, run_together

# Groep Achterhoek: online half-day Tuesday 16 March 2027 09:00, meetings 30 March and 20 April 13:30.
SUNDAY = datetime(2027, 3, 14, 10, 0, tzinfo=timezone.utc)  # two days before the online half-day
SATURDAY = SUNDAY - timedelta(days=1)
TUESDAY_EARLY = datetime(2027, 3, 16, 6, 0, tzinfo=timezone.utc)  # 07:00 in Amsterdam, same day


def reminders():
    return outbox("session_reminder")


def test_horizon_is_the_end_of_the_local_day_two_days_ahead():
    assert horizon(SUNDAY) == datetime(2027, 3, 16, 23, 0, tzinfo=timezone.utc)  # midnight CET
    summer = datetime(2027, 6, 1, 10, 0, tzinfo=timezone.utc)
    assert horizon(summer) == datetime(2027, 6, 3, 22, 0, tzinfo=timezone.utc)  # midnight CEST


def test_enrolled_coaches_and_trainers_get_one_reminder_however_often_it_runs(group):
    assert queue_session_reminders(SATURDAY) == 0  # three days before: not yet
    assert queue_session_reminders(SUNDAY) == 3
    db.session.commit()
    assert queue_session_reminders(SUNDAY) == 0
    assert queue_session_reminders(SUNDAY + timedelta(hours=1)) == 0
    assert queue_session_reminders(TUESDAY_EARLY) == 0
    mails = by_recipient(reminders())
    # Enrolled coaches and the trainer; not pending, offered, waitlisted or cancelled coaches.
    assert set(mails) == {"cora@example.org", "emma@example.org", "tim@example.org"}
    session = group.cohort.sessions[0]
    assert mails["cora@example.org"].dedupe_key == f"session-reminder:{session.id}:2027-03-16:{group.enrolled.id}"
    # The next session (30 March) gets its own reminders when its time comes.
    assert queue_session_reminders(datetime(2027, 3, 28, 8, 0, tzinfo=timezone.utc)) == 3
    db.session.commit()
    assert len(reminders()) == 6


def test_nobody_is_reminded_of_a_session_that_has_started(group):
    assert queue_session_reminders(datetime(2027, 3, 16, 8, 30, tzinfo=timezone.utc)) == 0


def test_a_missed_run_is_made_up_by_the_next_one(group):
    """The scheduler did not run on Sunday; Monday's run still reminds before Tuesday."""
    assert queue_session_reminders(SUNDAY + timedelta(days=1)) == 3


def test_no_reminders_for_cancelled_sessions_draft_or_cancelled_cohorts(group, make_cohort, make_user):
    cancel_session(group.staff, group.cohort.sessions[0], "Ziek", SATURDAY)
    draft = make_cohort(first=date(2027, 3, 16), status=CohortStatus.DRAFT, trainers=[group.trainer])
    enrol(draft, make_user(Role.COACH))
    cancelled = make_cohort(first=date(2027, 3, 16), status=CohortStatus.CANCELLED, trainers=[group.trainer])
    enrol(cancelled, make_user(Role.COACH))
    db.session.commit()
    assert queue_session_reminders(SUNDAY) == 0


def test_reminders_respect_the_preference_and_skip_inactive_accounts(group):
    group.enrolled.wants_reminders = False
    group.english.is_active = False
    db.session.commit()
    assert queue_session_reminders(SUNDAY) == 1
    assert [m.recipient for m in reminders()] == ["tim@example.org"]


def test_a_coach_turns_reminders_off_in_the_profile(client, auth, group, region):
    auth.login(group.enrolled)
    response = client.post("/profile", data={
        "name": "Cora Coach", "email": "cora@example.org", "locale": "nl", "region_id": region.id,
        "municipality_id": region.municipalities[0].id, "wants_reminders": ""})
    assert response.status_code == 303
    queue_session_reminders(SUNDAY)
    assert "cora@example.org" not in {m.recipient for m in reminders()}
    # Service mails still reach her: a change notice does not ask for the preference.
    online = group.cohort.sessions[0]
    update_session(group.staff, online, SessionData(
        kind=SessionKind.ONLINE, title=online.title, day=date(2027, 3, 16), start=time(10, 0), end=time(13, 0),
        video_url=online.video_url), SUNDAY)
    assert "cora@example.org" in {m.recipient for m in outbox("session_change")}


def test_a_session_moved_to_another_day_is_reminded_again_before_its_new_day(group):
    queue_session_reminders(SUNDAY)
    db.session.commit()
    online = group.cohort.sessions[0]
    update_session(group.staff, online, SessionData(
        kind=SessionKind.ONLINE, title=online.title, day=date(2027, 3, 18), start=time(9, 0), end=time(12, 30),
        video_url=online.video_url), SUNDAY + timedelta(hours=1))
    db.session.commit()
    assert queue_session_reminders(SUNDAY + timedelta(hours=2)) == 0  # the change notice has just told them
    assert queue_session_reminders(datetime(2027, 3, 16, 8, 0, tzinfo=timezone.utc)) == 3
    db.session.commit()
    assert len(reminders()) == 6


def test_the_reminder_says_when_where_and_what_to_prepare(group, mailbox):
    programme = group.cohort.programme
    first, second = programme.modules
    first.lessons = [Lesson(title="Wat doet een welzijnscoach?", position=1)]
    second.title = "Het eerste gesprek"
    second.lessons = [Lesson(title="Luisteren", position=1)]
    second.questions = [QuizQuestion(text="Vraag?", position=1,
                                     options=[QuizOption(text="Ja", is_correct=True, position=1)])]
    db.session.commit()
    # Cora finished module 1, and the lessons of module 2 but not its quiz.
    db.session.add_all([
        LessonCompletion(user_id=group.enrolled.id, lesson_id=first.lessons[0].id),
        LessonCompletion(user_id=group.enrolled.id, lesson_id=second.lessons[0].id),
        QuizAttempt(user_id=group.enrolled.id, module_id=second.id, score=40, is_passed=False),
    ])
    db.session.commit()
    queue_session_reminders(SUNDAY)
    db.session.commit()
    mails = by_recipient(reminders())

    cora = mails["cora@example.org"]
    assert cora.subject == "Herinnering: Online dagdeel op dinsdag 16 maart 2027 (Groep Achterhoek)"
    text = cora.body_text
    assert "Welzijnscoach Academie" in text
    assert "dinsdag 16 maart 2027, 09:00–12:30" in text  # Dutch local time (08:00 UTC)
    assert "https://meet.example.org/x" in text  # she is enrolled: she gets the video link
    assert "- Het eerste gesprek" in text and "Module 1" not in text
    assert f"http://localhost/trainings/{group.cohort.id}" in text
    assert "http://localhost/profile" in text
    assert "Tim Trainer" not in text and "emma@example.org" not in text

    emma = mails["emma@example.org"]
    assert emma.subject == "Reminder: Online dagdeel on Tuesday 16 March 2027 (Groep Achterhoek)"
    assert "Tuesday 16 March 2027, 09:00–12:30" in emma.body_text
    assert "- Module 1" in emma.body_text and "- Het eerste gesprek" in emma.body_text

    tim = mails["tim@example.org"]
    assert "2 coaches zijn ingeschreven" in tim.body_text
    assert f"http://localhost/staff/cohorts/{group.cohort.id}" in tim.body_text
    for name in ("Cora", "Emma", "Piet", "Olga"):  # no other people's data
        assert name not in tim.body_text and name not in tim.body_html

    from lms.notifications.services import deliver_due

    deliver_due(SUNDAY)
    [message] = mailbox.wait_for("cora@example.org")
    assert "dinsdag 16 maart 2027, 09:00–12:30" in text_of(message)
    assert '<a href="https://meet.example.org/x">' in html_of(message)


def test_a_coach_who_finished_everything_is_told_so(group):
    queue_session_reminders(SUNDAY)
    cora = by_recipient(reminders())["cora@example.org"]
    assert "Er is niets dat je vooraf moet afronden." in cora.body_text  # the modules have no content


def test_an_in_person_session_gives_the_address(group):
    queue_session_reminders(datetime(2027, 3, 28, 8, 0, tzinfo=timezone.utc))
    cora = by_recipient(reminders())["cora@example.org"]
    assert "Bijeenkomst 1" in cora.subject
    assert "Waar: Dorpsstraat 1, Doetinchem" in cora.body_text
    assert "meet.example.org" not in cora.body_text
    assert "dinsdag 30 maart 2027, 13:30–17:00" in cora.body_text  # summer time now: 11:30 UTC


def test_two_runs_at_once_queue_each_reminder_once(app, group, make_user):
    for i in range(12):
        enrol(group.cohort, make_user(Role.COACH, email=f"extra{i}@example.org"))

    def run(_index):
        queued = queue_session_reminders(SUNDAY)
        db.session.commit()
        return queued

    results = run_together(app, 3, run)
    assert sum(results) == 15  # 14 enrolled coaches and the trainer, whoever queued them
    db.session.expire_all()
    assert len(reminders()) == 15
    assert len({m.dedupe_key for m in reminders()}) == 15


def test_send_reminders_command_queues_and_the_mails_arrive(app, group, mailbox, clock):
    clock.set(SUNDAY)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "queued 3 session reminder(s)" in result.output
    assert runner.invoke(args=["lms", "send-reminders"]).output.startswith("queued 0 session reminder(s)")
    [message] = mailbox.wait_for("emma@example.org")
    assert message["Subject"].startswith("Reminder: Online dagdeel")


@pytest.mark.parametrize("status", [EnrolmentStatus.COMPLETED, EnrolmentStatus.REJECTED])
def test_only_enrolled_coaches_are_reminded(group, make_user, status):
    enrol(group.cohort, make_user(Role.COACH, email="other@example.org"), status)
    queue_session_reminders(SUNDAY)
    assert "other@example.org" not in {m.recipient for m in reminders()}
