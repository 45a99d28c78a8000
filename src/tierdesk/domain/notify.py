"""Who is told about what: the notification rules, as roles; the write path resolves the people.

Seeds: LuxCloud 2.4.1/2.4.2/2.4.3 (confirmation of opening, update and closure to the partner
and the technicians), 2.8 (emergencies to the NOC), 3.6 and the escalation matrices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tierdesk.domain.contingency import routes_for_expiry
from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import STANDARD_TARGETS, NotificationRules, Profile

REQUESTER = "requester"
ASSIGNEE = "assignee"
LEVEL = "level"  # the agents of the ticket's current level
ON_CALL = "on_call"  # the emergency rule's addresses, and the emergency level's agents
ESCALATION = "escalation_contact"
SLA_CONTACTS = "sla_contacts"  # whoever the profile names for warnings and breaches
TECHNICIANS = "technicians"  # the assignee, or the agents of the ticket's level when unassigned
HANDED_OVER_BY = "handed_over_by"  # the agent who handed the ticket to its supplier

# Why a status changed, in words (the reasons the desk records itself).
REASONS = {
    "solution_provided": "a solution has been provided",
    "requester_confirmed": "confirmed by the requester",
    "confirmation_timeout": "no answer to the request for confirmation",
    "no_reply": "no reply to our question",
    "resolved_timeout": "resolved long enough",
    "awaiting_confirmation": "please confirm that it is solved",
    "awaiting_reply": "waiting for your answer",
    "alert_resolved": "the monitoring alert is resolved",
}


def when(instant: str | datetime, zone: ZoneInfo) -> str:
    """An instant as the desk reads it: its local time, with the zone named."""
    at = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    local = at.astimezone(zone)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()} ({zone.key})"


@dataclass(frozen=True)
class Notice:
    role: str
    subject: str  # without the [NUMBER] tag, which the outbox adds
    body: str


def notices(
    kind: str,
    data: Mapping[str, Any],
    *,
    public: bool,
    subject: str,
    number: str,
    emergency: bool,
    profile: Profile | None = None,
) -> list[Notice]:
    """The notices an event causes, by role. Internal events never reach the requester. The
    profile's notification rules say who confirms an opening, an update and a closure; its
    labels name statuses, and its desk calendar's zone gives times."""
    out: list[Notice] = []
    rules = profile.notifications if profile is not None else NotificationRules()
    zone = profile.calendars[profile.default_calendar].zone if profile is not None else None

    def tell(role: str, title: str, body: str) -> None:
        out.append(Notice(role, f"{title}: {subject}", body))

    def tell_all(roles: tuple[str, ...], requester: tuple[str, str], desk: tuple[str, str]) -> None:
        for role in roles:
            tell(role, *(requester if role == REQUESTER else desk))

    def label(status: str) -> str:
        spec = profile.statuses.get(status) if profile is not None else None
        return spec.label if spec is not None else status.replace("_", " ")

    def category(status: str) -> str:
        spec = profile.statuses.get(status) if profile is not None else None
        return spec.category if spec is not None else ""

    def time(instant: Any) -> str:
        return when(str(instant), zone) if zone is not None and instant else str(instant)

    if kind == EventKind.CREATED:
        if emergency:  # first, so the on-call agents get this one rather than the routine notice
            tell(ON_CALL, "EMERGENCY", f"{number} was opened as an emergency: {subject}")
        severity = str(data.get("severity"))
        spec = profile.severities.get(severity) if profile is not None else None
        tell_all(
            rules.opened,
            (
                "Ticket received",
                f"Your ticket {number} has been opened. We will answer within the "
                "targets of your support agreement.",
            ),
            ("New ticket", f"{number} was opened ({spec.label if spec else severity})."),
        )
    elif kind == EventKind.REPLY and public:
        body = str(data.get("body", ""))
        if data.get("by") == "requester":
            tell(ASSIGNEE, "Requester replied", body)
            tell(LEVEL, "Requester replied", body)
        else:
            tell_all(rules.updated, ("Update", body), ("Update sent", body))
    elif kind == EventKind.REPLY and data.get("by") == "supplier":
        tell(HANDED_OVER_BY, "Supplier replied", str(data.get("body", "")))
    elif kind == EventKind.STATUS_CHANGED and public:
        to, reason = str(data.get("to")), str(data.get("reason", ""))
        # A return to Open on the partner's own reply, and New -> Open at the desk's first work
        # (told by the work itself), are not news to the partner.
        if reason not in ("requester_reply", "work_started") and not reason.startswith("rejected:"):
            why = REASONS.get(reason, reason)
            text = f"{number} is now {label(to)}" + (f" ({why})." if why else ".")
            closing = category(to) in ("resolved", "closed")
            tell_all(
                rules.closed if closing else rules.updated,
                ("Status changed", text),
                ("Status changed", text),
            )
    elif kind == EventKind.REJECTED:
        tell(
            REQUESTER,
            "Ticket rejected",
            f"{number} was rejected: {data.get('label')}. {data.get('note', '')}".strip(),
        )
    elif kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACH):
        target = str(data.get("target"))
        if kind == EventKind.SLA_BREACH:
            title = "Chase the supplier" if target == "supplier" else "SLA breached"
            due = time(data.get("due_at"))
            text = f"{number}: the {target.replace('_', ' ')} target was due at {due}."
        else:
            title = "SLA warning"
            text = f"{number}: {data.get('percent')} % of the {target.replace('_', ' ')} target is used."
        routes = (
            routes_for_expiry(profile.contingency, STANDARD_TARGETS.get(target, target))
            if kind == EventKind.SLA_BREACH and profile is not None
            else []
        )
        if routes:  # CloudCTI 4: an expired MTTR opens the contingency number to the partner
            offer = " ".join(f"{r.label}: {r.contact}." for r in routes)
            text = f"{text} Contingency route offered to the partner: {offer}"
            tell(
                REQUESTER,
                "Contingency route",
                f"The {target.replace('_', ' ')} target of {number} has passed. "
                f"You can also reach us here: {offer}",
            )
        tell(ASSIGNEE, title, text)
        tell(LEVEL, title, text)
        tell(SLA_CONTACTS, title, text)
    elif kind == EventKind.MANAGEMENT_ESCALATED:
        text = (
            f"{number} is escalated to {data.get('role')} (step {data.get('step')}). "
            f"Reason: {data.get('reason') or 'SLA breached: ' + ', '.join(data.get('breached', []))}"
        )
        tell(ESCALATION, "Escalation", text)
        tell(
            REQUESTER,
            "Escalation received",
            f"Your escalation of {number} has reached {data.get('routed_to')}.",
        )
    elif kind == EventKind.INCIDENT_RESOLVED and data.get("notify"):
        tell(
            REQUESTER,
            "Incident resolved",
            f"The incident linked to {number}, {data.get('title')}, is resolved. "
            f"{data.get('message', '')}".strip(),
        )
    elif kind == EventKind.LEVEL_CHANGED:
        tell(LEVEL, "Handed over to your level", str(data.get("note", "")))
    elif kind == EventKind.ASSIGNED and data.get("to"):
        tell(ASSIGNEE, "Assigned to you", f"{number} is now yours.")
    return out
