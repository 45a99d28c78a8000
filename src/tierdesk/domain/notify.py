"""Who is told about what: the notification rules, as roles; the write path resolves the people.

Seeds: LuxCloud 2.4.1/2.4.2/2.4.3 (confirmation of opening, update and closure to the partner
and the technicians), 2.8 (emergencies to the NOC), 3.6 and the escalation matrices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tierdesk.domain.events import EventKind

REQUESTER = "requester"
ASSIGNEE = "assignee"
LEVEL = "level"  # the agents of the ticket's current level
ON_CALL = "on_call"  # the emergency rule's addresses, and the emergency level's agents
ESCALATION = "escalation_contact"
SLA_CONTACTS = "sla_contacts"  # whoever the profile names for warnings and breaches


@dataclass(frozen=True)
class Notice:
    role: str
    subject: str  # without the [NUMBER] tag, which the outbox adds
    body: str


def notices(
    kind: str, data: Mapping[str, Any], *, public: bool, subject: str, number: str, emergency: bool
) -> list[Notice]:
    """The notices an event causes, by role. Internal events never reach the requester."""
    out: list[Notice] = []

    def tell(role: str, title: str, body: str) -> None:
        out.append(Notice(role, f"{title}: {subject}", body))

    if kind == EventKind.CREATED:
        if emergency:  # first, so the on-call agents get this one rather than the routine notice
            tell(ON_CALL, "EMERGENCY", f"{number} was opened as an emergency: {subject}")
        tell(
            REQUESTER,
            "Ticket received",
            f"Your ticket {number} has been opened. We will answer within the "
            "targets of your support agreement.",
        )
        tell(LEVEL, "New ticket", f"{number} was opened ({data.get('severity')}).")
    elif kind == EventKind.REPLY and public:
        if data.get("by") == "requester":
            tell(ASSIGNEE, "Requester replied", str(data.get("body", "")))
            tell(LEVEL, "Requester replied", str(data.get("body", "")))
        else:
            tell(REQUESTER, "Update", str(data.get("body", "")))
    elif kind == EventKind.STATUS_CHANGED and public:
        to, reason = str(data.get("to")), str(data.get("reason", ""))
        # A return to Open on the partner's own reply, and New -> Open at the desk's first work
        # (told by the work itself), are not news to the partner.
        if reason not in ("requester_reply", "work_started") and not reason.startswith("rejected:"):
            tell(
                REQUESTER,
                "Status changed",
                f"{number} is now {to}" + (f" ({reason})." if reason else "."),
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
            text = (
                f"{number}: the {target.replace('_', ' ')} target was due at {data.get('due_at')}."
            )
        else:
            title = "SLA warning"
            text = f"{number}: {data.get('percent')} % of the {target.replace('_', ' ')} target is used."
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
