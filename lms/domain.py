"""What every feature's services share: the refusal they raise and the events they announce.

A service that refuses an action raises a ``DomainError`` (or a feature's subclass) with a
message for the user in the user's language and, where it belongs to one, the form field.
The request's unit of work (``lms.web``) rolls the refused work back and shows the message.

Features announce what happened through the signals below; features on a higher floor
(see ARCHITECTURE.md) connect to them, so a lower feature never imports a higher one.
A receiver returns what it changed (for example completion changes, which the route
shows); ``gather`` collects those answers from one ``send``.
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace


class DomainError(Exception):
    """A rule of the domain refused an action; ``message`` is for the user, ``field`` names the form field."""

    status = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


events = Namespace()

# An enrolment's progress may have changed (attendance, a lesson, a quiz, a session or the
# programme's rule changed). kwargs: ``now``, ``actor`` (may be None), and whom it concerns,
# one of: ``cohort_id`` (every learning enrolment of that cohort); ``programme_id`` with
# ``user_ids`` (those coaches in that programme); ``programme_id`` alone (the whole
# programme, when its rule changed), with ``enrolled_only=True`` when content was removed
# (only coaches still on the way can be affected). Receivers return a list of completion
# changes (lms.completion.services.CompletionChange).
progress_changed = events.signal("progress-changed")

# A cohort was cancelled. kwargs: cohort, reason, now, actor. Receivers return the
# enrolments they ended (the enrolment feature ends every active enrolment).
cohort_cancelled = events.signal("cohort-cancelled")

# A session of a cohort was changed, cancelled, restored, added or deleted.
# kwargs: session, kind ("changed" | "cancelled" | "restored" | "added" | "deleted"), now, actor.
session_changed = events.signal("session-changed")

# A cohort opened for enrolment. kwargs: cohort, now, actor. (The enrolment feature tells
# the coaches who asked to hear about a group of its programme in its region.)
cohort_opened = events.signal("cohort-opened")

# The scheduler's round ran (`flask lms process-waitlists`, every few minutes). kwargs: now.
# Features keep derived data fresh here (the reports recompute the figures of changed cohorts).
scheduler_round = events.signal("scheduler-round")

# Questions a lower floor asks the features above it; receivers answer, ``gather`` collects.
# Who takes part in a cohort, for a change that must name the people it affects.
# kwargs: cohort, seat_holders_only=False. Receivers return the users, in the order they
# enrolled (the enrolment feature: active enrolments; with seat_holders_only, those
# holding a seat).
cohort_participants = events.signal("cohort-participants")

# Does a feature hold data about this session, so that it must be cancelled rather than
# removed? kwargs: session. Receivers return True when they do (attendance records).
session_in_use = events.signal("session-in-use")


def gather(signal, sender: Any = None, **kwargs) -> list:
    """Send ``signal`` and return every receiver's answer, lists flattened, None left out."""
    results: list = []
    for _receiver, answer in signal.send(sender, **kwargs):
        if answer is None:
            continue
        if isinstance(answer, (list, tuple)):
            results.extend(answer)
        else:
            results.append(answer)
    return results
