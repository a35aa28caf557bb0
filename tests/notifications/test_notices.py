"""Change notices: a moved, relinked, cancelled or restored session, and a cancelled cohort."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from icalendar import Calendar

from lms.cohorts.models import SessionChange
from lms.cohorts.services import (
    CohortError,
    SessionData,
    cancel_cohort,
    cancel_session,
    restore_session,
    update_session,
)
from lms.enrolment.notices import notify_session_change
from lms.extensions import db
from lms.notifications.services import deliver_due
from lms.programmes.models import SessionKind
from tests.conftest import NOW
from tests.mailbox import html_of, text_of
from tests.notifications.conftest import by_recipient, outbox

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
EVERYONE_WITH_THE_SESSIONS = {"cora@example.org", "emma@example.org", "piet@example.org", "olga@example.org",
                              "tim@example.org"}


def data_of(session, **changes) -> SessionData:
    from lms.i18n import to_local

    values = dict(kind=session.kind, title=session.title, day=to_local(session.starts_at).date(),
                  start=to_local(session.starts_at).time(), end=to_local(session.ends_at).time(),
                  address=session.address, room=session.room, video_url=session.video_url)
    values.update(changes)
    return SessionData(**values)


def events(mail) -> list:
    [attachment] = mail.attachments
    assert attachment["content_type"] == "text/calendar"
    return Calendar.from_ical(attachment["content"]).walk("VEVENT")


def notices():
    return by_recipient(outbox("session_change"))


def test_a_rescheduled_session_is_told_to_everyone_who_has_it_with_old_and_new_time(group):
    meeting = group.cohort.sessions[1]  # Bijeenkomst 1, Tuesday 30 March 2027 13:30–17:00
    update_session(group.staff, meeting, data_of(meeting, day=date(2027, 4, 6), start=time(14, 0), end=time(17, 30)),
                   NOW)
    db.session.commit()

    mails = notices()
    assert set(mails) == EVERYONE_WITH_THE_SESSIONS  # not the waitlisted or cancelled coach
    cora = mails["cora@example.org"]
    assert cora.subject == "Gewijzigd: Bijeenkomst 1 op 6 april 2027 (Groep Achterhoek)"
    assert "Datum en tijd\n  was: dinsdag 30 maart 2027, 13:30–17:00\n  nu: dinsdag 6 april 2027, 14:00–17:30" \
        in cora.body_text
    assert "Plaats" not in cora.body_text.split("De bijeenkomst is nu:")[0]  # the place did not change
    assert f"http://localhost/trainings/{group.cohort.id}" in cora.body_text
    assert "<del>dinsdag 30 maart 2027, 13:30–17:00</del>" in cora.body_html
    assert "<strong>dinsdag 6 april 2027, 14:00–17:30</strong>" in cora.body_html

    emma = mails["emma@example.org"]
    assert emma.subject == "Changed: Bijeenkomst 1 on 6 April 2027 (Groep Achterhoek)"
    assert "was: Tuesday 30 March 2027, 13:30–17:00" in emma.body_text
    assert "now: Tuesday 6 April 2027, 14:00–17:30" in emma.body_text

    assert f"http://localhost/staff/cohorts/{group.cohort.id}" in mails["tim@example.org"].body_text

    [event] = events(cora)
    assert str(event["UID"]) == meeting.ical_uid
    assert event["SEQUENCE"] == 1 and event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTART") == datetime(2027, 4, 6, 12, 0, tzinfo=timezone.utc)  # 14:00 CEST
    [change] = meeting.changes
    assert change.notified_at == NOW


def test_a_moved_session_says_the_old_and_new_place(group):
    meeting = group.cohort.sessions[2]
    update_session(group.staff, meeting, data_of(meeting, address="Raadhuisstraat 5, Doetinchem", room="Zaal 2"), NOW)
    cora = notices()["cora@example.org"]
    assert "Plaats\n  was: Dorpsstraat 1, Doetinchem\n  nu: Raadhuisstraat 5, Doetinchem, Zaal 2" in cora.body_text
    assert "Datum en tijd" not in cora.body_text
    [event] = events(cora)
    assert str(event["LOCATION"]) == "Zaal 2, Raadhuisstraat 5, Doetinchem"


def test_a_new_video_link_goes_only_to_those_who_may_see_it(group):
    online = group.cohort.sessions[0]
    update_session(group.staff, online, data_of(online, video_url="https://meet.example.org/nieuw"), NOW)
    mails = notices()
    # Pending and offered coaches see no link on the platform, so for them nothing changed.
    assert set(mails) == {"cora@example.org", "emma@example.org", "tim@example.org"}
    text = mails["cora@example.org"].body_text
    assert "Videolink\n  was: https://meet.example.org/x\n  nu: https://meet.example.org/nieuw" in text
    [event] = events(mails["cora@example.org"])
    assert str(event["URL"]) == "https://meet.example.org/nieuw"


def test_an_online_session_that_becomes_in_person_hides_the_old_link_from_those_without_it(group):
    online = group.cohort.sessions[0]
    update_session(group.staff, online, data_of(online, kind=SessionKind.IN_PERSON, address="Markt 1, Aalten"),
                   NOW)
    mails = notices()
    assert set(mails) == EVERYONE_WITH_THE_SESSIONS
    piet = mails["piet@example.org"].body_text
    assert "Plaats\n  was: Online\n  nu: Markt 1, Aalten" in piet
    assert "meet.example.org" not in piet and "meet.example.org" not in mails["piet@example.org"].body_html


def test_a_cancelled_session_gives_the_reason_and_a_cancelled_event(group, mailbox):
    meeting = group.cohort.sessions[2]  # Tuesday 20 April 2027
    cancel_session(group.staff, meeting, "De trainer is ziek", NOW)
    db.session.commit()
    mails = notices()
    assert set(mails) == EVERYONE_WITH_THE_SESSIONS
    cora = mails["cora@example.org"]
    assert cora.subject == "Geannuleerd: Bijeenkomst 2 op 20 april 2027 (Groep Achterhoek)"
    assert "dinsdag 20 april 2027, 13:30–17:00\nDorpsstraat 1, Doetinchem" in cora.body_text
    assert "Reden: De trainer is ziek" in cora.body_text
    [event] = events(cora)
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1

    deliver_due(NOW)
    [message] = mailbox.wait_for("cora@example.org")
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"bijeenkomst-{meeting.id}.ics"
    assert b"STATUS:CANCELLED" in attachment.get_payload(decode=True)
    assert "Reden: De trainer is ziek" in text_of(message)


def test_a_restored_session_takes_place_after_all(group):
    meeting = group.cohort.sessions[2]
    cancel_session(group.staff, meeting, "Ziek", NOW)
    db.session.commit()
    restore_session(group.staff, meeting, NOW + timedelta(hours=1))
    db.session.commit()
    [cancelled, restored] = [m for m in outbox("session_change") if m.recipient == "cora@example.org"]
    assert restored.subject == "Gaat toch door: Bijeenkomst 2 op 20 april 2027 (Groep Achterhoek)"
    [event] = events(restored)
    assert event["STATUS"] == "CONFIRMED" and event["SEQUENCE"] == 2


def test_a_cancelled_cohort_tells_every_enrolment_and_the_trainers(group):
    cancel_cohort(group.staff, group.cohort, "Te weinig aanmeldingen", NOW, confirmed=True)
    db.session.commit()
    assert outbox("session_change") == []  # one mail per person, not one per session
    mails = by_recipient(outbox("cohort_cancelled"))
    assert set(mails) == EVERYONE_WITH_THE_SESSIONS | {"wim@example.org"}
    cora = mails["cora@example.org"]
    assert cora.subject == "Groep geannuleerd: Groep Achterhoek"
    assert "Reden: Te weinig aanmeldingen" in cora.body_text
    assert "Je inschrijving is daarmee ook geannuleerd." in cora.body_text
    for line in ("- dinsdag 16 maart 2027, 09:00–12:30: Online dagdeel",
                 "- dinsdag 30 maart 2027, 13:30–17:00: Bijeenkomst 1",
                 "- dinsdag 20 april 2027, 13:30–17:00: Bijeenkomst 2"):
        assert line in cora.body_text
    assert "http://localhost/trainings\n" in cora.body_text  # find another group
    assert {str(e["STATUS"]) for e in events(cora)} == {"CANCELLED"} and len(events(cora)) == 3
    # The waitlisted coach never had the sessions in a calendar: no calendar file for him.
    wim = mails["wim@example.org"]
    assert wim.attachments == [] and "Je plaats op de wachtlijst vervalt daarmee." in wim.body_text
    tim = mails["tim@example.org"]
    assert "inschrijving" not in tim.body_text and len(events(tim)) == 3
    assert all(change.notified_at == NOW for s in group.cohort.sessions for change in s.changes)


def test_a_rolled_back_change_sends_nothing(client, auth, group, mailbox):
    """The route refuses a change that breaks the enrolment window: the notices go with the rollback."""
    group.cohort.enrol_closes_at = datetime(2027, 3, 10, 22, 0, tzinfo=timezone.utc)
    db.session.commit()
    online = group.cohort.sessions[0]
    auth.login(group.staff)
    response = client.post(f"/staff/sessions/{online.id}", data={
        "kind": "online", "title": online.title, "day": "2027-03-09", "start": "09:00", "end": "12:30",
        "video_url": online.video_url, "net_hours": "3.5", "is_required": "y"})
    assert response.status_code == 422
    assert outbox() == [] and mailbox.messages == []
    assert db.session.get(type(online), online.id).sequence == 0


def test_staff_reschedule_through_the_page_and_the_mails_arrive(client, auth, group, mailbox):
    meeting = group.cohort.sessions[1]
    auth.login(group.staff)
    response = client.post(f"/staff/sessions/{meeting.id}", data={
        "kind": "in_person", "title": meeting.title, "day": "2027-04-06", "start": "13:30", "end": "17:00",
        "address": "Dorpsstraat 1, Doetinchem", "net_hours": "3.25", "is_required": "y"})
    assert response.status_code == 303
    [message] = mailbox.wait_for("emma@example.org")
    assert message["Subject"] == "Changed: Bijeenkomst 1 on 6 April 2027 (Groep Achterhoek)"
    assert "now: Tuesday 6 April 2027, 13:30–17:00" in text_of(message)
    for address in EVERYONE_WITH_THE_SESSIONS:
        assert len(mailbox.wait_for(address)) == 1
    # Nobody's mail carries the other participants' names or addresses.
    for message in mailbox.messages:
        body = text_of(message) + html_of(message)
        others = {"Cora", "Emma", "Piet", "Olga", "Stella"} - {str(message["To"]).split("@")[0].capitalize()}
        assert not any(name in body for name in others), message["To"]


def test_only_a_new_title_or_a_past_session_tells_nobody(group):
    meeting = group.cohort.sessions[1]
    update_session(group.staff, meeting, data_of(meeting, title="Bijeenkomst 1: samenwerken"), NOW)
    assert outbox() == []
    # A correction to a session that is over.
    later = datetime(2027, 5, 1, 9, 0, tzinfo=timezone.utc)
    update_session(group.staff, meeting, data_of(meeting, start=time(13, 0)), later)
    assert outbox() == []
    assert meeting.changes[-1].notified_at == later


def test_changes_not_yet_told_are_told_together_and_an_undone_change_not_at_all(group):
    meeting = group.cohort.sessions[1]
    original = (meeting.starts_at, meeting.ends_at)
    # Two changes recorded without a notice in between (as another code path might do).
    meeting.starts_at, meeting.ends_at = original[0] + timedelta(days=7), original[1] + timedelta(days=7)
    meeting.changes.append(SessionChange(kind="rescheduled", changed_at=NOW,
                                         before={"starts_at": original[0].isoformat(),
                                                 "ends_at": original[1].isoformat()}, after={}))
    meeting.address = "Markt 1, Aalten"
    meeting.changes.append(SessionChange(kind="moved", changed_at=NOW, before={"address": "Dorpsstraat 1, Doetinchem"},
                                         after={}))
    assert notify_session_change(meeting, NOW) == 5
    cora = notices()["cora@example.org"]
    assert "was: dinsdag 30 maart 2027, 13:30–17:00" in cora.body_text
    assert "was: Dorpsstraat 1, Doetinchem" in cora.body_text and "nu: Markt 1, Aalten" in cora.body_text
    # Moved back before anyone was told: nothing to tell.
    meeting.address = "Dorpsstraat 1, Doetinchem"
    meeting.changes.append(SessionChange(kind="moved", changed_at=NOW, before={"address": "Markt 1, Aalten"}, after={}))
    meeting.address = "Markt 1, Aalten"
    meeting.changes.append(SessionChange(kind="moved", changed_at=NOW, before={"address": "Dorpsstraat 1, Doetinchem"},
                                         after={}))
    assert notify_session_change(meeting, NOW) == 0


def test_what_staff_typed_is_escaped_in_the_html_mail(group):
    meeting = group.cohort.sessions[2]
    cancel_session(group.staff, meeting, '<script>alert("x")</script>', NOW)
    cora = notices()["cora@example.org"]
    assert "<script>" not in cora.body_html and "&lt;script&gt;" in cora.body_html
    assert '<script>alert("x")</script>' in cora.body_text  # plain text stays plain


def test_a_refused_change_queues_nothing(group):
    meeting = group.cohort.sessions[1]
    with pytest.raises(CohortError):
        update_session(group.staff, meeting, data_of(meeting, end=time(12, 0)), NOW)
    db.session.rollback()
    assert outbox() == []


def test_planning_a_draft_cohort_tells_nobody(group):
    from lms.cohorts.models import CohortStatus

    group.cohort.status = CohortStatus.DRAFT
    db.session.commit()
    meeting = group.cohort.sessions[1]
    update_session(group.staff, meeting, data_of(meeting, start=time(14, 0), end=time(17, 30)), NOW)
    assert outbox() == []
    assert meeting.changes[-1].notified_at == NOW
