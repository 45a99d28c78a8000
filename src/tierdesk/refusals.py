"""The boundary to the reader's language for the domain's words: a refusal's message and its
per-field messages, marked in the domain and actions with `domain/words.N_`, worded with
Django's gettext in the active language (the request's). A message the catalogue lacks, or text
that is no catalogue message (a profile's own words), is shown as it is."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from tierdesk.domain.errors import DomainError


def say(text: object) -> str:
    """`text` in the active language: a `Phrase`'s message translated and its values put in, a
    plain marked message translated."""
    if text is None:
        return ""
    message = getattr(text, "message", None)
    values: dict[str, Any] = dict(getattr(text, "values", None) or {})
    if not isinstance(message, str):
        return gettext(str(text)) if str(text) else ""
    worded = {k: say(v) if hasattr(v, "message") and isinstance(v, str) else v
              for k, v in values.items()}  # fmt: skip
    translated = gettext(message)
    try:
        return translated % worded if worded else translated
    except (KeyError, ValueError, TypeError):  # a translation that lost a value: the English
        return str(text)


def message(exc: DomainError) -> str:
    """The refusal's sentence in the reader's language."""
    return say(exc.message)


def fields(exc: DomainError) -> dict[str, str]:
    """Field name (a machine key, kept) -> its message in the reader's language."""
    return {name: say(text) for name, text in exc.fields.items()}
