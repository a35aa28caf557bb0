"""Completion: the programme's rule applied to a coach's learning and attendance.

It listens for ``progress_changed`` (lms/domain.py) and completes or withdraws through the
enrolment and certificate services, which own that state.
"""
