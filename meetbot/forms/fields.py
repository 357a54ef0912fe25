"""Validators shared by the forms."""

from __future__ import annotations

from wtforms import ValidationError

from meetbot.services.checks import all_timezones
from meetbot.services.groups import SLUG_RE


class Slug:
    def __call__(self, form, field) -> None:
        if not SLUG_RE.match((field.data or "").strip().lower()):
            raise ValidationError("Use lower-case letters, digits and hyphens (not at either end).")


class TimeZone:
    def __call__(self, form, field) -> None:
        if (field.data or "") not in set(all_timezones()):
            raise ValidationError("Choose an IANA time zone such as Europe/Berlin or UTC.")


def apply_service_errors(form, fields: dict[str, str]) -> None:
    """Show a service's field errors beside the matching form fields."""
    for name, message in fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*list(field.errors or ()), message]
        else:
            form.form_errors.append(message)
