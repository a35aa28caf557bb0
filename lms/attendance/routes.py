from lms.attendance import bp  # noqa: F401
