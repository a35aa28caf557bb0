from lms.enrolment import bp  # noqa: F401
