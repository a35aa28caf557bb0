"""The account pages: logging in (login.py), the account itself (account.py), the second factor (twofactor.py)."""

from lms.auth.routes import account, twofactor  # noqa: F401 - their views attach to the blueprint
from lms.auth.routes.login import unauthorized  # noqa: F401 - lms/__init__.py installs it
