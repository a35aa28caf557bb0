"""Gunicorn settings, read from the working directory whenever gunicorn starts here.

A personal calendar feed URL (/calendar/<token>.ics) is a password. The filter installed
below rewrites it to /calendar/[redacted].ics in gunicorn's access and error logs; the app
installs the same filter on its own logs in create_app.
"""

from lms.calendar.privacy import install_log_redaction

install_log_redaction()
