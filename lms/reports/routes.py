from lms.reports import bp  # noqa: F401
