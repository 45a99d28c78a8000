"""The process verbs built on the state machine: what a requester's reply does, resolving with a
solution, asking for confirmation, rejecting an invalid ticket, and follow-ups of closed tickets.
Every time and message comes from the profile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tierdesk.domain.errors import Forbidden, Invalid
from tierdesk.domain.events import EventKind
from tierdesk.domain.parties import Party
from tierdesk.domain.profiles import Profile
from tierdesk.domain.replies import confirms_solved, is_thank_you
from tierdesk.domain.ticket import Change, TicketState
from tierdesk.domain.words import N_

REQUESTER_REPLY = "requester_reply"
SOLUTION_PROVIDED = "solution_provided"
REQUESTER_CONFIRMED = "requester_confirmed"
AWAITING_CONFIRMATION = "awaiting_confirmation"
AWAITING_REPLY = "awaiting_reply"
WORK_STARTED = "work_started"


def _status_in(profile: Profile, current: str, category: str) -> str | None:
    spec = profile.statuses.get(current)
    return next(
        (k for k in (spec.to if spec else ()) if profile.statuses[k].category == category), None
    )


def _any_status(profile: Profile, category: str) -> str | None:
    return next((k for k, s in profile.statuses.items() if s.category == category), None)


@dataclass(frozen=True)
class ReplyEffect:
    """What a requester's reply does to the ticket besides being recorded."""

    thank_you: bool = False
    status: Change | None = None  # back to Open, reopened, or resolved as confirmed
    follow_up: bool = False  # the ticket is closed: the reply opens a follow-up ticket
    confirmed: bool = False  # the reply answered a request for confirmation: it is solved


def reopen_target(profile: Profile, status: str) -> str | None:
    """The open status a requester may move a Resolved ticket back to ("not solved"), if any."""
    spec = profile.statuses.get(status)
    if spec is None or spec.category != "resolved":
        return None
    preferred = _status_in(profile, status, "open")
    if preferred is not None and preferred in spec.requester_to:
        return preferred
    return next((k for k in spec.requester_to if profile.statuses[k].is_open), None)


def requester_reopen(profile: Profile, state: TicketState) -> Change | None:
    """LuxCloud 2.4.4: the partner says a Resolved ticket is not solved; it goes back to Open as
    a reply would reopen it. None when it is no longer Resolved (its reply already reopened it);
    refused where the process does not let the requester reopen."""
    if profile.status(state.status).category != "resolved":
        return None
    target = reopen_target(profile, state.status)
    if target is None:
        raise Invalid(
            N_("this ticket cannot be reopened by the requester"),
            fields={"body": N_("the process does not let the requester reopen it")},
        )
    data = {"from": state.status, "to": target, "reason": REQUESTER_REPLY, "by": "system"}
    return Change(EventKind.STATUS_CHANGED, data, public=True)


def requester_reply(
    profile: Profile, state: TicketState, body: str, *, asked_to_confirm: bool = False
) -> ReplyEffect:
    """LuxCloud 2.4.4: a reply returns a Pending ticket to Open and reopens a Resolved one, but a
    bare thank-you does not reopen; a reply to a Closed ticket opens a follow-up.

    LuxCloud 2.4.3 a: when the desk asked the partner to confirm a fix (`asked_to_confirm`), an
    answer that says it is solved resolves the ticket as confirmed; anything else (a question,
    "it still fails") returns it to Open, so the work and its clock go on."""
    category = profile.status(state.status).category
    closure = profile.closure
    thanks = is_thank_you(body)
    if category == "waiting" and asked_to_confirm and confirms_solved(body):
        target = _status_in(profile, state.status, "resolved")
        if target is not None and target in profile.status(state.status).requester_to:
            data = {"from": state.status, "to": target, "reason": REQUESTER_CONFIRMED}
            return ReplyEffect(
                thank_you=thanks,
                status=Change(EventKind.STATUS_CHANGED, data, public=True),
                confirmed=True,
            )
    if category == "closed":
        return ReplyEffect(
            thank_you=thanks,
            follow_up=not thanks and (closure is None or closure.follow_up_after_closed),
        )
    if category in ("waiting", "resolved"):
        if category == "resolved":
            if closure is not None and not closure.reply_reopens_resolved:
                return ReplyEffect(thank_you=thanks)
            if thanks and (closure is None or not closure.thank_you_reopens):
                return ReplyEffect(thank_you=True)
        target = _status_in(profile, state.status, "open")
        if target is not None:
            data = {"from": state.status, "to": target, "reason": REQUESTER_REPLY, "by": "system"}
            return ReplyEffect(
                thank_you=thanks, status=Change(EventKind.STATUS_CHANGED, data, public=True)
            )
    return ReplyEffect(thank_you=thanks)


def resolve_with_solution(
    profile: Profile, state: TicketState, *, solution: str, party: Party
) -> tuple[Change, Change]:
    """LuxCloud 2.4.3 b: the provider notes the solution (with the profile's message) and resolves."""
    if party not in (Party.PROVIDER, Party.SYSTEM):
        raise Forbidden(
            N_("only the provider resolves a ticket on its own initiative; confirm it instead")
        )
    target = _status_in(profile, state.status, "resolved")
    if target is None:
        raise Invalid(
            N_("a ticket in '%(status)s' cannot be resolved", status=state.status),
            fields={"status": N_("cannot resolve from here")},
        )
    text = solution.strip()
    if not text:
        raise Invalid(N_("a solution is required"), fields={"solution": N_("is required")})
    message = profile.closure.resolved_message if profile.closure else ""
    body = f"{text}\n\n{message}" if message else text
    reply = Change(EventKind.REPLY, {"body": body, "by": "provider"}, public=True)
    status = Change(
        EventKind.STATUS_CHANGED,
        {"from": state.status, "to": target, "reason": SOLUTION_PROVIDED},
        public=True,
    )
    return reply, status


def confirm_resolution(profile: Profile, state: TicketState, *, party: Party) -> Change:
    """LuxCloud 2.4.3 a: the partner states the ticket can be closed. From a resolved status that
    closes it; from an open or waiting one it resolves it as confirmed."""
    spec = profile.status(state.status)
    if spec.category == "resolved":
        target = _status_in(profile, state.status, "closed")
        allowed: tuple[str, ...] = spec.to  # confirming is the process's own step, not a free move
    else:
        target = _status_in(profile, state.status, "resolved")
        allowed = spec.requester_to if party is Party.REQUESTER else spec.to
    if party is Party.SUPPLIER:
        raise Forbidden(N_("only the requester or the provider confirms a resolution"))
    if target is None or target not in allowed:
        raise Invalid(
            N_("a ticket in '%(status)s' cannot be confirmed as resolved", status=state.status),
            fields={"status": N_("nothing to confirm")},
        )
    return Change(
        EventKind.STATUS_CHANGED,
        {"from": state.status, "to": target, "reason": REQUESTER_CONFIRMED},
        public=True,
    )


def confirmation_outcome(profile: Profile, status: str) -> str | None:
    """The category confirming leads to from `status` (for the button's words), or None."""
    spec = profile.statuses.get(status)
    if spec is None:
        return None
    if spec.category == "resolved":
        target = _status_in(profile, status, "closed")
        return "closed" if target is not None else None
    target = _status_in(profile, status, "resolved")
    return "resolved" if target is not None and target in spec.requester_to else None


def ask(
    profile: Profile, state: TicketState, *, text: str, party: Party, confirmation: bool
) -> tuple[Change, Change]:
    """Ask the requester a question, or to confirm a fix: a public reply and a move to waiting."""
    if party not in (Party.PROVIDER, Party.SYSTEM):
        raise Forbidden(N_("only the provider asks the requester to confirm or answer"))
    target = _status_in(profile, state.status, "waiting")
    if target is None:
        raise Invalid(
            N_("a ticket in '%(status)s' cannot wait on the requester", status=state.status),
            fields={"status": N_("cannot wait from here")},
        )
    if not text.strip():
        raise Invalid(
            N_("the message to the requester is empty"), fields={"body": N_("is required")}
        )
    reply = Change(EventKind.REPLY, {"body": text.strip(), "by": "provider"}, public=True)
    reason = AWAITING_CONFIRMATION if confirmation else AWAITING_REPLY
    return reply, Change(
        EventKind.STATUS_CHANGED,
        {"from": state.status, "to": target, "reason": reason},
        public=True,
    )


def reject(
    profile: Profile, state: TicketState, *, reason: str, note: str, party: Party
) -> tuple[Change, Change]:
    """LuxCloud 2.6: an invalid ticket is rejected with one of the profile's reasons."""
    if party not in (Party.PROVIDER, Party.SYSTEM):
        raise Forbidden(N_("only the provider rejects tickets"))
    if reason not in profile.invalid_reasons:
        raise Invalid(
            N_("%(reason)r is not a reason of this desk", reason=reason),
            fields={
                "reason": N_(
                    "expected one of %(choices)s", choices=", ".join(profile.invalid_reasons)
                )
            },
        )
    if profile.status(state.status).category in ("resolved", "closed"):
        raise Invalid(
            N_("only an open ticket can be rejected"),
            fields={"reason": N_("the ticket is no longer open")},
        )
    closed = _any_status(profile, "closed")
    if closed is None:
        raise Invalid(
            N_("this desk has no closed status to reject into"),
            fields={"reason": N_("no closed status")},
        )
    label = profile.invalid_reasons[reason].label
    rejected = Change(
        EventKind.REJECTED, {"reason": reason, "label": label, "note": note.strip()}, public=True
    )
    status = Change(
        EventKind.STATUS_CHANGED,
        {"from": state.status, "to": closed, "reason": f"rejected:{reason}"},
        public=True,
    )
    return rejected, status


def _is_work(profile: Profile, change: Change) -> bool:
    if change.kind == EventKind.REPLY:
        return change.public
    if change.kind == EventKind.LEVEL_CHANGED:
        return True
    if change.kind == EventKind.ASSIGNED:
        return change.data.get("to") is not None
    if change.kind == EventKind.STATUS_CHANGED:
        spec = profile.statuses.get(str(change.data["to"]))
        return spec is not None and spec.category in ("waiting", "on_hold", "resolved")
    return False


def first_work(
    profile: Profile, state: TicketState, changes: Sequence[Change], *, party: Party
) -> Change | None:
    """LuxCloud 2.3: New means "yet to be worked on". The provider's first piece of work (a public
    reply, a hand-over to another level or a supplier, an assignment, asking or resolving) moves
    the ticket to Open first; this is that move, or None. A rejection is not work on the issue."""
    if party is not Party.PROVIDER or profile.status(state.status).category != "new":
        return None
    target = _status_in(profile, state.status, "open")
    if target is None or not any(_is_work(profile, c) for c in changes):
        return None
    onward = profile.statuses[target].to
    for c in changes:
        if c.kind == EventKind.REJECTED:
            return None
        if c.kind == EventKind.STATUS_CHANGED and c.data["to"] not in onward:
            return None  # the process does not go on from Open so: leave the move as asked
    return Change(
        EventKind.STATUS_CHANGED,
        {"from": state.status, "to": target, "reason": WORK_STARTED},
        public=True,
    )
