from lms.catalogue import bp  # noqa: F401
