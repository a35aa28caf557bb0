from lms.learning import bp  # noqa: F401
