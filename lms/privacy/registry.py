"""The registry of personal data: each feature contributes its own part of privacy.

A feature above privacy (see ARCHITECTURE.md) registers, from ``lms/<feature>/personal_data.py``:

- ``export_section(name, order)``: its section of a user's data export, a function
  ``(export: Export) -> JSON-ready value``, shown under ``name``;
- ``erasure_step(name, order, ...)``: its part of anonymising an account, a function
  ``(erasure: Erasure) -> None``, with ``preview`` (what it will do, for the confirmation
  page: ``(user, now, impact) -> None``) and ``about`` (its objects that audit events name:
  ``user_id -> (object_type, select of ids)``);
- ``short_lived(name)``: personal data kept only for a short time (a visitor's unconfirmed
  address), a function ``(now) -> rows deleted``, run daily by ``lms apply-retention``;
- ``retention_part(name)``: its rows of a coach's enrolments in one programme that
  retention detaches, a function ``(user_id, programme_id, now) -> Detached``; and the
  enrolment feature names those units with ``retention_units``.

Features below privacy (auth, notifications, audit) keep their part in their own
``personal_data.py`` too; privacy calls it directly, as the floors allow.
A change to owned state (enrolments, certificates, attendance) is made by the owner's
contribution, never by privacy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Export:
    """Whose data is exported, when, and the links the caller knows how to make."""

    user: Any
    now: datetime
    verify_url: Callable[[Any], str]  # certificate -> its public verification link


@dataclass
class Impact:
    """What anonymising an account does, shown before and reported after."""

    cancelled: list = field(default_factory=list)  # active enrolments in cohorts not ended
    kept_enrolments: int = 0
    certificates_revoked: int = 0
    certificates_blanked: int = 0
    pending_request: Any = None  # the ErasureRequest waiting for a decision, if any


@dataclass(frozen=True)
class Erasure:
    """One account being anonymised: by whom, when, with which reason, and its impact."""

    actor: Any
    user: Any
    now: datetime
    reason: str  # "Account verwijderd", in the platform's language
    impact: Impact


@dataclass
class Detached:
    """One feature's rows of a (coach, programme) unit that retention moves to a placeholder."""

    object_type: str  # what audit events call these rows
    ids: list[int]
    move: Callable[[int, datetime], None]  # (placeholder user id, now)
    keeps: bool = False  # the unit must stay as it is (a certificate still in force)
    actor_moves: bool = False  # the coach's own audit events about these rows move to the placeholder


@dataclass(frozen=True)
class ExportSection:
    name: str
    order: int
    build: Callable[[Export], Any]


@dataclass(frozen=True)
class ErasureStep:
    name: str
    order: int
    erase: Callable[[Erasure], None]
    preview: Callable[[Any, datetime, Impact], None] | None = None
    about: Callable[[int], tuple] | None = None


EXPORT_SECTIONS: dict[str, ExportSection] = {}
ERASURE_STEPS: dict[str, ErasureStep] = {}
RETENTION_PARTS: dict[str, Callable[[int, int, datetime], Detached]] = {}
SHORT_LIVED: dict[str, Callable[[datetime], int]] = {}
RETENTION_UNITS: list[Callable] = []  # the one query of (user_id, programme_id) units; enrolment registers it


def export_section(name: str, order: int):
    """Register ``build(export)`` as the export's section ``name``; sections appear by ``order``."""

    def decorator(build):
        EXPORT_SECTIONS[name] = ExportSection(name, order, build)
        return build

    return decorator


def erasure_step(name: str, order: int, *, preview=None, about=None):
    """Register ``erase(erasure)`` as a part of anonymising an account; steps run by ``order``."""

    def decorator(erase):
        ERASURE_STEPS[name] = ErasureStep(name, order, erase, preview, about)
        return erase

    return decorator


def retention_part(name: str):
    """Register ``detach(user_id, programme_id, now) -> Detached``; ``name`` counts its rows in the result."""

    def decorator(detach):
        RETENTION_PARTS[name] = detach
        return detach

    return decorator


def short_lived(name: str):
    """Register ``purge(now) -> int``: deletes personal data whose short time is up; ``name`` counts it."""

    def decorator(purge):
        SHORT_LIVED[name] = purge
        return purge

    return decorator


def retention_units(query):
    """Register ``query(cutoff) -> select of (user_id, programme_id)``: the units retention may detach."""
    RETENTION_UNITS[:] = [query]
    return query


def sections() -> list[ExportSection]:
    return sorted(EXPORT_SECTIONS.values(), key=lambda s: (s.order, s.name))


def steps() -> list[ErasureStep]:
    return sorted(ERASURE_STEPS.values(), key=lambda s: (s.order, s.name))
