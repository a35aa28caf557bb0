"""Quiz scoring, attempts and the quiz pages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.extensions import db
from lms.learning.models import QuizAttempt
from lms.learning.quiz import grant_attempt, score_quiz, submit_quiz
from lms.learning.services import LearningError
from tests.conftest import NOW


def right(course):
    q1, q2 = course["q1"], course["q2"]
    return {q1.id: [q1.options[0].id], q2.id: [q2.options[0].id, q2.options[1].id]}


def test_all_right_scores_100(course):
    result = score_quiz(course["m1"], right(course))
    assert result.score == 100 and result.is_passed and result.correct_count == 2


def test_multiple_answer_question_needs_exactly_the_right_set(course):
    q1, q2 = course["q1"], course["q2"]
    for chosen in ([q2.options[0].id], [o.id for o in q2.options], []):
        result = score_quiz(course["m1"], {q1.id: [q1.options[0].id], q2.id: chosen})
        assert result.score == 50 and [r.is_correct for r in result.questions] == [True, False]


def test_pass_mark_boundary_and_rounding(course):
    module, q1, q2 = course["m1"], course["q1"], course["q2"]
    half = {q1.id: [q1.options[0].id], q2.id: [q2.options[2].id]}
    module.pass_mark = 50
    assert score_quiz(module, half).is_passed  # exactly the pass mark passes
    module.pass_mark = 51
    assert not score_quiz(module, half).is_passed
    # Three questions, two right: 66.67 rounds to 67.
    from lms.learning.models import QuizOption, QuizQuestion

    q3 = QuizQuestion(position=3, text="Derde?")
    q3.options = [QuizOption(position=1, text="a", is_correct=True), QuizOption(position=2, text="b")]
    module.questions.append(q3)
    db.session.flush()
    assert score_quiz(module, {**right(course), q3.id: [q3.options[1].id]}).score == 67


def test_foreign_options_and_missing_answers_count_as_wrong(course):
    q1, q2 = course["q1"], course["q2"]
    result = score_quiz(course["m1"], {q1.id: [q2.options[0].id]})
    assert result.score == 0 and result.questions[0].chosen == set()


def test_no_quiz_no_score(course):
    with pytest.raises(LearningError):
        score_quiz(course["m2"], {})


def test_attempt_limit(course, make_user, enrol):
    coach = make_user(Role.COACH)
    enrol(course["cohort"], coach)
    course["m1"].max_attempts = 2
    db.session.commit()
    for _ in range(2):
        attempt, result, _changes = submit_quiz(coach, course["m1"], {}, NOW)
        assert attempt.score == 0 and not attempt.is_passed
    with pytest.raises(LearningError, match="al je pogingen"):
        submit_quiz(coach, course["m1"], right(course), NOW)


def test_only_enrolled_coaches_submit(course, make_user):
    with pytest.raises(LearningError):
        submit_quiz(make_user(Role.COACH), course["m1"], right(course), NOW)


# Pages -------------------------------------------------------------------------------------


@pytest.fixture
def coach(course, make_user, enrol, auth):
    user = make_user(Role.COACH, name="Cora Coach")
    enrol(course["cohort"], user)
    auth.login(user)
    return user


def test_quiz_page_uses_radios_and_checkboxes(client, course, coach):
    page = client.get(f"/learn/modules/{course['m1'].id}/quiz").get_data(as_text=True)
    assert re.search(rf'name="q{course["q1"].id}" required type="radio"', page)
    # Checkboxes carry no `required`: in HTML that would demand every box.
    assert re.search(rf'name="q{course["q2"].id}" type="checkbox"', page)
    assert "Meer dan één antwoord is goed." in page
    assert "Je haalt de quiz met 50% of meer" in page


def test_unanswered_question_is_refused_and_input_kept(client, course, coach):
    q1 = course["q1"]
    response = client.post(f"/learn/modules/{course['m1'].id}/quiz", data={f"q{q1.id}": q1.options[0].id})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kies minstens één antwoord." in page
    assert re.search(rf'checked[^>]*value="{q1.options[0].id}"|value="{q1.options[0].id}"[^>]*checked', page)
    assert db.session.execute(sa.select(sa.func.count()).select_from(QuizAttempt)).scalar_one() == 0


def test_submitting_shows_score_and_feedback(client, course, coach):
    q1, q2 = course["q1"], course["q2"]
    response = client.post(f"/learn/modules/{course['m1'].id}/quiz",
                           data={f"q{q1.id}": q1.options[1].id, f"q{q2.id}": [q2.options[0].id, q2.options[1].id]})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Je score: 50%" in page and "Gehaald." in page
    assert "De huisarts of POH verwijst." in page  # the explanation
    assert "Niet goed" in page and "(jouw antwoord)" in page
    # Passed: now the correct answers are shown too.
    assert "— goed" in page


def test_correct_answers_stay_hidden_until_passed(client, course, coach):
    course["m1"].pass_mark = 100
    db.session.commit()
    q1, q2 = course["q1"], course["q2"]
    response = client.post(f"/learn/modules/{course['m1'].id}/quiz",
                           data={f"q{q1.id}": q1.options[1].id, f"q{q2.id}": [q2.options[0].id]})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nog niet gehaald." in page and "Je score: 0%" in page
    assert "— goed" not in page and "Probeer opnieuw" in page


def test_another_coachs_attempt_is_not_found(client, course, coach, make_user, enrol):
    other = make_user(Role.COACH)
    enrol(course["cohort"], other)
    attempt, _result, _changes = submit_quiz(other, course["m1"], right(course), NOW)
    db.session.commit()
    assert client.get(f"/learn/attempts/{attempt.id}").status_code == 404
    assert client.get("/learn/attempts/999999").status_code == 404


def test_no_attempts_left(client, course, coach):
    course["m1"].max_attempts = 1
    db.session.commit()
    client.post(f"/learn/modules/{course['m1'].id}/quiz", data={f"q{course['q1'].id}": course["q1"].options[1].id,
                                                                 f"q{course['q2'].id}": course["q2"].options[2].id})
    page = client.get(f"/learn/modules/{course['m1'].id}/quiz").get_data(as_text=True)
    assert "Je hebt al je pogingen voor deze quiz gebruikt" in page and "Antwoorden versturen" not in page


def test_quiz_of_a_module_without_questions_is_not_found(client, course, coach):
    assert client.get(f"/learn/modules/{course['m2'].id}/quiz").status_code == 404


# Another attempt, granted by staff ---------------------------------------------------------


def wrong(course):
    q1, q2 = course["q1"], course["q2"]
    return {q1.id: [q1.options[1].id], q2.id: [q2.options[2].id]}


def test_staff_grant_one_more_attempt_audited(course, coach, make_user):
    module = course["m1"]
    module.max_attempts = 1
    db.session.commit()
    staff = make_user(Role.STAFF)
    with pytest.raises(LearningError, match="nog pogingen|attempts left"):
        grant_attempt(staff, coach, module, NOW)  # nothing used up yet
    submit_quiz(coach, module, wrong(course), NOW)
    db.session.commit()
    with pytest.raises(LearningError):
        submit_quiz(coach, module, right(course), NOW)
    grant_attempt(staff, coach, module, NOW)
    db.session.commit()
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "quiz.attempt_granted")).scalar_one()
    assert event.actor_id == staff.id and event.params == {"coach": coach.name, "module": module.title}
    attempt, result, _changes = submit_quiz(coach, module, right(course), NOW)
    db.session.commit()
    assert result.is_passed
    with pytest.raises(LearningError):
        grant_attempt(staff, coach, module, NOW)  # passed: nothing to grant


def test_no_grant_without_a_maximum_or_for_someone_not_following(course, coach, make_user):
    staff = make_user(Role.STAFF)
    with pytest.raises(LearningError):
        grant_attempt(staff, coach, course["m1"], NOW)  # no maximum number of attempts
    course["m1"].max_attempts = 1
    db.session.commit()
    with pytest.raises(LearningError):
        grant_attempt(staff, make_user(Role.COACH), course["m1"], NOW)


def test_grant_through_the_progress_grid(client, auth, course, coach, make_user):
    module = course["m1"]
    module.max_attempts = 1
    db.session.commit()
    submit_quiz(coach, module, wrong(course), NOW)
    db.session.commit()
    cohort = course["cohort"]
    url = f"/learn/manage/cohorts/{cohort.id}/progress/{coach.id}/modules/{module.id}/attempt"
    auth.login(course["trainer"])
    grid = client.get(f"/learn/manage/cohorts/{cohort.id}/progress").get_data(as_text=True)
    assert url not in grid  # trainers see the state, staff grant
    assert client.post(url).status_code == 403
    client.post("/logout")
    auth.login(make_user(Role.STAFF))
    grid = client.get(f"/learn/manage/cohorts/{cohort.id}/progress").get_data(as_text=True)
    assert f'action="{url}"' in grid
    response = client.post(url)
    assert response.status_code == 303 and response.headers["Location"].startswith(
        f"/learn/manage/cohorts/{cohort.id}/progress#progress-")
    assert f'action="{url}"' not in client.get(f"/learn/manage/cohorts/{cohort.id}/progress").get_data(as_text=True)
    client.post("/logout")
    auth.login(coach)
    page = client.get(f"/learn/modules/{module.id}/quiz").get_data(as_text=True)
    assert "Antwoorden versturen" in page  # the coach can take it again
