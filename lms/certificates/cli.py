"""``flask --app wsgi lms certificate-reminders`` (daily, from the scheduler) and ``lms keys ...`` (Open Badges)."""

from __future__ import annotations

import click

from lms import clock
from lms.certificates.openbadges.keys import ensure_key, key_directory, load_keys, rotate_keys
from lms.certificates.reminders import REMINDER_DAYS, send_expiry_reminders
from lms.cli import lms_cli
from lms.urls import external_url
from lms.web import unit_of_work


@lms_cli.command("certificate-reminders")
@click.option("--days", default=REMINDER_DAYS, show_default=True, help="Remind when a certificate expires within this many days.")
def certificate_reminders_command(days: int) -> None:
    """Mail coaches whose certificate expires soon (once per certificate)."""
    with unit_of_work():
        queued = send_expiry_reminders(
            clock.now(),
            lambda certificate: external_url("certificates.show", certificate_id=certificate.id),
            within_days=days,
        )
    click.echo(f"queued {queued} certificate reminder(s); `flask --app wsgi lms send-mail` sends them")


@lms_cli.group("keys")
def keys_group() -> None:
    """The Open Badges signing keys (in OPEN_BADGES_KEY_DIR, by default instance/keys)."""


@keys_group.command("create")
def keys_create_command() -> None:
    """Create the signing key, unless there is one already (safe to run on every start)."""
    key, created = ensure_key(key_directory(), clock.now())
    click.echo(f"{'created' if created else 'already there:'} signing key {key.kid} in {key.path.parent}")


@keys_group.command("rotate")
def keys_rotate_command() -> None:
    """Sign with a new key from now on; older keys lose their private half and stay published."""
    new, retired = rotate_keys(key_directory(), clock.now())
    for key in retired:
        click.echo(f"retired {key.kid} (still published, no longer signs)")
    click.echo(f"created signing key {new.kid}; copy {new.path.parent} to every app server")


@keys_group.command("list")
def keys_list_command() -> None:
    """Every key, oldest first: its id, when it was made, and whether it signs."""
    keys = load_keys(key_directory())
    if not keys:
        click.echo(f"no keys in {key_directory()}; `flask --app wsgi lms keys create` makes one")
    for key in keys:
        state = "signs" if key.can_sign else f"retired {key.retired_at.isoformat() if key.retired_at else ''}"
        click.echo(f"{key.kid}  created {key.created_at.isoformat()}  {state}")
