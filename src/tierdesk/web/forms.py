"""What the pages share about forms: a refused action's errors, shown next to their fields."""

from __future__ import annotations

from django import forms

from tierdesk import refusals
from tierdesk.domain.errors import DomainError


def show_errors(form: forms.Form, exc: DomainError) -> None:
    """Put each field's message next to that field (the profile's ticket-form fields, named
    `form.<key>` by the domain, are `form_<key>` on the page, the voicemail form's
    `voicemail_<key>`); the rest above the form."""
    for name, message in refusals.fields(exc).items():
        field = name.replace(".", "_", 1) if name.startswith(("form.", "voicemail.")) else name
        form.add_error(field if field in form.fields else None, message)
    if not refusals.fields(exc):
        form.add_error(None, refusals.message(exc))
