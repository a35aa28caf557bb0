from lms.certificates import bp  # noqa: F401
