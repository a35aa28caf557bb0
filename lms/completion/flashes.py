"""Telling the person who acted what their action did to completion."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _

from lms.completion.services import ChangeKind, CompletionChange


def flash_changes(changes: list[CompletionChange], actor) -> None:
    for change in changes:
        enrolment = change.enrolment
        name, programme, cohort = enrolment.user.name, enrolment.programme.title, enrolment.cohort.title
        if change.kind == ChangeKind.COMPLETED:
            if enrolment.user_id == actor.id:
                flash(_("Well done! You have completed %(programme)s.", programme=programme), "success")
            else:
                flash(_("%(name)s has now completed %(programme)s; the certificate has been issued.",
                        name=name, programme=programme), "success")
        elif change.kind == ChangeKind.WITHDRAWN:
            flash(_("The completion of %(name)s (%(cohort)s) has been withdrawn because of this change. "
                    "A certificate may need revoking; staff have been told by email.", name=name, cohort=cohort),
                  "warning")
        else:
            flash(_("%(name)s no longer meets the completion rule of %(cohort)s, but stays marked completed "
                    "because they are active in another group. A certificate may need revoking; staff have been "
                    "told by email.", name=name, cohort=cohort), "warning")
