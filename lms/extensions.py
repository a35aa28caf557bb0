"""Extensions, created once here and bound to the app in the factory."""

import sqlalchemy as sa
from flask import current_app
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.pagination import Pagination
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

from lms.db import Base
from lms.numbers import page_arg


class LmsSQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy whose ``paginate`` reads ``?page=`` through lms/numbers.py.

    The library's own reading takes any ``int()`` and multiplies it into an OFFSET, so
    ``?page=10**18`` overflowed the database's integer on every list; here an impossible
    page is a 404, and the page size is always the app's, never the query string's.
    """

    def paginate(self, select, *, page=None, per_page=None, max_per_page=None, error_out=True, count=True):
        return super().paginate(
            select,
            page=page_arg() if page is None else page,
            per_page=current_app.config["PAGE_SIZE"] if per_page is None else per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )

    def paginate_rows(self, select, count, params: dict, make, *, per_page: int) -> Pagination:
        """A page of ``make(row)`` from a select whose last column is the total, so a page is one round trip.

        ``select`` takes ``:limit`` and ``:offset`` (``page_window``) besides ``params``; its total is a scalar
        ``count`` subquery (PostgreSQL and SQLite evaluate it once). Past the last page no row
        carries the total: only then is ``count`` run apart.
        """
        return RowsPagination(page=page_arg(), per_page=per_page, max_per_page=None, error_out=False,
                              session=self.session, select=select, count_select=count, params=params, make=make)


def page_window(select):
    """``select`` cut to the page ``paginate_rows`` asks for.

    The page's LIMIT and OFFSET are written into the statement, not bound: with them bound,
    PostgreSQL could not cost a prepared statement's generic plan, and once the table grew it
    planned the statement again on every request (0.7 ms of the catalogue's 1.1 ms in the
    database at ten times the national data). Each page number is then a statement of its own.
    """
    return select.limit(sa.bindparam("limit", type_=sa.Integer, literal_execute=True)).offset(
        sa.bindparam("offset", type_=sa.Integer, literal_execute=True))


class RowsPagination(Pagination):
    """Flask-SQLAlchemy's pagination over plain rows (see ``LmsSQLAlchemy.paginate_rows``)."""

    def _query_items(self) -> list:
        args = self._query_args
        rows = args["session"].execute(
            args["select"], {**args["params"], "limit": self.per_page, "offset": (self.page - 1) * self.per_page}
        ).all()
        # An empty first page is an empty list; an empty later page says nothing about the total.
        self._total = rows[0][-1] if rows else 0 if self.page == 1 else None
        make = args["make"]
        return [make(row) for row in rows]

    def _query_count(self) -> int:
        if self._total is None:
            args = self._query_args
            return args["session"].execute(args["count_select"], args["params"]).scalar_one()
        return self._total


db = LmsSQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
talisman = Talisman()
