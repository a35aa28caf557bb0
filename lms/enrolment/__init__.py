"""Enrolment: a coach's place in a cohort, the seats and the waitlist (the lifecycle: services.py).

Invariants of the enrolment lifecycle. They hold after every transition and every commit;
``flask --app wsgi lms check`` verifies all of them on a live database (invariants.py),
tests/enrolment/test_lifecycle.py drives random sequences of transitions against them,
and where the database can keep one itself it does ([db]):

1. Seats. A cohort's ``seats_taken`` is the number of its enrolments that hold a seat:
   pending, enrolled, offered, and completed ones that did not give it back. It exceeds the
   capacity only when staff overbooked or lowered the capacity. [db: ``seats_taken >= 0``]
2. One active enrolment (pending, enrolled, waitlisted, offered) per coach per programme,
   and one enrolment per coach per cohort: enrolling again after a cancellation or
   rejection, or being added by staff, reuses the ended row. [db: unique indexes]
3. The waitlist. A waitlisted enrolment has a place in line and no other enrolment has
   one; a cohort's places are 1..n without gaps, in the order the coaches joined, and
   ``waitlist_counter`` is n. [db: one place per coach per cohort; a place only while
   waiting; ``waitlist_counter >= 0``]
4. An offer has the moment it was made and a deadline (set no later than the first
   session); no other enrolment has a deadline. [db]
5. A completed enrolment gives its seat back when it completed before its cohort began
   (every session made up elsewhere), and the seat is offered to the first in line; one
   that completed once the cohort began keeps it. Only a completed enrolment gives a seat
   back (``seat_released_at``). [db: only when completed]
6. A cancelled cohort has no active enrolment and no seat taken; an enrolment belongs to
   its cohort's programme.

Every transition takes the cohort's row lock before it reads what it decides on, and
moves the enrolment on with one conditional UPDATE (seats.py), so it cannot apply twice:
a double click, two staff members or two scheduler runs at once change it once, with one
seat, one mail and one audit event.
"""

from flask import Blueprint

bp = Blueprint("enrolment", __name__)
