from lms.programmes import bp  # noqa: F401
