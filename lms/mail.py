"""The mail transport, configured by MAIL_* settings.

``MAIL_BACKEND=smtp`` talks to ``MAIL_SERVER``; ``file`` writes each message as
an ``.eml`` file under ``MAIL_FILE_DIR`` and logs it (development); ``none``
drops messages (only for tools that must not send anything).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)

# Attachments made when the mail is sent rather than when it is queued (a PDF costs a render
# the request should not wait for): the outbox keeps {"make": name, "args": {...}, "filename",
# "content_type"}, and the feature that registered ``name`` makes the content, or None to leave
# it out (the thing it showed is gone).
_MAKERS: dict[str, Callable[..., bytes | str | None]] = {}


def attachment_maker(name: str):
    """Register the function that makes the attachments queued with ``{"make": name}``."""

    def register(function):
        _MAKERS[name] = function
        return function

    return register


def _content(item: dict) -> bytes | str | None:
    if "make" in item:
        return _MAKERS[item["make"]](**(item.get("args") or {}))
    return item["content"]


def build_message(
    *, recipient: str, subject: str, text: str, html: str | None = None, attachments=(), message_id=None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain="welzijnscoach-academie")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for item in attachments:
        maintype, _, subtype = item["content_type"].partition("/")
        content = _content(item)
        if content is None:
            continue
        if maintype == "text":
            message.add_attachment(
                content, subtype=subtype.split(";")[0], filename=item["filename"]
            )
        else:
            message.add_attachment(
                content.encode() if isinstance(content, str) else content,
                maintype=maintype,
                subtype=subtype,
                filename=item["filename"],
            )
    return message


def send_message(message: EmailMessage) -> None:
    """Hand one message to the configured transport; raises on failure."""
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend == "none":
        return
    if backend == "file":
        directory = Path(config["MAIL_FILE_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        path = directory / f"{name}.eml"
        path.write_bytes(bytes(message))
        log.info("mail to %s, %r, written to %s", message["To"], message["Subject"], path)
        return
    if backend != "smtp":
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")
    timeout = config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    with smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
    log.info("mail to %s, %r, sent over SMTP", message["To"], message["Subject"])
