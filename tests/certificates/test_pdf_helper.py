"""The certificate PDF is rendered in a helper process, so the web worker never loads WeasyPrint (issue 20)."""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lms.certificates import documents
from lms.helper_process import HelperProcess, HelperUnavailable
from tests.servers import children, gunicorn, is_running

SECRET = "gunicorn-test-" + "x" * 32


def _maps(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def _session_cookie(app, user) -> str:
    """A session of ``user`` as the server started with SECRET signs it."""
    saved = app.secret_key
    app.secret_key = SECRET
    try:
        return app.session_interface.get_signing_serializer(app).dumps({"_user_id": user.session_token,
                                                                         "_fresh": True})
    finally:
        app.secret_key = saved


def test_the_pdf_is_made_in_the_helper_and_weasyprint_never_loaded_here(client, auth, coach, issue):
    certificate = issue(coach)
    auth.login(coach)
    documents._PDFS.clear()
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert documents.PDF_HELPER.pid not in (None, os.getpid())
    assert "weasyprint" not in sys.modules  # no test imports it either: only helper processes do


@pytest.mark.slow  # a gunicorn server, and a helper started cold in its worker
def test_gunicorn_workers_serve_pdfs_without_loading_weasyprint(app, coach, issue, tmp_path):
    """The worker renders the HTML, its helper (a child of the worker) the PDF; Pango is mapped only there,
    and the helper ends with the server."""
    certificate = issue(coach)
    env = {"LMS_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SESSION_COOKIE_SECURE": "false", "MAIL_BACKEND": "none"}
    with gunicorn(tmp_path, "wsgi:app", env=env) as (base, logs, server):
        [worker] = children(server.pid)
        request = urllib.request.Request(f"{base}/certificates/{certificate.id}.pdf",
                                         headers={"Cookie": f"session={_session_cookie(app, coach)}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200 and response.read().startswith(b"%PDF-")
        helpers = [pid for pid in children(worker) if "libpango" in _maps(pid)]
        assert len(helpers) == 1, logs["error"].read_text()
        assert "libpango" not in _maps(worker)
    deadline = time.monotonic() + 10
    while is_running(helpers[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_running(helpers[0])


def test_the_pdf_helper_is_started_again_after_it_died(client, auth, coach, issue):
    certificate = issue(coach)
    auth.login(coach)
    documents._PDFS.clear()
    first = client.get(f"/certificates/{certificate.id}.pdf")
    helper = documents.PDF_HELPER.pid
    assert first.status_code == 200 and helper not in (None, os.getpid())
    os.kill(helper, signal.SIGKILL)

    documents._PDFS.clear()  # not served from what this process kept: rendered again
    again = client.get(f"/certificates/{certificate.id}.pdf")
    assert again.status_code == 200 and again.data.startswith(b"%PDF-")
    assert documents.PDF_HELPER.pid not in (None, helper)


def test_a_helper_without_an_answer_is_a_503_not_a_hang(client, auth, coach, issue, monkeypatch, caplog):
    slow = HelperProcess("slow PDF helper", timeout=0.5)
    monkeypatch.setattr(documents, "html_to_pdf", lambda html, stylesheet: slow.call(time.sleep, 30))
    documents._PDFS.clear()
    certificate = issue(coach)
    auth.login(coach)
    try:
        response = client.get(f"/certificates/{certificate.id}.pdf")
    finally:
        slow.close()
    assert response.status_code == 503
    [record] = [r for r in caplog.records if r.name == "lms.certificates.routes"]
    assert record.getMessage() == f"certificate {certificate.id}: no PDF"
    assert isinstance(record.exc_info[1], HelperUnavailable)
    assert "gave no answer within 0.5 s" in str(record.exc_info[1])
