"""The learning feature's views: the coach's pages (learner.py) and content editing by staff (authoring.py).

Both attach to the learning blueprint; importing this package registers them, and the
``send-reminders`` command with them.
"""

from lms.learning import cli  # noqa: F401 - registers `flask lms send-reminders`
from lms.learning.routes import authoring, learner  # noqa: F401 - the views
