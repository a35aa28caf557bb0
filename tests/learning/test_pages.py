"""The coach's learning page, lessons with "mark as done", and the start-page panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.attendance.models import AttendanceStatus
from lms.auth.models import Role
from lms.cohorts.models import CohortStatus, SessionStatus
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.learning.models import LessonCompletion
from lms.learning.services import make_up_options
from tests.conftest import NOW


@pytest.fixture
def upcoming(course, make_cohort):
    """A cohort of the same programme whose sessions are all ahead."""
    return make_cohort(course["programme"], first=(NOW + timedelta(days=20)).date(), title="Groep voorjaar")


def test_learning_page_shows_next_session_progress_attendance_and_what_is_needed(
        client, auth, course, upcoming, make_user, enrol):
    coach = make_user(Role.COACH)
    enrol(upcoming, coach, at=NOW - timedelta(days=1))
    db.session.add(LessonCompletion(user_id=coach.id, lesson_id=course["m1"].lessons[0].id, completed_at=NOW))
    db.session.commit()
    auth.login(coach)
    page = client.get("/learn").get_data(as_text=True)
    assert "Groep voorjaar" in page and "Volgende bijeenkomst" in page
    first = upcoming.sessions[0]
    assert first.title in page and "https://meet.example.org/x" in page  # the video link, for an enrolled coach
    assert '<progress value="1" max="3"' in page  # module 1: one of two lessons, quiz still open
    assert "1 van 2 lessen gedaan · quiz nog maken" in page
    assert "Nog nodig om af te ronden" in page and "1 les en de quiz" in page
    assert f"Kom naar {first.title}" in page
    assert "Komt nog" in page


def test_video_link_only_for_enrolled_coaches(client, auth, upcoming, make_user, enrol):
    waiting = make_user(Role.COACH)
    enrol(upcoming, waiting, status=EnrolmentStatus.WAITLISTED)
    auth.login(waiting)
    page = client.get("/learn").get_data(as_text=True)
    assert "meet.example.org" not in page and "Je bent nog niet ingeschreven" in page


@pytest.fixture
def missed_second(course, make_user, enrol, attend, finish_modules):
    """A coach of the course's cohort who did everything but the second session (absent)."""
    coach = make_user(Role.COACH)
    enrol(course["cohort"], coach)
    first, second, third = course["sessions"]
    attend(first, coach)
    attend(second, coach, AttendanceStatus.ABSENT)
    attend(third, coach)
    finish_modules(coach, course["programme"])
    return coach


def test_missed_session_points_to_a_make_up(client, auth, course, upcoming, missed_second):
    coach, second = missed_second, course["sessions"][1]
    auth.login(coach)
    page = client.get("/learn").get_data(as_text=True)
    assert "Afwezig" in page and "Aanwezig" in page
    assert f"Haal {second.title} in" in page
    assert "Groep voorjaar" in page  # where the same session comes up next


def test_a_missed_session_names_the_three_soonest_other_groups(client, auth, course, make_cohort, missed_second):
    """The country has hundreds of groups; the page names the first three where the session comes up,
    never the coach's own, soonest first."""
    coach = missed_second
    for days, title in ((50, "Groep E"), (20, "Groep A"), (40, "Groep D"), (30, "Groep C"), (25, "Groep B")):
        make_cohort(course["programme"], first=(NOW + timedelta(days=days)).date(), title=title)
    auth.login(coach)
    page = client.get("/learn").get_data(as_text=True)
    named = [title for title in ("Groep A", "Groep B", "Groep C", "Groep D", "Groep E") if title in page]
    assert named == ["Groep A", "Groep B", "Groep C"]
    assert page.index("Groep A") < page.index("Groep B") < page.index("Groep C")


def test_completed_enrolment_says_afgerond(client, auth, course, make_user, enrol):
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach, status=EnrolmentStatus.COMPLETED)
    enrolment.completed_at = NOW
    db.session.commit()
    auth.login(coach)
    page = client.get("/learn").get_data(as_text=True)
    assert "Afgerond" in page and "Nog nodig om af te ronden" not in page


def test_a_coach_sees_only_their_own_learning(client, auth, course, make_user, enrol):
    me, other = make_user(Role.COACH, name="Ik Zelf"), make_user(Role.COACH, name="Iemand Anders")
    enrol(course["cohort"], other)
    auth.login(me)
    page = client.get("/learn").get_data(as_text=True)
    assert "Groep Achterhoek" not in page and "Iemand Anders" not in page


def test_lessons_in_order_with_previous_and_next(client, auth, course, make_user, enrol):
    coach = make_user(Role.COACH)
    enrol(course["cohort"], coach)
    auth.login(coach)
    one, two = course["m1"].lessons
    page = client.get(f"/learn/lessons/{one.id}").get_data(as_text=True)
    assert "Les 1 van 2" in page and "<h3>Inleiding</h3>" in page
    assert f'href="/learn/lessons/{two.id}" rel="next"' in page and 'rel="prev"' not in page
    page = client.get(f"/learn/lessons/{two.id}").get_data(as_text=True)
    assert f'href="/learn/lessons/{one.id}" rel="prev"' in page
    assert f'href="/learn/modules/{course["m1"].id}/quiz" rel="next"' in page  # after the last lesson: the quiz


def test_mark_as_done_without_javascript(client, auth, course, make_user, enrol):
    coach = make_user(Role.COACH)
    enrol(course["cohort"], coach)
    auth.login(coach)
    lesson = course["m1"].lessons[0]
    page = client.get(f"/learn/lessons/{lesson.id}").get_data(as_text=True)
    assert f'action="/learn/lessons/{lesson.id}/done"' in page and "Markeer als gedaan" in page
    response = client.post(f"/learn/lessons/{lesson.id}/done")
    assert response.status_code == 303 and response.headers["Location"] == f"/learn/lessons/{lesson.id}"
    page = client.get(f"/learn/lessons/{lesson.id}").get_data(as_text=True)
    assert "✓ Gedaan" in page and "Markeer als gedaan" not in page
    client.post(f"/learn/lessons/{lesson.id}/done")  # twice is harmless
    assert db.session.execute(sa.select(sa.func.count()).select_from(LessonCompletion)).scalar_one() == 1


def test_mark_as_done_with_htmx_returns_the_fragment(client, auth, course, make_user, enrol):
    coach = make_user(Role.COACH)
    enrol(course["cohort"], coach)
    auth.login(coach)
    lesson = course["m1"].lessons[0]
    response = client.post(f"/learn/lessons/{lesson.id}/done", htmx=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="lesson-done"') and "1 van 2 lessen van deze module gedaan" in body


def test_completion_by_the_last_lesson_is_announced(client, auth, course, make_user, enrol, attend, finish_modules):
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach)
    for session in course["sessions"]:
        attend(session, coach)
    finish_modules(coach, course["programme"])
    last = course["m2"].lessons[0]
    db.session.execute(sa.delete(LessonCompletion).where(LessonCompletion.lesson_id == last.id))
    db.session.commit()
    auth.login(coach)
    body = client.post(f"/learn/lessons/{last.id}/done", htmx=True).get_data(as_text=True)
    assert 'data-hx-swap-oob="true"' in body and "Gefeliciteerd! Je hebt Basistraining welzijnscoach afgerond." in body
    db.session.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_lessons_of_another_programme_are_not_reachable(client, auth, course, make_user, make_programme, enrol):
    from lms.learning.models import Lesson

    coach = make_user(Role.COACH)
    enrol(course["cohort"], coach)
    other = make_programme("Verdieping")
    lesson = Lesson(position=1, title="Geheim", body="x")
    other.modules[0].lessons.append(lesson)
    db.session.commit()
    auth.login(coach)
    assert client.get(f"/learn/lessons/{lesson.id}").status_code == 403
    assert client.post(f"/learn/lessons/{lesson.id}/done").status_code == 403
    assert client.get(f"/learn/modules/{other.modules[0].id}").status_code == 403
    assert client.get("/learn/lessons/999999").status_code == 404


def test_cancelled_enrolment_loses_access(client, auth, course, make_user, enrol):
    coach = make_user(Role.COACH)
    enrol(course["cohort"], coach, status=EnrolmentStatus.WAITLISTED)
    auth.login(coach)
    assert client.get(f"/learn/lessons/{course['m1'].lessons[0].id}").status_code == 403


def test_module_page(client, auth, course, make_user, enrol):
    coach = make_user(Role.COACH)
    enrol(course["cohort"], coach)
    auth.login(coach)
    page = client.get(f"/learn/modules/{course['m1'].id}").get_data(as_text=True)
    assert "Wat is Welzijn op Recept?" in page and "Maak de quiz" in page and "cesuur 50%" in page


def test_start_page_panel_for_coaches(client, auth, course, make_user, enrol, attend):
    coach = make_user(Role.COACH)
    enrol(course["cohort"], coach)
    attend(course["sessions"][0], coach)
    auth.login(coach)
    page = client.get("/").get_data(as_text=True)
    assert 'id="panel-learning-progress"' in page
    assert "0 van 2 modules gedaan" in page and "1 van 3 bijeenkomsten bijgewoond" in page


def test_what_is_needed_links_the_first_lesson_not_done_in_the_module_s_order(client, auth, course, upcoming,
                                                                               make_user, enrol):
    """The lessons' order is their position, not their ids: after the lessons of module 1 change
    places, the link goes to the lesson that now comes first."""
    first, second = course["m1"].lessons
    first.position, second.position = second.position, first.position  # the second lesson now comes first
    coach = make_user(Role.COACH)
    enrol(upcoming, coach)
    db.session.commit()
    auth.login(coach)
    page = client.get("/learn").get_data(as_text=True)
    assert f'href="/learn/lessons/{second.id}">{course["m1"].title}</a>' in page
    db.session.add(LessonCompletion(user_id=coach.id, lesson_id=second.id, completed_at=NOW))
    db.session.commit()
    page = client.get("/learn").get_data(as_text=True)
    assert f'href="/learn/lessons/{first.id}">{course["m1"].title}</a>' in page
    assert "1 van 2 lessen gedaan" in page


def test_each_missed_session_has_its_own_soonest_groups(course, make_cohort, make_programme, make_user, enrol,
                                                         attend):
    """Two sessions missed: each gets the first upcoming groups where that very session is held,
    soonest first; a cancelled session, a draft or cancelled group, the coach's own group and
    another programme's groups are never offered."""
    coach = make_user(Role.COACH)
    enrolment = enrol(course["cohort"], coach)
    first, second, third = course["sessions"]
    attend(first, coach)
    attend(second, coach, AttendanceStatus.ABSENT)
    attend(third, coach, AttendanceStatus.EXCUSED)
    groups = {title: make_cohort(course["programme"], first=(NOW + timedelta(days=days)).date(), title=title)
              for days, title in ((30, "Groep C"), (20, "Groep A"), (25, "Groep B"), (40, "Groep D"),
                                  (60, "Groep E"))}
    groups["Groep B"].sessions[2].status = SessionStatus.CANCELLED  # B holds the second session, not the third
    make_cohort(course["programme"], first=(NOW + timedelta(days=10)).date(), title="Concept",
                status=CohortStatus.DRAFT)
    make_cohort(course["programme"], first=(NOW + timedelta(days=11)).date(), title="Gestopt",
                status=CohortStatus.CANCELLED)
    make_cohort(make_programme(), first=(NOW + timedelta(days=12)).date(), title="Ander programma")
    db.session.commit()

    options = make_up_options([enrolment], {second.template_id, third.template_id}, NOW)
    titles = {template: [option.cohort_title for option in found] for template, found in options.items()}
    assert set(titles) == {second.template_id, third.template_id}
    # Per template at least MAKE_UP_SHOWN (3) besides the coach's own group, soonest first.
    assert titles[second.template_id][:3] == ["Groep A", "Groep B", "Groep C"]
    assert titles[third.template_id][:3] == ["Groep A", "Groep C", "Groep D"]
    for found in options.values():
        assert [option.starts_at for option in found] == sorted(option.starts_at for option in found)
        assert all(option.starts_at > NOW for option in found)
