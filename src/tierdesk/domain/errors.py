"""The errors the domain raises; every edge maps them to its own answer (HTTP status, message)."""

from __future__ import annotations

from collections.abc import Mapping

from tierdesk.domain.words import N_, Phrase


class DomainError(Exception):
    """A request the desk refuses for a business reason."""

    code = "refused"

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})


class NotFound(DomainError):
    """The thing does not exist, or the actor may not know that it does."""

    code = "not_found"


class Forbidden(DomainError):
    """The actor can see the thing but may not do this to it."""

    code = "forbidden"


class Invalid(DomainError):
    """The input breaks a rule; `fields` says which field and why."""

    code = "invalid"


class Conflict(DomainError):
    """The request contradicts the current state of the thing."""

    code = "conflict"


class IllegalTransition(Conflict):
    """The state machine does not allow this move."""

    code = "illegal_transition"

    def __init__(self, from_status: str, to_status: str, why: str = "") -> None:
        values = {"from_status": from_status, "to_status": to_status}
        message = N_("a ticket cannot move from '%(from_status)s' to '%(to_status)s'", **values)
        if why:
            message = N_(
                "a ticket cannot move from '%(from_status)s' to '%(to_status)s': %(why)s",
                why=why if isinstance(why, Phrase) else Phrase(why, {}),
                **values,
            )
        super().__init__(message, fields={"status": message})
        self.from_status = from_status
        self.to_status = to_status
