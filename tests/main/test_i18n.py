from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from lms.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_every_string_has_a_dutch_translation(tmp_path):
    """Extract the strings from code and templates now; each needs a non-fuzzy Dutch text."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "--ignore-dirs", ".* .venv node_modules", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    extracted = read_po(pot.open("rb"))
    catalogue = read_po((ROOT / "lms/translations/nl/LC_MESSAGES/messages.po").open("rb"))
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translated = catalogue.get(message.id)
        if translated is None or "fuzzy" in translated.flags:
            missing.append(message.id)
            continue
        strings = translated.string if isinstance(translated.string, tuple) else (translated.string,)
        if not all(strings):
            missing.append(message.id)
    assert missing == [], "untranslated strings; run `make messages` and translate"


def test_language_switch(client, auth, make_user):
    assert 'lang="nl"' in client.get("/").get_data(as_text=True)
    response = client.post("/language", data={"locale": "en", "next": "/login"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Log in" in page


def test_language_switch_is_remembered_for_the_user(client, auth, make_user):
    user = make_user()
    auth.login(user)
    client.post("/language", data={"locale": "en", "next": "/"})
    db.session.refresh(user)
    assert user.locale == "en"


def test_language_switch_refuses_foreign_next(client):
    response = client.post("/language", data={"locale": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_dates_are_shown_in_amsterdam_time(app):
    from datetime import datetime, timezone

    from flask_babel import force_locale

    from lms.i18n import fmt_datetime, fmt_timerange

    with app.test_request_context():
        winter = datetime(2026, 11, 3, 8, 0, tzinfo=timezone.utc)
        summer = datetime(2026, 7, 3, 7, 0, tzinfo=timezone.utc)
        with force_locale("nl"):
            assert fmt_datetime(winter) == "3 nov 2026, 09:00"
            assert fmt_datetime(summer) == "3 jul 2026, 09:00"
            assert fmt_timerange(winter, winter.replace(hour=11, minute=30)) == "dinsdag 3 november 2026, 09:00–12:30"
        with force_locale("en"):
            assert fmt_timerange(winter, winter.replace(hour=11, minute=30)) == "Tuesday 3 November 2026, 09:00–12:30"


def test_status_labels_are_kept_per_request_and_locale(app):
    # A list translates each label once per request; a force_locale block (a mail) gets its own.
    from flask_babel import force_locale

    from lms.cohorts.models import CohortStatus, status_label

    with app.test_request_context():
        with force_locale("nl"):
            assert status_label(CohortStatus.OPEN) == "Open voor inschrijving"
            with force_locale("en"):
                assert status_label("open") == "Open for enrolment"
            assert status_label(CohortStatus.OPEN) == "Open voor inschrijving"
    with app.test_request_context():
        with force_locale("en"):
            assert status_label(CohortStatus.CLOSED) == "Enrolment closed"
