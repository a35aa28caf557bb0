from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from lms import clock, ratelimit
from lms.auth.access import staff_required
from lms.auth.models import Role
from lms.certificates import bp
from lms.certificates import cli as _cli  # noqa: F401 - registers `flask lms certificate-reminders`
from lms.certificates.documents import certificate_pdf, document_context, verify_url
from lms.certificates.facts import certified
from lms.certificates.forms import ReissueForm, RevokeForm, VerifyForm
from lms.certificates.models import Certificate, CertificateStatus, RevocationReason, StatusList
from lms.certificates.openbadges.badge import badge_png
from lms.certificates.openbadges.credential import CONTEXT, issuer_profile
from lms.certificates.openbadges.keys import KeyStoreError, has_signing_key, key_directory, load_keys
from lms.certificates.openbadges.signing import (
    MEDIA_TYPE,
    payload_of,
    published_key,
    published_keys,
    sign,
    signed_credential,
    status_list_credential,
    verify_certificate,
)
from lms.certificates.services import (
    can_manage,
    can_view,
    certificate_list_query,
    certificates_of,
    find_by_number,
    find_by_verification_id,
    predecessor_of,
    reissue_certificate,
    revoke_certificate,
    status_of,
)
from lms.extensions import db
from lms.helper_process import HelperUnavailable
from lms.htmx import redirect_to, render
from lms.panels import panel
from lms.web import perform

log = logging.getLogger(__name__)
VERIFY_ENDPOINTS = {"certificates.verify", "certificates.verify_form", "certificates.openbadge"}


@bp.after_request
def _not_for_search_engines(response):
    # Certificates name people: no page of this feature belongs in a search index or a shared cache.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    if request.endpoint in VERIFY_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def _visible_or_404(certificate_id: int) -> Certificate:
    """The certificate if the current user may see it; 404 otherwise, since existence is private."""
    certificate = db.session.execute(
        sa.select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(joinedload(Certificate.cohort), joinedload(Certificate.replaced_by))
    ).scalar_one_or_none()
    if certificate is None or not can_view(current_user, certificate):
        abort(404)
    return certificate


# The holder's own certificates ---------------------------------------------------------


def _rows(certificates, now) -> list[dict]:
    return [
        {"certificate": c, "facts": certified(c), "state": status_of(c, now), "verify_url": verify_url(c)}
        for c in certificates
    ]


@bp.get("/certificates/mine")
@login_required
def mine():
    now = clock.now()
    certificates = db.session.execute(certificates_of(current_user)).scalars().all()
    return render("certificates/mine.html", rows=_rows(certificates, now), statuses=CertificateStatus)


@panel("certificates", "certificates/_panel_mine.html", (Role.COACH,), order=60)
def _mine_panel(user, now):
    certificates = db.session.execute(certificates_of(user).where(Certificate.revoked_at.is_(None))).scalars().all()
    if not certificates:
        return None
    return {"rows": _rows(certificates, now), "statuses": CertificateStatus}


# One certificate: the page and the PDF ------------------------------------------------


@bp.get("/certificates/<int:certificate_id>")
@login_required
def show(certificate_id: int):
    certificate = _visible_or_404(certificate_id)
    context = document_context(certificate, clock.now())
    manage = can_manage(current_user)
    return render(
        "certificates/show.html",
        **context,
        is_holder=certificate.user_id == current_user.id,
        can_manage=manage,
        openbadge=has_signing_key(key_directory()),
        predecessor=predecessor_of(certificate) if manage else None,
    )


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def pdf(certificate_id: int):
    certificate = _visible_or_404(certificate_id)
    try:
        response = make_response(certificate_pdf(certificate, clock.now()))
    except HelperUnavailable:
        log.exception("certificate %s: no PDF", certificate.id)
        abort(503)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{certificate.pdf_filename}"'
    return response


# Public verification -------------------------------------------------------------------


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _over_limit():
    """Count this look-up for the client's address; a 429 response when over the limit."""
    # The count must outlive a 404 for a guessed number: lms/ratelimit.py counts in its own transaction.
    if ratelimit.hit("VERIFY_LIMIT", "verify-address", _client_address()):
        return None
    wait = ratelimit.retry_after("VERIFY_LIMIT", "verify-address", _client_address())
    response = render(
        "certificates/verify_form.html",
        form=VerifyForm(formdata=None),
        error=_("Too many look-ups from your address. Please wait a minute and try again."),
        status=429,
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _not_found(form: VerifyForm):
    # The same words for an unknown link and an unknown number, and nothing about which part was wrong.
    return render(
        "certificates/verify_form.html",
        form=form,
        error=_("No certificate was found. Check the number or the link, or ask the holder for the certificate."),
        status=404,
    )


@bp.route("/verify", methods=["GET", "POST"])
def verify_form():
    form = VerifyForm()
    if request.method == "GET":
        return render("certificates/verify_form.html", form=form, error=None)
    limited = _over_limit()
    if limited is not None:
        return limited
    if not form.validate_on_submit():
        return render("certificates/verify_form.html", form=form, error=None, status=422)
    certificate = find_by_number(form.number.data)
    if certificate is None:
        return _not_found(form)
    return redirect_to(url_for("certificates.verify", verification_id=certificate.verification_id))


def _public_certificate(verification_id: str):
    """The certificate a public link names; otherwise the 429 or 404 answer ends the request."""
    limited = _over_limit()
    if limited is not None:
        abort(limited)
    certificate = find_by_verification_id(verification_id)
    if certificate is None:
        abort(_not_found(VerifyForm(formdata=None)))
    return certificate


@bp.get("/verify/<verification_id>")
def verify(verification_id: str):
    certificate = _public_certificate(verification_id)
    now = clock.now()
    replacement = certificate.replaced_by
    try:
        credential = verify_certificate(certificate, now)
    except KeyStoreError as exc:
        current_app.logger.error("Open Badges: %s", exc)
        credential = None
    return render(
        "certificates/verify.html",
        certificate=certificate,
        facts=certified(certificate),
        state=status_of(certificate, now),
        statuses=CertificateStatus,
        replacement=replacement,
        checked_at=now,
        credential=credential,
    )


# Open Badges: the credential, the issuer's keys and profile, the status lists -------------
# Public and meant for machines (wallets, verifiers in other sites' pages): any origin may read them.


def _public(body: str | bytes, mimetype: str, *, cache: str, filename: str | None = None) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = cache
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _json(data: dict, mimetype: str = "application/json", **kwargs) -> Response:
    return _public(json.dumps(data, ensure_ascii=False, indent=2) + "\n", mimetype, **kwargs)


def _signed(make):
    """The signed token, or 503 while the platform has no usable signing key (the log says why)."""
    try:
        return make()
    except KeyStoreError as exc:
        current_app.logger.error("Open Badges: %s", exc)
        abort(503)


@bp.get("/verify/<verification_id>/openbadge.<any(jwt, json, png):form>")
def openbadge(verification_id: str, form: str):
    """The certificate's credential: the signed token, its JSON, or the badge image with it baked in."""
    certificate = _public_certificate(verification_id)
    token = _signed(lambda: signed_credential(certificate))
    filename = f"{certificate.pdf_filename.removesuffix('.pdf')}.{form}"
    if form == "jwt":
        return _public(token, MEDIA_TYPE, cache="no-store", filename=filename)
    if form == "json":
        return _json(payload_of(token), cache="no-store", filename=filename)
    return _public(badge_png(certified(certificate), token), "image/png", cache="no-store", filename=filename)


@bp.get("/.well-known/jwks.json")
def jwks():
    """Every public key the issuer signed with, so credentials signed before a rotation keep verifying."""
    return _json(published_keys(), "application/jwk-set+json", cache="public, max-age=300")


@bp.get("/openbadges/keys/<kid>")
def openbadges_key(kid: str):
    """One public key, at the address a credential's ``kid`` names."""
    for key in load_keys(key_directory()):
        if key.kid == kid:
            return _json(published_key(key.kid, key.public_jwk), "application/jwk+json", cache="public, max-age=300")
    abort(404)


@bp.get("/openbadges/issuer")
def openbadges_issuer():
    """The issuer's profile: the knowledge network, its name and address."""
    return _json({"@context": CONTEXT, **issuer_profile()}, cache="public, max-age=300")


@bp.get("/openbadges/status/<int:list_id>.<any(jwt, json):form>")
def status_list(list_id: int, form: str):
    """A revocation list as a signed BitstringStatusListCredential (``.jwt``), or its JSON."""
    status = db.get_or_404(StatusList, list_id)
    token = _signed(lambda: sign(status_list_credential(status)))
    # Short-lived in caches: a revocation must reach verifiers soon.
    if form == "json":
        return _json(payload_of(token), cache="public, max-age=60")
    return _public(token, MEDIA_TYPE, cache="public, max-age=60")


# Staff: list, revoke, reissue ----------------------------------------------------------


@bp.get("/staff/certificates")
@staff_required
def index():
    search = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "")
    now = clock.now()
    page = db.paginate(
        certificate_list_query(now, search, status),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    rows = [{"certificate": c, "facts": certified(c), "state": status_of(c, now)} for c in page.items]
    return render(
        "certificates/index.html", "certificates/_table.html",
        page=page, rows=rows, q=search, status_filter=status, statuses=CertificateStatus,
    )


def _confirm(certificate_id: int, form_class, action, template: str, success):
    certificate = db.get_or_404(Certificate, certificate_id)
    if certificate.is_revoked:
        flash(_("This certificate has already been revoked."), "info")
        return redirect_to(url_for("certificates.show", certificate_id=certificate.id))
    form = form_class()
    outcome = perform(form, lambda: action(current_user._get_current_object(), certificate, form, clock.now()))
    if outcome:
        flash(success(certificate, outcome.result), "success")
        return redirect_to(url_for("certificates.show", certificate_id=outcome.result.id))
    if outcome.error is not None and not getattr(outcome.error, "field", None):
        return redirect_to(url_for("certificates.show", certificate_id=certificate.id))  # the flash says why
    return render(template, certificate=certificate, facts=certified(certificate), form=form, status=outcome.status)


@bp.route("/staff/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@staff_required
def revoke(certificate_id: int):
    return _confirm(
        certificate_id, RevokeForm,
        lambda actor, certificate, form, now: revoke_certificate(
            actor, certificate, form.reason.data, now, reason=RevocationReason(form.public_reason.data)),
        "certificates/revoke.html",
        lambda old, _new: _("Certificate %(number)s has been revoked.", number=old.number),
    )


@bp.route("/staff/certificates/<int:certificate_id>/reissue", methods=["GET", "POST"])
@staff_required
def reissue(certificate_id: int):
    return _confirm(
        certificate_id, ReissueForm,
        lambda actor, certificate, form, now: reissue_certificate(actor, certificate, form.reason.data, now),
        "certificates/reissue.html",
        lambda old, new: _(
            "Certificate %(new)s has been issued; %(old)s has been revoked and refers to it.",
            new=new.number, old=old.number,
        ),
    )

