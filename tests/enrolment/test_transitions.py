"""Issue 17, enrolment side: seats after completion, the line, and what a coach is told."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask_babel import gettext
from icalendar import Calendar

from lms.cohorts.models import CohortStatus
from lms.cohorts.services import SessionData, add_session, cancel_cohort, change_status
from lms.enrolment.completion import complete, reopen
from lms.enrolment.interest import notify_opened_cohorts, register_interest
from lms.enrolment.invariants import violations
from lms.enrolment.models import Enrolment, EnrolmentStatus, Interest
from lms.enrolment.queries import cancellation_deadline, roster_csv
from lms.enrolment.services import EnrolmentError, accept_offer, cancel_by_coach, enrol
from lms.enrolment.waitlist import process_waitlists
from lms.extensions import db
from lms.i18n import to_local
from lms.notifications.models import OutboxMail
from lms.programmes.models import SessionKind

S = EnrolmentStatus


def fresh(obj):
    db.session.refresh(obj)
    return obj


def mails(kind: str) -> list[OutboxMail]:
    return list(db.session.execute(sa.select(OutboxMail).where(OutboxMail.kind == kind)
                                   .order_by(OutboxMail.id)).scalars())


# A completion and the seat ------------------------------------------------------------------


def test_completed_before_the_cohort_began_gives_the_seat_to_the_first_in_line(open_cohort, coaches, now):
    done, _other, waiting = (enrol(c, open_cohort, now).enrolment for c in coaches[:3])
    assert complete(done, now)  # every session made up elsewhere, before this cohort began
    assert fresh(done).status == S.COMPLETED and done.seat_released_at == now and not done.holds_seat
    assert fresh(waiting).status == S.OFFERED
    assert fresh(open_cohort).seats_taken == 2 and open_cohort.waitlist_counter == 0
    assert violations(now) == []


def test_completed_once_the_cohort_began_keeps_the_seat(open_cohort, coaches, now):
    done, _other, waiting = (enrol(c, open_cohort, now).enrolment for c in coaches[:3])
    later = open_cohort.starts_at + timedelta(hours=1)
    assert complete(done, later)
    assert fresh(done).seat_released_at is None and done.holds_seat
    assert fresh(waiting).status == S.WAITLISTED
    assert fresh(open_cohort).seats_taken == 2
    assert violations(later) == []


def test_a_withdrawn_completion_takes_a_seat_again_beyond_the_capacity_if_need_be(open_cohort, coaches, now):
    done, _other, waiting = (enrol(c, open_cohort, now).enrolment for c in coaches[:3])
    complete(done, now)
    accept_offer(coaches[2], fresh(waiting), now)
    assert fresh(open_cohort).seats_taken == 2  # full again
    assert reopen(fresh(done), now)
    assert fresh(done).status == S.ENROLLED and done.holds_seat and done.is_overbooked
    assert done.completed_at is None and done.seat_released_at is None
    assert fresh(open_cohort).seats_taken == 3
    assert not reopen(done, now)  # once
    assert violations(now) == []


def test_a_withdrawn_completion_in_a_cancelled_cohort_ends_like_the_others(open_cohort, coaches, now):
    done, other = (enrol(c, open_cohort, now).enrolment for c in coaches[:2])
    complete(done, now)
    cancel_cohort(coaches[5], open_cohort, "Te weinig aanmeldingen", now, confirmed=True)
    assert fresh(other).status == S.CANCELLED
    assert fresh(done).status == S.COMPLETED and not done.holds_seat
    assert fresh(open_cohort).seats_taken == 0
    assert reopen(done, now)
    assert fresh(done).status == S.CANCELLED and done.cancel_reason == "Te weinig aanmeldingen"
    assert fresh(open_cohort).seats_taken == 0
    assert violations(now) == []


def test_a_cancelled_cohort_frees_a_completed_coach_s_seat(open_cohort, coaches, now):
    done = enrol(coaches[0], open_cohort, now).enrolment
    later = open_cohort.starts_at + timedelta(hours=1)
    complete(done, later)  # seat kept: the cohort had begun
    cancel_cohort(coaches[5], fresh(open_cohort), "Trainer ziek", later, confirmed=True)
    assert fresh(done).status == S.COMPLETED and done.seat_released_at == later
    assert fresh(open_cohort).seats_taken == 0
    assert violations(later) == []


# Starting again, once ---------------------------------------------------------------------


def test_re_enrolling_twice_takes_one_seat_and_sends_one_mail(open_cohort, coaches, now):
    enrolment = enrol(coaches[0], open_cohort, now).enrolment
    cancel_by_coach(coaches[0], enrolment, now)
    db.session.commit()
    stale = db.session.get(Enrolment, enrolment.id)
    assert enrol(coaches[0], open_cohort, now).enrolment.id == enrolment.id
    db.session.commit()
    with pytest.raises(EnrolmentError):
        enrol(coaches[0], open_cohort, now)  # the second click
    db.session.rollback()
    assert fresh(stale).status == S.ENROLLED
    assert fresh(open_cohort).seats_taken == 1
    assert len(mails("enrolment_enrolled")) == 2  # the first enrolment and the one after cancelling


def test_an_offer_leaves_the_line_and_everyone_behind_moves_up(open_cohort, coaches, now):
    first, _b, one, two, three = (enrol(c, open_cohort, now).enrolment for c in coaches[:5])
    assert [fresh(e).waitlist_position for e in (one, two, three)] == [1, 2, 3]
    cancel_by_coach(coaches[0], first, now)
    assert fresh(one).status == S.OFFERED and one.waitlist_position is None
    assert [fresh(e).waitlist_position for e in (two, three)] == [1, 2]
    assert fresh(open_cohort).waitlist_counter == 2
    position = next(m for m in mails("enrolment_waitlisted") if m.user_id == coaches[4].id)
    assert "3" in position.body_text  # told their place when they joined


# Accepting where approval is needed --------------------------------------------------------


def test_accepting_a_seat_that_needs_approval_says_it_awaits_approval(client, auth, open_cohort, coaches, now):
    open_cohort.programme.requires_approval = True
    first, _b, waiting = (enrol(c, open_cohort, now).enrolment for c in coaches[:3])
    cancel_by_coach(coaches[0], first, now)
    db.session.commit()
    assert fresh(waiting).status == S.OFFERED
    auth.login(coaches[2])
    response = client.post(f"/enrolments/{waiting.id}/accept", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert fresh(waiting).status == S.PENDING
    with client.application.test_request_context():
        welcome = gettext("You have accepted the seat. Welcome to the group!")
        awaits = gettext("You have accepted the seat. Your enrolment now awaits approval by staff; your seat is "
                         "held until then.")
    assert welcome not in page and awaits in page
    assert [m.kind for m in mails("enrolment_pending")][-1:] == ["enrolment_pending"]


# A wish for a group is told when enrolment opens ------------------------------------------------


def test_interest_is_told_when_enrolment_opens_not_when_the_cohort_is_published(app, make_cohort, coaches, region,
                                                                                clock, now):
    opens = now + timedelta(days=3)
    cohort = make_cohort(status=CohortStatus.DRAFT, enrol_opens_at=opens)
    register_interest(coaches[0], cohort.programme, now)
    db.session.commit()
    change_status(coaches[5], cohort, CohortStatus.OPEN, now)  # published, enrolment still closed
    db.session.commit()
    assert mails("interest_cohort_open") == []
    assert notify_opened_cohorts(opens - timedelta(minutes=1)) == 0
    clock.set(opens + timedelta(minutes=5))
    result = app.test_cli_runner().invoke(args=["lms", "process-waitlists"])
    assert result.exit_code == 0 and "told 1 about a group that opened" in result.output
    [mail] = mails("interest_cohort_open")
    assert "26 november 2026" in mail.body_text  # the day enrolment opened
    assert "16 maart 2027" in mail.body_text  # and the first session
    assert app.test_cli_runner().invoke(args=["lms", "process-waitlists"]).output.endswith(
        "told 0 about a group that opened\n")
    assert db.session.execute(sa.select(Interest.notified_at)).scalar_one() is not None


def test_interest_is_told_on_publishing_when_enrolment_is_open_already(make_cohort, coaches, now):
    cohort = make_cohort(status=CohortStatus.DRAFT, enrol_opens_at=now - timedelta(days=1))
    register_interest(coaches[0], cohort.programme, now)
    change_status(coaches[5], cohort, CohortStatus.OPEN, now)
    db.session.commit()
    assert len(mails("interest_cohort_open")) == 1


def test_interest_is_told_on_the_first_read_of_the_cohort_after_opening(client, make_cohort, coaches, clock, now):
    opens = now + timedelta(days=3)
    cohort = make_cohort(status=CohortStatus.DRAFT, enrol_opens_at=opens)
    register_interest(coaches[0], cohort.programme, now)
    change_status(coaches[5], cohort, CohortStatus.OPEN, now)
    db.session.commit()
    assert client.get(f"/trainings/{cohort.id}").status_code == 200
    assert mails("interest_cohort_open") == []
    clock.set(opens + timedelta(hours=1))
    assert client.get(f"/trainings/{cohort.id}").status_code == 200
    assert len(mails("interest_cohort_open")) == 1


def test_the_scheduler_offers_free_seats_and_tells_interest_in_one_round(open_cohort, coaches, now):
    *_, waiting = (enrol(c, open_cohort, now).enrolment for c in coaches[:3])
    open_cohort.capacity = 3
    db.session.commit()
    assert process_waitlists(now) == {"expired": 0, "offered": 1, "reminded": 0}
    assert fresh(waiting).status == S.OFFERED and fresh(open_cohort).waitlist_counter == 0


# Smaller truths ---------------------------------------------------------------------------------


def test_the_roster_csv_shows_a_waitlist_number_only_for_waitlisted_coaches(open_cohort, coaches, now):
    first, _b, offered, waiting = (enrol(c, open_cohort, now).enrolment for c in coaches[:4])
    cancel_by_coach(coaches[0], first, now)
    db.session.commit()
    assert fresh(offered).status == S.OFFERED and fresh(waiting).waitlist_position == 1
    rows = {line.split(";")[0]: line.split(";") for line in roster_csv(open_cohort).splitlines()[1:]}
    assert rows["Coach 2"][5] == ""  # offered a seat: no longer in line
    assert rows["Coach 3"][5] == "1"
    assert rows["Coach 1"][5] == ""


@pytest.mark.parametrize("first_day, days, expected", [
    # First session Tuesday 30 March 2027, 09:00 summer time; seven days earlier is still winter time.
    (date(2027, 3, 30), 7, datetime(2027, 3, 23, 8, 0, tzinfo=timezone.utc)),  # 09:00 CET
    # First session Tuesday 2 November 2027, 09:00 winter time; seven days earlier is summer time.
    (date(2027, 11, 2), 7, datetime(2027, 10, 26, 7, 0, tzinfo=timezone.utc)),  # 09:00 CEST
    (date(2027, 3, 16), 7, datetime(2027, 3, 9, 8, 0, tzinfo=timezone.utc)),  # no change in between
])
def test_the_cancellation_deadline_is_amsterdam_wall_time(make_cohort, first_day, days, expected):
    cohort = make_cohort(first=first_day)
    cohort.programme.cancellation_deadline_days = days
    deadline = cancellation_deadline(cohort)
    assert deadline == expected
    assert to_local(deadline).time() == to_local(cohort.first_session_at).time() == time(9, 0)


def test_a_session_added_to_a_running_cohort_is_announced_with_a_calendar_file(open_cohort, coaches, now):
    for coach in coaches[:3]:  # two seats, one in line
        enrol(coach, open_cohort, now)
    db.session.commit()
    session = add_session(coaches[5], open_cohort, SessionData(
        kind=SessionKind.IN_PERSON, title="Terugkomdag", day=date(2027, 6, 1), start=time(13, 30), end=time(16, 0),
        address="Markt 1, Doetinchem"), now)
    db.session.commit()
    notices = {m.user_id: m for m in mails("session_change")}
    assert set(notices) == {coaches[0].id, coaches[1].id}  # who has the cohort in their calendar, not the line
    mail = notices[coaches[0].id]
    assert "Terugkomdag" in mail.subject and "1 juni 2027" in mail.subject
    assert "dinsdag 1 juni 2027, 13:30–16:00" in mail.body_text and "Markt 1, Doetinchem" in mail.body_text
    [attachment] = mail.attachments
    [event] = Calendar.from_ical(attachment["content"]).walk("VEVENT")
    assert str(event["UID"]) == session.ical_uid and event["SEQUENCE"] == 0
    assert [c.notified_at for c in session.changes] == [now]


def test_a_session_added_to_a_draft_tells_nobody(make_cohort, coaches, now):
    draft = make_cohort(status=CohortStatus.DRAFT)
    add_session(None, draft, SessionData(kind=SessionKind.ONLINE, title="Extra", day=date(2027, 6, 1),
                                         start=time(9, 0), end=time(10, 0), video_url="https://meet.example.org/e"),
                now)
    db.session.commit()
    assert mails("session_change") == []
