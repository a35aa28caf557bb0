"""Declarative base, naming convention and the column types every model shares."""

from __future__ import annotations

import enum
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from lms.i18n import kept_for_locale

# Stable constraint names, so Alembic migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes stored in UTC on every database.

    SQLite has no time zones, so values go in as naive UTC and come back aware;
    naive values are refused on the way in, so local time can never slip through.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC was expected")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class utc_text(FunctionElement):  # noqa: N801 - a SQL function, named like SQLAlchemy's
    """A UTCDateTime column as text in UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``, alike on every database.

    For queries that fetch many datetimes to recognise rows rather than to use them: text
    costs the driver and Python far less than datetime objects. ``from_utc_text`` reads it.
    """

    type = sa.String()
    name = "utc_text"
    inherit_cache = True


@compiles(utc_text)
def _stored_text(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)  # SQLite keeps UTCDateTime as this very text


@compiles(utc_text, "postgresql")
def _postgresql_text(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    return f"to_char(({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"


def from_utc_text(value: str | None) -> datetime | None:
    """The aware datetime of a ``utc_text`` value."""
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum: a string column with a named check constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls) + 4,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def unique_where(name: str, *columns: str, where: str) -> sa.Index:
    """A unique index over the rows where ``where`` holds (a partial index on both databases)."""
    return sa.Index(name, *columns, unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def status_in(*statuses) -> property:
    """A model property: whether the row's ``status`` is one of ``statuses``."""
    return property(lambda row: row.status in statuses)


def labeller(enum_cls: type[enum.Enum], labels: dict):
    """A function giving the label of a member of ``enum_cls`` (or of its value) in the reader's language.

    A list shows the same few labels on every row: each is translated once per request and locale.
    """
    name = f"lms_labels_{id(labels)}"

    def label(member) -> str:
        member = enum_cls(member)
        texts = kept_for_locale(name, lambda _locale: {})
        if texts is None:
            return str(labels[member])
        text = texts.get(member)
        if text is None:
            text = texts[member] = str(labels[member])
        return text

    return label


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )
