"""Routes of certificates: the holder's pages, public verification, and staff management.

Existence is private: a certificate someone may not see answers 404, not 403. The
coordinator sees certificates of cohorts in their regions (``certificate_id`` and
``other_certificate_id`` are from a cohort in theirs), not those elsewhere
(``far_certificate_id``).
"""

from __future__ import annotations

from datetime import timedelta

from tests.access import EVERYONE, LOGGED_IN, STAFF, Route, p

HOLDER_AND_OVERSIGHT = frozenset({"coach", "staff", "admin", "coordinator"})
OVERSIGHT = frozenset({"staff", "admin", "coordinator"})


def extend_world(w: dict) -> None:
    """A certificate of the other coach from a cohort in the other region."""
    from lms.certificates.openbadges.keys import key_directory, signing_key
    from lms.certificates.services import issue_certificate
    from lms.cohorts.models import Cohort, CohortStatus, Session
    from lms.enrolment.models import Enrolment, EnrolmentStatus
    from lms.extensions import db

    programme = w["programme"]
    template = w["cohort"].sessions[0]
    far_cohort = Cohort(programme=programme, region_id=w["other_region_id"], title="Groep Rivierenland vorig jaar",
                        capacity=16, status=CohortStatus.COMPLETED)
    starts = template.starts_at - timedelta(days=420)
    far_cohort.sessions.append(Session(kind=template.kind, title=template.title, starts_at=starts,
                                       ends_at=starts + timedelta(hours=3, minutes=30), net_hours=template.net_hours))
    far_cohort.starts_at = starts
    db.session.add(far_cohort)
    db.session.flush()
    enrolment = Enrolment(cohort=far_cohort, user=w["other_coach"], programme_id=programme.id,
                          status=EnrolmentStatus.COMPLETED, completed_at=starts + timedelta(hours=4))
    far_cohort.seats_taken += 1
    db.session.add(enrolment)
    db.session.flush()
    certificate = issue_certificate(enrolment, starts + timedelta(hours=5))
    db.session.flush()
    w["far_certificate_id"] = certificate.id
    w["status_list_id"] = certificate.status_list_id
    w["openbadges_kid"] = signing_key(key_directory())[0].kid


ROUTES: list[Route] = [
    Route("certificates.mine", "GET", p("/certificates/mine"), LOGGED_IN),
    Route("certificates.show", "GET", p("/certificates/{certificate_id}"), HOLDER_AND_OVERSIGHT, denied_status=404),
    Route("certificates.show", "GET", p("/certificates/{other_certificate_id}"), OVERSIGHT, denied_status=404),
    Route("certificates.show", "GET", p("/certificates/{far_certificate_id}"), STAFF, denied_status=404),
    Route("certificates.pdf", "GET", p("/certificates/{certificate_id}.pdf"), HOLDER_AND_OVERSIGHT, denied_status=404),
    Route("certificates.pdf", "GET", p("/certificates/{other_certificate_id}.pdf"), OVERSIGHT, denied_status=404),
    Route("certificates.pdf", "GET", p("/certificates/{far_certificate_id}.pdf"), STAFF, denied_status=404),
    Route("certificates.verify_form", "GET", p("/verify"), EVERYONE),
    Route("certificates.verify_form", "POST", p("/verify"), EVERYONE,
          data=lambda w: {"number": w["certificate_number"].lower().replace("-", " ")}),
    Route("certificates.verify", "GET", p("/verify/{verification_id}"), EVERYONE),
    # Open Badges: the credential (by the same secret link), the issuer's keys and profile, the status lists.
    Route("certificates.openbadge", "GET", p("/verify/{verification_id}/openbadge.jwt"), EVERYONE),
    Route("certificates.openbadge", "GET", p("/verify/{verification_id}/openbadge.json"), EVERYONE),
    Route("certificates.openbadge", "GET", p("/verify/{verification_id}/openbadge.png"), EVERYONE),
    Route("certificates.jwks", "GET", p("/.well-known/jwks.json"), EVERYONE),
    Route("certificates.openbadges_key", "GET", p("/openbadges/keys/{openbadges_kid}"), EVERYONE),
    Route("certificates.openbadges_issuer", "GET", p("/openbadges/issuer"), EVERYONE),
    Route("certificates.status_list", "GET", p("/openbadges/status/{status_list_id}.jwt"), EVERYONE),
    Route("certificates.status_list", "GET", p("/openbadges/status/{status_list_id}.json"), EVERYONE),
    Route("certificates.index", "GET", p("/staff/certificates"), STAFF),
    Route("certificates.revoke", "GET", p("/staff/certificates/{certificate_id}/revoke"), STAFF),
    Route("certificates.revoke", "POST", p("/staff/certificates/{certificate_id}/revoke"), STAFF,
          data=lambda w: {"reason": "Deelname bleek onvolledig"}),
    Route("certificates.reissue", "GET", p("/staff/certificates/{certificate_id}/reissue"), STAFF),
    Route("certificates.reissue", "POST", p("/staff/certificates/{certificate_id}/reissue"), STAFF,
          data=lambda w: {"reason": "Naam gecorrigeerd"}),
]
