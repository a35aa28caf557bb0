"""Imports every feature's models, so the mapper registry and Alembic see them all."""

from lms.attendance.models import Attendance, AttendanceStatus  # noqa: F401
from lms.audit.models import AuditEvent  # noqa: F401
from lms.auth.models import AccountToken, RecoveryCode, Role, User, UserRole, coordinator_region  # noqa: F401
from lms.calendar.models import CalendarToken  # noqa: F401
from lms.certificates.models import Certificate, StatusList  # noqa: F401
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionChange, SessionStatus  # noqa: F401
from lms.enrolment.models import Enrolment, EnrolmentStatus, Interest, VisitorInterest  # noqa: F401
from lms.learning.models import Lesson, LessonCompletion, QuizAttempt, QuizOption, QuizQuestion  # noqa: F401
from lms.notifications.models import MailStatus, OutboxMail  # noqa: F401
from lms.privacy.models import ErasureRequest, ErasureStatus  # noqa: F401
from lms.programmes.models import Module, Programme, SessionKind, SessionTemplate  # noqa: F401
from lms.ratelimit import RateLimitCounter  # noqa: F401
from lms.regions.models import Municipality, Organisation, Region  # noqa: F401
from lms.reports.models import CohortFigures, RegionFigures, StaleCohort  # noqa: F401
