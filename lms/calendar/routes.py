from lms.calendar import bp  # noqa: F401
