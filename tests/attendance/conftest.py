from tests.learning.conftest import attend, course, enrol, finish_modules  # noqa: F401 - shared fixtures
