"""Who may raise requests for an end-customer account (Zynstra, First Level Support: "Identify
the user reporting the perceived fault or making the administration request and validate their
authority to do so").

An account lists e-mail addresses, or "@domain" for everyone at a domain. A ticket for an account
with a list, raised by someone not on it, is flagged for the first level to validate, or
rejected with the profile's `no_authority` reason where the profile says `reject`. The check
and the validation are recorded on the ticket as `authority_checked` events (internal).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from tierdesk.domain import process
from tierdesk.domain.errors import Conflict, Forbidden, Invalid
from tierdesk.domain.events import EventKind
from tierdesk.domain.parties import Party
from tierdesk.domain.profiles import Profile
from tierdesk.domain.ticket import Change, TicketState
from tierdesk.domain.words import N_

FLAG, REJECT = "flag", "reject"
RULES = (FLAG, REJECT)
NO_AUTHORITY = "no_authority"  # the invalid reason a rejection records

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN = re.compile(r"^@[^@\s]+\.[^@\s]+$")
MAX_ENTRIES = 500


def normalise(entries: Iterable[str]) -> tuple[list[str], str | None]:
    """The list as stored (trimmed, lower-case, without repeats), or the first problem."""
    out: list[str] = []
    for raw in entries:
        entry = raw.strip().casefold()
        if not entry:
            continue
        if not (_ADDRESS.fullmatch(entry) or _DOMAIN.fullmatch(entry)):
            return [], N_("%(entry)r is not an e-mail address or an @domain", entry=raw.strip())
        if entry not in out:
            out.append(entry)
    if len(out) > MAX_ENTRIES:
        return [], N_("at most %(count)s entries", count=MAX_ENTRIES)
    return out, None


def is_authorised(listed: Sequence[str], address: str) -> bool:
    """Whether this address may raise requests for an account with this list. An empty list
    checks nobody."""
    if not listed:
        return True
    wanted = address.strip().casefold()
    if not wanted:
        return False
    domain = "@" + wanted.rpartition("@")[2]
    return wanted in listed or domain in listed


def checked(account: tuple[str, str], requester: str, *, authorised: bool, rule: str) -> Change:
    """The check made when the ticket is opened, recorded with it (internal). `account` is the
    end-customer account's slug and name."""
    data = {
        "account": account[0],
        "account_name": account[1],
        "requester": requester,
        "authorised": authorised,
        "by": "rule",
        "rule": rule,
    }
    return Change(EventKind.AUTHORITY_CHECKED, data, public=False)


def validate(
    profile: Profile,
    state: TicketState,
    *,
    account: tuple[str, str],
    requester: str,
    authorised: bool,
    note: str,
    party: Party,
    awaiting: Mapping[str, object] | None,
) -> list[Change]:
    """The desk's validation of a flagged requester (`awaiting`: the check still waiting, from
    `awaiting_validation`): recorded, and without authority the ticket is rejected with the
    profile's `no_authority` reason. Nothing to validate is a conflict."""
    if party is not Party.PROVIDER:
        raise Forbidden(N_("the desk validates a requester's authority"))
    if awaiting is None:
        raise Conflict(
            N_("no check of the requester's authority is waiting for the desk on this ticket")
        )
    if not authorised and not note.strip():
        raise Invalid(
            N_("say why"), fields={"note": N_("is required when the requester has no authority")}
        )
    if not authorised and NO_AUTHORITY not in profile.invalid_reasons:
        raise Invalid(
            N_("this desk has no reason to reject for"),
            fields={
                "authorised": N_(
                    "the profile has no invalid reason %(NO_AUTHORITY)r", NO_AUTHORITY=NO_AUTHORITY
                )
            },
        )
    data = {
        "account": account[0],
        "account_name": account[1],
        "requester": requester,
        "authorised": authorised,
        "by": "desk",
        "note": note.strip(),
    }
    changes = [Change(EventKind.AUTHORITY_CHECKED, data, public=False)]
    if not authorised:
        changes.extend(
            process.reject(profile, state, reason=NO_AUTHORITY, note=note, party=Party.SYSTEM)
        )
    return changes


def awaiting_validation(
    records: Iterable[tuple[str, Mapping[str, object]]],
) -> Mapping[str, object] | None:
    """The rule's flag still waiting for the desk: the last check, if it found no authority and
    the desk has not validated since. `records` are (kind, data) in order."""
    last: Mapping[str, object] | None = None
    for kind, data in records:
        if kind == EventKind.AUTHORITY_CHECKED:
            last = data
    if last is None or last.get("authorised") or last.get("by") != "rule":
        return None
    return last
