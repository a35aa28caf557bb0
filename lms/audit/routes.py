from lms.audit import bp  # noqa: F401
