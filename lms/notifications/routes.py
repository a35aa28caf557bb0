from lms.notifications import bp  # noqa: F401
