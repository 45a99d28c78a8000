"""The domain's words for a person: refusals and checks are written in English and marked for
the translation catalogue here, without Django (the domain stays pure). The edges word them in
the reader's language (`tierdesk/refusals.py`).

`N_("the reply is empty")` marks a fixed message; `N_("%(to)s is not a status", to=to)` keeps
the values apart from the message, so a translation can place them (a value may itself be a
`Phrase`, worded in turn). Either way the result is the English text (a `str`), so logs, the CLI
and API clients that ask for no language read exactly what they read before; `Phrase` only
remembers the message and the values beside it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Phrase(str):
    """English text that remembers its catalogue message and values, for translation later."""

    message: str
    values: Mapping[str, Any]

    def __new__(cls, message: str, values: Mapping[str, Any]) -> Phrase:
        text = super().__new__(cls, message % dict(values) if values else message)
        text.message = message
        text.values = dict(values)
        return text

    def __getnewargs__(self) -> tuple[str, Mapping[str, Any]]:  # type: ignore[override]
        return (self.message, self.values)


def N_(message: str, **values: Any) -> str:
    """Marks `message` for extraction (xgettext keyword `N_`): a `Phrase` whose English text is
    `message % values` (or `message` itself without values), worded again inside another."""
    return Phrase(message, values)
