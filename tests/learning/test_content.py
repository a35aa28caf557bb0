"""Staff edit a module's lessons and quiz."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.extensions import db
from lms.learning.models import Lesson, QuizQuestion


@pytest.fixture
def staff(make_user, auth):
    user = make_user(Role.STAFF)
    auth.login(user)
    return user


def titles(module):
    db.session.expire_all()
    return [lesson.title for lesson in db.session.get(type(module), module.id).lessons]


def test_module_content_page(client, course, staff):
    m1 = course["m1"]
    page = client.get(f"/learn/manage/modules/{m1.id}").get_data(as_text=True)
    assert page.index("Wat is Welzijn op Recept?") < page.index("Jouw rol")
    assert "Wie verwijst?" in page and "De huisarts ✓" in page
    assert 'name="pass_mark"' in page and 'value="50"' in page


def test_add_lesson_with_preview_and_validation(client, course, staff):
    m2 = course["m2"]
    url = f"/learn/manage/modules/{m2.id}/lessons/new"
    page = client.get(url).get_data(as_text=True)
    assert 'data-hx-post="/learn/manage/preview"' in page and 'id="preview"' in page
    # Without JavaScript, "Preview" shows the rendered text and saves nothing.
    response = client.post(url, data={"title": "", "body": "## Kop\n\n<script>x</script>", "action": "preview"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h3>Kop</h3>" in page and "<script>x" not in page
    assert db.session.execute(sa.select(sa.func.count()).select_from(Lesson)).scalar_one() == 3
    # A missing title is refused at the field, the text kept.
    response = client.post(url, data={"title": "", "body": "Mijn tekst", "action": "save"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="title-error"' in page and "Mijn tekst" in page
    response = client.post(url, data={"title": "Privacy", "body": "Tekst", "action": "save"})
    assert response.status_code == 303
    assert titles(m2) == ["Samenwerken", "Privacy"]
    assert db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "lesson.create")).scalar_one()


def test_preview_fragment_is_sanitised(client, course, staff):
    response = client.post("/learn/manage/preview", htmx=True,
                           data={"body": "**vet** [x](javascript:alert(1)) <img src=x onerror=alert(1)>"})
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="preview"')
    assert "<strong>vet</strong>" in body and 'href="javascript' not in body and "<img" not in body


def test_edit_lesson(client, course, staff):
    lesson = course["m1"].lessons[1]
    page = client.get(f"/learn/manage/lessons/{lesson.id}").get_data(as_text=True)
    assert "- luisteren" in page
    response = client.post(f"/learn/manage/lessons/{lesson.id}", data={"title": "Jouw rol als coach", "body": "Nieuw"})
    assert response.status_code == 303
    db.session.refresh(lesson)
    assert lesson.title == "Jouw rol als coach" and lesson.body == "Nieuw"


def test_reorder_lessons_with_and_without_htmx(client, course, staff):
    m1 = course["m1"]
    first, second = m1.lessons
    response = client.post(f"/learn/manage/lessons/{second.id}/move", data={"direction": "up"}, htmx=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="lesson-list">')
    assert body.index("Jouw rol") < body.index("Wat is Welzijn op Recept?")
    assert titles(m1) == ["Jouw rol", "Wat is Welzijn op Recept?"]
    response = client.post(f"/learn/manage/lessons/{second.id}/move", data={"direction": "down"})
    assert response.status_code == 303
    assert titles(m1) == ["Wat is Welzijn op Recept?", "Jouw rol"]
    # Moving the last one down changes nothing; a made-up direction is refused.
    client.post(f"/learn/manage/lessons/{second.id}/move", data={"direction": "down"})
    assert titles(m1) == ["Wat is Welzijn op Recept?", "Jouw rol"]
    assert client.post(f"/learn/manage/lessons/{second.id}/move", data={"direction": "sideways"},
                       htmx=True).status_code == 422


def test_delete_lesson_asks_first(client, course, staff):
    lesson = course["m1"].lessons[0]
    page = client.get(f"/learn/manage/lessons/{lesson.id}/delete").get_data(as_text=True)
    assert "Deze les verwijderen?" in page
    assert db.session.get(Lesson, lesson.id) is not None
    response = client.post(f"/learn/manage/lessons/{lesson.id}/delete")
    assert response.status_code == 303
    assert titles(course["m1"]) == ["Jouw rol"]


def test_questions_are_validated_and_input_kept(client, course, staff):
    m2 = course["m2"]
    url = f"/learn/manage/modules/{m2.id}/questions/new"
    page = client.get(url).get_data(as_text=True)
    assert page.count('type="checkbox"') == 6
    response = client.post(url, data={"text": "Wat is een warme overdracht?", "option_0": "Meegaan"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Geef minstens twee antwoorden." in page and "Wat is een warme overdracht?" in page and "Meegaan" in page
    response = client.post(url, data={"text": "Wat is een warme overdracht?", "option_0": "Meegaan",
                                      "option_1": "Folder"})
    assert response.status_code == 422 and "Vink minstens één antwoord als goed aan." in response.get_data(as_text=True)
    response = client.post(url, data={"text": "Wat is een warme overdracht?", "option_0": "Meegaan",
                                      "correct_0": "y", "option_2": "Folder",
                                      "explanation": "Je gaat mee."})
    assert response.status_code == 303
    [question] = db.session.get(type(m2), m2.id).questions
    assert [(o.text, o.is_correct) for o in question.options] == [("Meegaan", True), ("Folder", False)]


def test_edit_question_replaces_options(client, course, staff):
    q2 = course["q2"]
    page = client.get(f"/learn/manage/questions/{q2.id}").get_data(as_text=True)
    assert 'value="Een gebroken been"' in page
    response = client.post(f"/learn/manage/questions/{q2.id}", data={
        "text": "Welke klacht past?", "option_0": "Eenzaamheid", "correct_0": "y",
        "option_1": "Griep"})
    assert response.status_code == 303
    db.session.expire_all()
    question = db.session.get(QuizQuestion, q2.id)
    assert question.text == "Welke klacht past?"
    assert [(o.text, o.is_correct) for o in question.options] == [("Eenzaamheid", True), ("Griep", False)]


def test_reorder_and_delete_questions(client, course, staff):
    q1, q2 = course["q1"], course["q2"]
    body = client.post(f"/learn/manage/questions/{q2.id}/move", data={"direction": "up"}, htmx=True).get_data(as_text=True)
    assert body.lstrip().startswith('<div id="question-list">') and body.index("Welke klachten") < body.index("Wie verwijst")
    assert client.post(f"/learn/manage/questions/{q1.id}/delete").status_code == 303
    db.session.expire_all()
    assert [q.text for q in db.session.get(type(course["m1"]), course["m1"].id).questions] == ["Welke klachten passen?"]


def test_quiz_settings(client, course, staff):
    m1 = course["m1"]
    response = client.post(f"/learn/manage/modules/{m1.id}/quiz", data={"pass_mark": "150", "max_attempts": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="pass_mark-error"' in page and 'id="max_attempts-error"' in page and 'value="150"' in page
    response = client.post(f"/learn/manage/modules/{m1.id}/quiz", data={"pass_mark": "80", "max_attempts": "3"})
    assert response.status_code == 303
    db.session.refresh(m1)
    assert (m1.pass_mark, m1.max_attempts) == (80, 3)
    client.post(f"/learn/manage/modules/{m1.id}/quiz", data={"pass_mark": "80", "max_attempts": ""})
    db.session.refresh(m1)
    assert m1.max_attempts is None  # unlimited retries


def test_coaches_and_trainers_cannot_edit(client, auth, course, make_user):
    auth.login(course["trainer"])
    assert client.get(f"/learn/manage/modules/{course['m1'].id}").status_code == 403
    assert client.post("/learn/manage/preview", data={"body": "x"}).status_code == 403
