"""The request's unit of work: one commit point, and the helper views use to call services.

Every request either commits once, after its view returned a successful answer (any
status below 400), or rolls back: a view never commits. Mail queued in the outbox and
audit events are rows in the same transaction, so they stand or fall with the change.

A view that runs a service does so through ``perform``::

    form = ProgrammeForm()
    outcome = perform(form, lambda: save_programme(current_user, None, data(form), now))
    if outcome:
        flash(...)
        return redirect_to(...)
    return render("programmes/new.html", form=form, status=outcome.status)

``perform`` validates the form (when there is one), calls the service, and turns a
``DomainError`` into a message on the form field or a flash, rolling back whatever the
service had done. CLI commands and other work outside a request use ``unit_of_work``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, flash, g
from flask_babel import gettext as _

from lms.domain import DomainError
from lms.errors import render_error
from lms.extensions import db

log = logging.getLogger(__name__)

# Called after a request committed, in order (the outbox sends what the request queued).
_AFTER_COMMIT: list[Callable[[], None]] = []


def after_commit(function: Callable[[], None]) -> Callable[[], None]:
    """Register ``function`` to run after every request that committed."""
    if function not in _AFTER_COMMIT:
        _AFTER_COMMIT.append(function)
    return function


@dataclass
class Outcome:
    """What ``perform`` did: ``done`` (truthy) with the service's ``result``, or not, with the status to answer."""

    done: bool
    status: int = 200
    result: Any = None
    error: Exception | None = None

    def __bool__(self) -> bool:
        return self.done


def show_error(error: DomainError, form=None) -> None:
    """Put a refusal's message on its form field, or flash it."""
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


def perform(form, action: Callable[[], Any], *, expect: tuple[type[Exception], ...] = ()) -> Outcome:
    """Validate ``form`` (None: nothing to validate) and call ``action``; see the module docstring.

    Exceptions listed in ``expect`` (such as "needs a confirmation first") are rolled back
    like a refusal and handed to the view in ``outcome.error`` to answer as it sees fit.
    """
    if form is not None and not form.validate_on_submit():
        return Outcome(False, 422 if form.is_submitted() else 200)
    try:
        result = action()
        db.session.flush()  # a constraint the service broke shows here, not at the commit
    except DomainError as exc:
        db.session.rollback()
        show_error(exc, form)
        return Outcome(False, exc.status, error=exc)
    except sa.exc.IntegrityError as exc:
        # The same thing sent twice at once: the other request won; nothing of this one is kept.
        db.session.rollback()
        log.info("refused by a database constraint: %s", exc.orig)
        flash(_("This was changed at the same moment by someone else. Please check the result."), "info")
        return Outcome(False, 409, error=exc)
    except expect as exc:
        db.session.rollback()
        return Outcome(False, 200, error=exc)
    return Outcome(True, 200, result)


def _finish(response: Response) -> Response:
    """Commit the request's work if its answer is a success, else roll it back."""
    if response.status_code >= 400 or g.pop("_rollback_only", False):
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except sa.exc.SQLAlchemyError:
        # Another request changed the same rows first (a unique index, a lock): nothing of
        # this one is kept, and the user is asked to look again.
        db.session.rollback()
        log.warning("the request's commit failed; rolled back", exc_info=True)
        body, code = render_error(409, _("This was changed at the same moment by someone else. "
                                         "Please reload the page and check the result."))
        return Response(body, code, mimetype="text/html")
    for function in _AFTER_COMMIT:
        function()
    return response


def rollback_only() -> None:
    """Keep nothing of this request even though it answers with a success (a dry run)."""
    g._rollback_only = True


def init_app(app: Flask) -> None:
    # after_request functions run last-registered first: registered first, this runs after
    # the others have finished the response, and before the teardown.
    app.after_request(_finish)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Outside a request (CLI, workers): commit what the block did, or roll back if it raised."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
