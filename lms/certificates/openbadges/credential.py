"""A certificate as an Open Badges 3.0 ``OpenBadgeCredential``, built from its frozen snapshot.

The credential states what the certificate states, and no more: the holder's name and a
salted hash of their e-mail address (never the address, nor the registration number, which
the public verification page does not show either), the programme, the sessions attended
as evidence, the net hours and the accreditation points. Its texts are in the platform's
language, so one certificate is one credential whoever asks for it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.certificates.facts import Certified, certified
from lms.certificates.models import Certificate, StatusList
from lms.certificates.openbadges.status import PURPOSE, encode_list
from lms.certificates.services import predecessor_of
from lms.i18n import fmt_date, fmt_number, fmt_timerange, local_to_utc
from lms.urls import external_url

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
STATUS_LIST_TYPE = ["VerifiableCredential", "BitstringStatusListCredential"]
COURSE_ID_TYPE = "ext:RegisterpleinCourseId"
NET_HOURS_TYPE = "ext:NetTrainingHours"


def timestamp(value: datetime) -> str:
    """A DateTimeZ in UTC, to the second."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def end_of(day: date) -> datetime:
    """The end of a last valid day (Dutch time): the moment the next one starts."""
    return local_to_utc(day + timedelta(days=1), time(0, 0))


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# Addresses ------------------------------------------------------------------------------


def issuer_id() -> str:
    return external_url("certificates.openbadges_issuer")


def issuer_profile() -> dict:
    """The knowledge network that issues the credentials (settings OPEN_BADGES_ISSUER_NAME and _URL)."""
    config = current_app.config
    return {"id": issuer_id(), "type": ["Profile"], "name": config["OPEN_BADGES_ISSUER_NAME"],
            "url": config["OPEN_BADGES_ISSUER_URL"]}


def credential_id(certificate: Certificate) -> str:
    return openbadge_url(certificate, "json")


def openbadge_url(certificate: Certificate, form: str) -> str:
    return external_url("certificates.openbadge", verification_id=certificate.verification_id, form=form)


def status_list_url(list_id: int) -> str:
    return external_url("certificates.status_list", list_id=list_id, form="jwt")


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def achievement_id(certificate: Certificate) -> str:
    """One achievement per programme, the same in every credential of it."""
    if certificate.programme_id is None:
        return _urn(credential_id(certificate) + "#achievement")
    return _urn(f"{issuer_id()}#programme-{certificate.programme_id}")


# The credential -------------------------------------------------------------------------


def build_credential(certificate: Certificate) -> dict:
    """The OpenBadgeCredential of ``certificate``; a reissue names the credential it replaces."""
    facts = certified(certificate)
    replaces = predecessor_of(certificate)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        credential = {
            "@context": CONTEXT,
            "id": credential_id(certificate),
            "type": CREDENTIAL_TYPE,
            "name": _("Certificate %(programme)s", programme=facts.programme_title),
            "description": _description(certificate, facts),
            "issuer": issuer_profile(),
            "validFrom": timestamp(certificate.issued_at),
            "awardedDate": timestamp(certificate.issued_at),
            "credentialSubject": _subject(certificate, facts),
            "evidence": _evidence(certificate, facts, replaces),
            "credentialStatus": status_entry(certificate),
        }
    if certificate.valid_until is not None:
        credential["validUntil"] = timestamp(end_of(certificate.valid_until))
    return credential


def _description(certificate: Certificate, facts: Certified) -> str:
    text = _("Certificate %(number)s: completed the programme %(programme)s on %(date)s.",
             number=certificate.number, programme=facts.programme_title, date=fmt_date(facts.completed_on))
    if facts.reissue_of:
        text += " " + _("Replaces certificate %(number)s.", number=facts.reissue_of)
    return text


def _subject(certificate: Certificate, facts: Certified) -> dict:
    identifiers = []
    if facts.holder_name:
        identifiers.append({"type": "IdentityObject", "identityHash": facts.holder_name, "identityType": "name",
                            "hashed": False})
    if facts.identity_hash and facts.identity_salt:
        identifiers.append({"type": "IdentityObject", "identityHash": facts.identity_hash,
                            "identityType": "emailAddress", "hashed": True, "salt": facts.identity_salt})
    subject = {"type": ["AchievementSubject"], "identifier": identifiers, "achievement": _achievement(certificate, facts)}
    if facts.sessions:
        subject["activityStartDate"] = timestamp(min(s.starts_at for s in facts.sessions))
        subject["activityEndDate"] = timestamp(max(s.ends_at for s in facts.sessions))
    if facts.accreditation_points is not None:
        subject["creditsEarned"] = _number(facts.accreditation_points)
    if facts.net_hours is not None:
        subject["result"] = [{"type": ["Result"], "resultDescription": _net_hours_id(certificate),
                              "value": str(_number(facts.net_hours))}]
    return subject


def _net_hours_id(certificate: Certificate) -> str:
    return _urn(achievement_id(certificate) + "#net-hours")


def _achievement(certificate: Certificate, facts: Certified) -> dict:
    achievement = {
        "id": achievement_id(certificate),
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": facts.programme_title,
        "description": _achievement_description(facts),
        "criteria": {"narrative": completion_rule()},
        "inLanguage": current_app.config["BABEL_DEFAULT_LOCALE"],
        "image": {"id": openbadge_url(certificate, "png"), "type": "Image",
                  "caption": _("Badge of %(programme)s", programme=facts.programme_title)},
        "resultDescription": [{"id": _net_hours_id(certificate), "type": ["ResultDescription"],
                               "name": _("Net training hours"), "resultType": NET_HOURS_TYPE}],
    }
    if facts.accreditation_points is not None:
        achievement["creditsAvailable"] = _number(facts.accreditation_points)
    if facts.accreditation_course_id:
        achievement["otherIdentifier"] = [{"type": "IdentifierEntry", "identifier": facts.accreditation_course_id,
                                           "identifierType": COURSE_ID_TYPE}]
    return achievement


def _achievement_description(facts: Certified) -> str:
    text = _("The programme %(programme)s: %(hours)s net training hours.", programme=facts.programme_title,
             hours=fmt_number(facts.net_hours or Decimal("0")))
    if facts.accreditation_body:
        text += " " + _("Accredited by %(body)s (course ID %(id)s) for %(points)s points.",
                        body=facts.accreditation_body, id=facts.accreditation_course_id or "—",
                        points=fmt_number(facts.accreditation_points or Decimal("0")))
    return text


def completion_rule() -> str:
    """The completion rule of lms/completion in words: what earns this certificate."""
    return _("Attend every required session of the programme, in person or online; a missed session may be "
             "made up at the same session of another group of the programme. Finish every required online "
             "module: all its lessons done and, where it has a quiz, the quiz passed. The certificate states the "
             "sessions attended and their net training hours; the accreditation points follow from those hours.")


def _evidence(certificate: Certificate, facts: Certified, replaces: Certificate | None) -> list[dict]:
    lines = [f"- {fmt_timerange(s.starts_at, s.ends_at)}: {s.title}"
             + (" (" + _("made up in %(cohort)s", cohort=s.cohort_title) + ")" if s.made_up and s.cohort_title else "")
             for s in facts.sessions]
    evidence = [{
        "id": external_url("certificates.verify", verification_id=certificate.verification_id),
        "type": ["Evidence"],
        "name": _("Public verification of certificate %(number)s", number=certificate.number),
        "narrative": "\n".join([_("Sessions attended in %(cohort)s:", cohort=facts.cohort_title), *lines]),
    }]
    if replaces is not None:
        evidence.append({"id": credential_id(replaces), "type": ["Evidence"],
                         "name": _("Replaces certificate %(number)s", number=replaces.number)})
    return evidence


def status_entry(certificate: Certificate) -> dict:
    """The credentialStatus: this certificate's bit in a revocation list."""
    url = status_list_url(certificate.status_list_id)
    return {"id": f"{url}#{certificate.status_index}", "type": "BitstringStatusListEntry",
            "statusPurpose": PURPOSE, "statusListIndex": str(certificate.status_index), "statusListCredential": url}


def build_status_list(status_list: StatusList, revoked: list[int]) -> dict:
    """The BitstringStatusListCredential of one list, dated by its last change."""
    url = status_list_url(status_list.id)
    return {
        "@context": CONTEXT[:1],
        "id": url,
        "type": STATUS_LIST_TYPE,
        "issuer": issuer_id(),
        "validFrom": timestamp(status_list.updated_at),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": PURPOSE,
                              "encodedList": encode_list(revoked)},
    }
