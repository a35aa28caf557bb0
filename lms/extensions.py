"""Extensions, created once here and bound to the app in the factory."""

from flask import current_app
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
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


db = LmsSQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
talisman = Talisman()
