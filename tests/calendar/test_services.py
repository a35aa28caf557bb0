"""Feed contents and tokens, without HTTP."""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from lms.auth.models import Role, UserRole
from lms.calendar import services
from lms.calendar.models import CalendarToken
from lms.cohorts.models import CohortStatus, SessionStatus
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.programmes.models import SessionKind
from tests.calendar.conftest import enrol

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)


def titles(sessions) -> set[str]:
    return {s.cohort.title for s in sessions}


# Tokens ---------------------------------------------------------------------------------


def test_token_has_256_random_bits_and_only_its_hash_is_stored(app, users):
    token = services.issue_token(users["coach"], NOW)
    db.session.commit()
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 32
    row = db.session.execute(sa.select(CalendarToken)).scalar_one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(v) for v in db.session.execute(sa.select(CalendarToken.__table__)).one())
    assert token not in stored
    assert services.find_token(token).user_id == users["coach"].id


def test_tokens_differ_every_time(app, users):
    assert len({services.new_token() for _ in range(50)}) == 50


def test_regenerating_invalidates_the_old_token_at_once(app, users):
    old = services.issue_token(users["coach"], NOW)
    db.session.commit()
    new = services.issue_token(users["coach"], NOW + timedelta(minutes=1))
    db.session.commit()
    assert services.find_token(old) is None
    assert services.find_token(new) is not None
    assert db.session.execute(sa.select(sa.func.count()).select_from(CalendarToken)).scalar_one() == 1


def test_revoked_token_and_deactivated_user_are_refused(app, users):
    token = services.issue_token(users["coach"], NOW)
    db.session.commit()
    users["coach"].is_active = False
    db.session.commit()
    assert services.find_token(token) is None
    users["coach"].is_active = True
    assert services.revoke_token(users["coach"]) is True
    db.session.commit()
    assert services.find_token(token) is None
    assert services.revoke_token(users["coach"]) is False


def test_junk_tokens_are_refused_without_error(app):
    for token in ("", "short", "x" * 43, "../../etc/passwd", "é" * 50):
        assert services.find_token(token) is None


def test_use_is_recorded_at_most_hourly(app, users):
    token = services.issue_token(users["coach"], NOW)
    db.session.commit()

    def use(at):
        services.record_use(services.find_token(token), at)
        db.session.commit()
        return db.session.execute(sa.select(CalendarToken.last_used_at)).scalar_one()

    assert use(NOW) == NOW
    assert use(NOW + timedelta(minutes=30)) == NOW
    assert use(NOW + timedelta(hours=2)) == NOW + timedelta(hours=2)


def test_the_token_brings_its_owner_language_and_staff_role(app, users):
    for name, staff in (("coach", False), ("trainer", False), ("staff", True), ("admin", True)):
        users[name].locale = "en" if staff else "nl"
        db.session.commit()
        found = services.find_token(services.issue_token(users[name], NOW))
        assert (found.user_id, found.locale, found.is_staff) == (users[name].id, users[name].locale, staff), name


# Which sessions -------------------------------------------------------------------------


def test_coach_sees_sessions_of_seat_holding_enrolments_only(app, users, make_cohort, make_programme):
    coach = users["coach"]
    statuses = {
        EnrolmentStatus.ENROLLED: "ingeschreven",
        EnrolmentStatus.PENDING: "aangemeld",
        EnrolmentStatus.OFFERED: "plek aangeboden",
        EnrolmentStatus.WAITLISTED: "wachtlijst",
        EnrolmentStatus.CANCELLED: "afgemeld",
        EnrolmentStatus.REJECTED: "afgewezen",
    }
    for status, title in statuses.items():
        enrol(make_cohort(make_programme(), title=title), coach, status)
    assert titles(services.personal_sessions(coach, NOW)) == {"ingeschreven", "aangemeld", "plek aangeboden"}


def test_cancelled_enrolment_leaves_the_feed(app, users, make_cohort):
    cohort = make_cohort(title="Groep A")
    enrolment = enrol(cohort, users["coach"])
    assert len(services.personal_sessions(users["coach"], NOW)) == 3
    enrolment.status = EnrolmentStatus.CANCELLED
    db.session.commit()
    assert services.personal_sessions(users["coach"], NOW) == []


def test_trainer_sees_cohorts_taught_and_staff_cohorts_followed(app, users, make_cohort):
    taught = make_cohort(title="Gegeven", trainers=[users["trainer"]])
    followed = make_cohort(title="Gevolgd")
    make_cohort(title="Andere")
    assert titles(services.personal_sessions(users["trainer"], NOW)) == {"Gegeven"}
    assert services.toggle_follow(users["staff"], followed) is True
    db.session.commit()
    assert titles(services.personal_sessions(users["staff"], NOW)) == {"Gevolgd"}
    assert taught.id != followed.id


def test_following_only_counts_while_staff(app, users, make_cohort):
    cohort = make_cohort(title="Gevolgd")
    services.toggle_follow(users["staff"], cohort)
    db.session.commit()
    users["staff"].role_grants = [UserRole(role=Role.TRAINER)]
    db.session.commit()
    assert services.personal_sessions(users["staff"], NOW) == []


def test_toggle_follow(app, users, make_cohort):
    cohort = make_cohort()
    assert services.toggle_follow(users["staff"], cohort) is True
    assert services.is_following(users["staff"], cohort)
    assert services.toggle_follow(users["staff"], cohort) is False
    assert not services.is_following(users["staff"], cohort)
    assert services.followed_cohorts(users["staff"]) == []


def test_feed_reaches_90_days_back(app, users, make_cohort):
    cohort = make_cohort(first=date(2027, 3, 16))
    enrol(cohort, users["coach"])
    last = max(s.ends_at for s in cohort.sessions)
    assert len(services.personal_sessions(users["coach"], last + timedelta(days=89))) >= 1
    assert services.personal_sessions(users["coach"], last + timedelta(days=91)) == []


def test_cancelled_session_stays_for_30_days(app, users, make_cohort):
    cohort = make_cohort(first=date(2027, 6, 1))
    enrol(cohort, users["coach"])
    session = cohort.sessions[0]
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = NOW
    session.sequence += 1
    db.session.commit()
    in_feed = lambda now: session in services.personal_sessions(users["coach"], now)  # noqa: E731
    assert in_feed(NOW + timedelta(days=29))
    assert not in_feed(NOW + timedelta(days=31))
    assert len(services.personal_sessions(users["coach"], NOW + timedelta(days=31))) == 2


def test_cancelled_cohort_stays_for_30_days_then_leaves(app, users, make_cohort):
    cohort = make_cohort(first=date(2027, 6, 1))
    enrol(cohort, users["coach"])
    cohort.status = CohortStatus.CANCELLED
    cohort.cancelled_at = NOW
    db.session.commit()
    assert len(services.personal_sessions(users["coach"], NOW + timedelta(days=29))) == 3
    assert services.personal_sessions(users["coach"], NOW + timedelta(days=31)) == []


def test_regional_feed_has_published_cohorts_of_the_region_only(app, region, other_region, make_cohort):
    make_cohort(region=region, title="Open", status=CohortStatus.OPEN)
    make_cohort(region=region, title="Vol", status=CohortStatus.CLOSED)
    make_cohort(region=region, title="Concept", status=CohortStatus.DRAFT)
    make_cohort(region=other_region, title="Elders", status=CohortStatus.OPEN)
    assert titles(services.regional_sessions(region, NOW)) == {"Open", "Vol"}


def test_queries_do_not_grow_with_the_number_of_sessions(app, users, make_cohort, make_programme):
    from sqlalchemy import event

    def count_queries(fn):
        seen = []
        listener = lambda *a, **k: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            fn()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    def feed():
        db.session.expire_all()
        for s in services.personal_sessions(users["coach"], NOW):
            (s.cohort.title, s.cohort.programme.title)

    enrol(make_cohort(make_programme(), title="Een"), users["coach"])
    one = count_queries(feed)
    for n in range(3):
        enrol(make_cohort(make_programme(), title=f"Meer {n}", first=date(2027, 3, 16)), users["coach"],
              EnrolmentStatus.COMPLETED)
    assert count_queries(feed) == one


# Video links ----------------------------------------------------------------------------


def test_video_link_only_for_enrolled_coach_trainers_and_staff(app, users, make_user, make_cohort):
    cohort = make_cohort(trainers=[users["trainer"]])
    online = next(s for s in cohort.sessions if s.kind == SessionKind.ONLINE)
    enrol(cohort, users["coach"])
    waiting = make_user(Role.COACH)
    enrol(cohort, waiting, EnrolmentStatus.WAITLISTED)
    outsider = make_user(Role.TRAINER)
    db.session.refresh(online)
    assert services.may_see_video(users["coach"], online)
    assert services.may_see_video(users["trainer"], online)
    assert services.may_see_video(users["staff"], online)
    assert services.may_see_video(users["admin"], online)
    assert not services.may_see_video(waiting, online)
    assert not services.may_see_video(outsider, online)
    assert not services.may_see_video(users["coordinator"], online)
    # The feeds ask the same in their one query, as a column of each session of the feed.
    pending = make_user(Role.COACH)
    enrol(cohort, pending, EnrolmentStatus.PENDING)  # in the feed, without the link
    services.toggle_follow(users["staff"], cohort)
    sees = {}
    for name, user in (("coach", users["coach"]), ("pending", pending), ("trainer", users["trainer"]),
                       ("staff", users["staff"])):
        db.session.commit()
        feed = services.personal_feed_rows(services.find_token(services.issue_token(user, NOW)), NOW)
        sees[name] = {sees_video for _facts, sees_video in feed.facts()}
    assert sees == {"coach": {True}, "pending": {False}, "trainer": {True}, "staff": {True}}


def test_draft_sessions_are_private(app, users, make_user, make_cohort, other_region):
    cohort = make_cohort(status=CohortStatus.DRAFT, trainers=[users["trainer"]])
    session = cohort.sessions[0]
    from flask_login import AnonymousUserMixin

    assert not services.may_see_session(AnonymousUserMixin(), session)
    assert not services.may_see_session(users["coach"], session)
    assert not services.may_see_session(make_user(Role.COORDINATOR, coordinates=[other_region]), session)
    for role in ("trainer", "staff", "admin", "coordinator"):
        assert services.may_see_session(users[role], session), role
    cohort.status = CohortStatus.OPEN
    db.session.commit()
    assert services.may_see_session(AnonymousUserMixin(), session)


def test_times_in_feed_queries_are_utc_on_both_databases(app, users, make_cohort, add_session):
    cohort = make_cohort(title="Tijd")
    enrol(cohort, users["coach"])
    add_session(cohort, date(2027, 10, 31), time(1, 30))  # the night the clocks go back, still summer time
    sessions = services.personal_sessions(users["coach"], NOW)
    assert all(s.starts_at.tzinfo is not None for s in sessions)
    assert datetime(2027, 10, 30, 23, 30, tzinfo=timezone.utc) in {s.starts_at for s in sessions}
