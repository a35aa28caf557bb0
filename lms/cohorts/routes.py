from lms.cohorts import bp  # noqa: F401
