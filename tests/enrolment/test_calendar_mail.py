"""Calendar files in mails: iTIP messages to the recipient (RFC 5546) with the feeds' UIDs and SEQUENCEs."""

from __future__ import annotations

import sqlalchemy as sa
from icalendar import Calendar

from lms.calendar.services import personal_sessions
from lms.cohorts import ical
from lms.cohorts.services import cancel_cohort, cancel_session
from lms.enrolment.completion import complete
from lms.enrolment.notices import session_recipients
from lms.enrolment.services import enrol
from lms.extensions import db
from lms.notifications.models import OutboxMail


def outbox(kind: str) -> list[OutboxMail]:
    return list(db.session.execute(sa.select(OutboxMail).where(OutboxMail.kind == kind)
                                   .order_by(OutboxMail.id)).scalars())


def calendar_of(mail: OutboxMail) -> Calendar:
    [attachment] = mail.attachments
    assert attachment["content_type"] == "text/calendar"
    return Calendar.from_ical(attachment["content"])


def test_the_enrolment_mail_invites_the_coach_and_points_to_the_subscription(app, open_cohort, coaches, now):
    enrol(coaches[0], open_cohort, now)
    db.session.commit()
    [mail] = outbox("enrolment_enrolled")
    cal = calendar_of(mail)
    assert cal["METHOD"] == "REQUEST"
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {s.ical_uid for s in open_cohort.sessions}
    for session in open_cohort.sessions:
        event = events[session.ical_uid]
        assert event["SEQUENCE"] == session.sequence
        assert str(event["ATTENDEE"]) == "mailto:coach0@example.org"
        assert event["ATTENDEE"].params["RSVP"] == "FALSE" and event["ATTENDEE"].params["CN"] == "Coach 0"
        assert str(event["ORGANIZER"]) == "mailto:noreply@welzijnscoach.example.org"
    assert "http://localhost/calendar" in mail.body_text and 'href="http://localhost/calendar"' in mail.body_html


def test_a_feed_is_no_invitation(app, open_cohort):
    text = ical.sessions_ics(open_cohort.sessions, name="Feed").decode()
    assert "METHOD" not in text and "ATTENDEE" not in text and "ORGANIZER" not in text


def test_a_cancelled_session_is_a_cancel_with_the_feed_s_uid_and_sequence(app, open_cohort, coaches, now):
    enrol(coaches[0], open_cohort, now)
    session = open_cohort.sessions[1]
    cancel_session(coaches[5], session, "Zaal onbeschikbaar", now)
    db.session.commit()
    [mail] = [m for m in outbox("session_change") if m.user_id == coaches[0].id]
    cal = calendar_of(mail)
    assert cal["METHOD"] == "CANCEL"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == session.ical_uid and event["SEQUENCE"] == session.sequence == 1
    assert event["STATUS"] == "CANCELLED" and str(event["ATTENDEE"]) == "mailto:coach0@example.org"
    feed = Calendar.from_ical(ical.sessions_ics([session], name="Feed"))
    [in_feed] = feed.walk("VEVENT")
    assert (in_feed["UID"], in_feed["SEQUENCE"]) == (event["UID"], event["SEQUENCE"])


def test_a_cancelled_cohort_is_a_cancel(app, open_cohort, coaches, now):
    enrol(coaches[0], open_cohort, now)
    cancel_cohort(coaches[5], open_cohort, "Te weinig aanmeldingen", now, confirmed=True)
    db.session.commit()
    [mail] = outbox("cohort_cancelled")
    cal = calendar_of(mail)
    assert cal["METHOD"] == "CANCEL"
    assert {str(e["UID"]) for e in cal.walk("VEVENT")} == {s.ical_uid for s in open_cohort.sessions}


def test_uids_carry_the_installation_s_host(app, open_cohort):
    session = open_cohort.sessions[0]
    assert session.ical_uid == f"session-{session.id}@localhost"
    ical.sessions_ics([session], name="Feed")  # rendered (and kept) for this installation
    app.config["BASE_URL"] = "https://academie.example.org:8443/lms"
    other = session.ical_uid
    assert other == f"session-{session.id}@academie.example.org:8443"
    [event] = Calendar.from_ical(ical.sessions_ics([session], name="Feed")).walk("VEVENT")
    assert str(event["UID"]) == other  # not the bytes rendered for the other host a moment ago


def test_a_coach_who_completed_before_the_cohort_began_no_longer_has_its_sessions(app, open_cohort, coaches, now):
    done = enrol(coaches[0], open_cohort, now).enrolment
    assert {s.id for s in personal_sessions(coaches[0], now)} == {s.id for s in open_cohort.sessions}
    complete(done, now)  # made up everywhere else; the seat went back to the group
    db.session.commit()
    assert personal_sessions(coaches[0], now) == []
    assert coaches[0].id not in {r.user.id for r in session_recipients(open_cohort)}
