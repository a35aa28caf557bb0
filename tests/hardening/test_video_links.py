"""A video link is an https URL with a host: it goes into pages, mails and calendar files as a URI."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import URLField

from lms.cohorts.forms import NewCohortForm, SessionForm
from lms.forms import https_url


class LinkForm(FlaskForm):
    class Meta:
        csrf = False

    video_url = URLField("Video", validators=[https_url])


@pytest.mark.parametrize("link", [
    "https://meet.example.org/abc", "https://zoom.us/j/123?pwd=a%20b", "https://teams.microsoft.com/l/meetup-join/19%3a",
    "HTTPS://Meet.Example.org/x", "https://meet.example.org:8443/x#frag",
])
def test_good_links(app, link):
    with app.test_request_context():
        assert LinkForm(MultiDict({"video_url": link})).validate()


@pytest.mark.parametrize("link", [
    "http://meet.example.org/x", "https://", "https:///path", "https://meet example.org", "https://meet.example.org/a b",
    'https://meet.example.org/"onmouseover', "https://meet.example.org/<x>", "https://meet.example.org/\t",
    "https://user:pass@meet.example.org/", "https://meet.example.org:99999/", "https://meet.example.org:abc/",
    "https://ëxample.org/", "https://meet.example.org/\u202e", "javascript:alert(1)", "//meet.example.org",
    "https://localhost/x", "https://meet.example.org/x'y",
])
def test_bad_links(app, link):
    with app.test_request_context():
        form = LinkForm(MultiDict({"video_url": link}))
        assert not form.validate()
        assert form.video_url.errors


def test_the_cohort_and_session_forms_use_it():
    for form in (NewCohortForm, SessionForm):
        assert https_url in form.video_url.kwargs["validators"]
