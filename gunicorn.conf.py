"""Gunicorn settings, read from the working directory whenever gunicorn starts here.

A personal calendar feed URL (/calendar/<token>.ics) is a password. The filter installed
below rewrites it to /calendar/[redacted].ics in gunicorn's access and error logs; the app
installs the same filter on its own logs in create_app.

The Server header says "gunicorn" without a version (gunicorn 20 and later send no version;
this keeps it so whatever gunicorn is installed).
"""

import gunicorn.http.wsgi

from lms.calendar.privacy import install_log_redaction

install_log_redaction()
gunicorn.http.wsgi.SERVER = "gunicorn"
