"""Who is told about what: the notification rules, as roles; the write path resolves the people.

Seeds: LuxCloud 2.4.1/2.4.2/2.4.3 (confirmation of opening, update and closure to the partner
and the technicians), 2.8 (emergencies to the NOC), 3.6 and the escalation matrices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

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


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue; the write path translates it per recipient
    (the domain stays free of Django)."""
    return message


_ = gettext_noop


@dataclass(frozen=True)
class Text:
    """A message to be worded in each recipient's language: a catalogue message and the values
    it names. A value may be another Text, an instant (shown in the recipient's zone, the zone
    named) or plain text (a profile label, a ticket number, what someone wrote)."""

    message: str
    values: Mapping[str, Any] = field(default_factory=dict)


# Why a status changed, in words (the reasons the desk records itself).
REASONS = {
    "solution_provided": _("a solution has been provided"),
    "requester_confirmed": _("confirmed by the requester"),
    "confirmation_timeout": _("no answer to the request for confirmation"),
    "no_reply": _("no reply to our question"),
    "resolved_timeout": _("resolved long enough"),
    "awaiting_confirmation": _("please confirm that it is solved"),
    "awaiting_reply": _("waiting for your answer"),
    "alert_resolved": _("the monitoring alert is resolved"),
}


def when(instant: str | datetime, zone: tzinfo) -> str:
    """An instant as a reader reads it: its local time, with the zone named."""
    at = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    local = at.astimezone(zone)
    key = getattr(zone, "key", None)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}" + (f" ({key})" if key else "")


@dataclass(frozen=True)
class Notice:
    role: str
    title: Text  # the subject before the ticket's subject (and the [NUMBER] tag the outbox adds)
    body: Text
    subject: str = ""  # the ticket's subject, as written

    def worded(
        self, translate: Callable[[str], str], moment: Callable[[datetime], str]
    ) -> tuple[str, str]:
        """The subject and body in one recipient's words: `translate` looks a message up in
        their language, `moment` shows an instant in their zone (the zone named)."""
        title = word(self.title, translate, moment)
        return f"{title}: {self.subject}", word(self.body, translate, moment)


def word(text: Text, translate: Callable[[str], str], moment: Callable[[datetime], str]) -> str:
    def value(v: Any) -> str:
        if isinstance(v, Text):
            return word(v, translate, moment)
        if isinstance(v, datetime):
            return moment(v)
        return str(v)

    message = translate(text.message) if text.message else ""
    if not text.values:
        return message
    return message % {k: value(v) for k, v in text.values.items()}


def _days(duration: Any) -> Text | None:
    """A period of whole working days in words; None for any other (hours read as "4h")."""
    if duration is None or duration.seconds or not duration.days:
        return None
    if duration.days == 1:
        return Text(_("1 business day"))
    return Text(_("%(count)s business days"), {"count": f"{duration.days:g}"})


def _timed(profile: Profile | None, reason: str) -> Text | None:
    """A closure or resolution the desk made when the profile's own period ran out, worded with
    that period (as the ticket's timeline words it)."""
    closure = profile.closure if profile is not None else None
    if closure is None:
        return None
    periods = {
        "resolved_timeout": (
            closure.close_resolved_after,
            _("closed automatically: no answer within %(period)s of the resolution"),
        ),
        "no_reply": (
            closure.no_reply_timeout,
            _("resolved automatically: no answer to the question within %(period)s"),
        ),
        "confirmation_timeout": (
            closure.confirmation_timeout,
            _("resolved automatically: not confirmed within %(period)s"),
        ),
    }
    if reason not in periods:
        return None
    duration, message = periods[reason]
    period = _days(duration)
    return Text(message, {"period": period}) if period is not None else None


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
    labels name statuses and targets; instants stay instants until worded for a reader."""
    out: list[Notice] = []
    rules = profile.notifications if profile is not None else NotificationRules()

    def tell(role: str, title: Text, body: Text) -> None:
        out.append(Notice(role, title, body, subject))

    def tell_all(
        roles: tuple[str, ...], requester: tuple[Text, Text], desk: tuple[Text, Text]
    ) -> None:
        for role in roles:
            tell(role, *(requester if role == REQUESTER else desk))

    def label(status: str) -> str:
        spec = profile.statuses.get(status) if profile is not None else None
        return spec.label if spec is not None else status.replace("_", " ")

    def category(status: str) -> str:
        spec = profile.statuses.get(status) if profile is not None else None
        return spec.category if spec is not None else ""

    def target_kind(target: str) -> str:
        if profile is not None:
            for severity in profile.severities.values():
                if target in severity.targets:
                    return severity.targets[target].kind
        return target

    def target_label(target: str) -> Text | str:
        if profile is not None:
            for severity in profile.severities.values():
                if target in severity.targets:
                    return severity.targets[target].label
        if target == "supplier":
            return Text(_("supplier answer"))
        if target == "supplier_response":
            return Text(_("supplier's first response"))
        return target.replace("_", " ")

    def instant(value: Any) -> Any:
        if isinstance(value, str) and value:
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                return value
        return value if value is not None else ""

    def plain(body: str) -> Text:
        return Text("%(text)s", {"text": body})

    if kind == EventKind.CREATED:
        if emergency:  # first, so the on-call agents get this one rather than the routine notice
            tell(
                ON_CALL,
                Text(_("EMERGENCY")),
                Text(_("%(number)s was opened as an emergency: %(subject)s"),
                     {"number": number, "subject": subject}),
            )  # fmt: skip
        severity = str(data.get("severity"))
        spec = profile.severities.get(severity) if profile is not None else None
        tell_all(
            rules.opened,
            (
                Text(_("Ticket received")),
                Text(
                    _("Your ticket %(number)s has been opened. We will answer within the targets "
                      "of your support agreement."),
                    {"number": number},
                ),
            ),
            (
                Text(_("New ticket")),
                Text(_("%(number)s was opened (%(severity)s)."),
                     {"number": number, "severity": spec.label if spec else severity}),
            ),
        )  # fmt: skip
    elif kind == EventKind.REPLY and public:
        body = plain(str(data.get("body", "")))
        if data.get("by") == "requester":
            tell(ASSIGNEE, Text(_("Requester replied")), body)
            tell(LEVEL, Text(_("Requester replied")), body)
        else:
            tell_all(rules.updated, (Text(_("Update")), body), (Text(_("Update sent")), body))
    elif kind == EventKind.REPLY and data.get("by") == "supplier":
        tell(HANDED_OVER_BY, Text(_("Supplier replied")), plain(str(data.get("body", ""))))
    elif kind == EventKind.SUPPLIER_MAIL:
        title = (
            Text(_("Supplier's mail system answered"))
            if data.get("machine")
            else Text(_("Supplier solved it"))
            if data.get("solved")
            else Text(_("Supplier wrote"))
        )
        tell(HANDED_OVER_BY, title, plain(str(data.get("body", ""))))
    elif kind == EventKind.SUPPLIER_CHASED and data.get("method") != "email":
        tell(
            HANDED_OVER_BY,
            Text(_("Chase the supplier")),
            Text(
                _("%(number)s: the supplier's time runs out at %(due)s. Contact: %(contact)s"),
                {"number": number, "due": instant(data.get("due_at")) if data.get("due_at")
                 else "", "contact": str(data.get("contact", ""))},
            ),
        )  # fmt: skip
    elif kind == EventKind.STATUS_CHANGED and public:
        to, reason = str(data.get("to")), str(data.get("reason", ""))
        # A return to Open on the partner's own reply, and New -> Open at the desk's first work
        # (told by the work itself), are not news to the partner.
        if reason not in ("requester_reply", "work_started") and not reason.startswith("rejected:"):
            why = REASONS.get(reason)
            values: dict[str, Any] = {"number": number, "status": label(to)}
            timed = _timed(profile, reason)
            if timed is not None:
                text = Text(_("%(number)s is now %(status)s (%(why)s)."), {**values, "why": timed})
            elif why is not None:
                text = Text(
                    _("%(number)s is now %(status)s (%(why)s)."), {**values, "why": Text(why)}
                )
            elif reason:
                text = Text(_("%(number)s is now %(status)s (%(why)s)."), {**values, "why": reason})
            else:
                text = Text(_("%(number)s is now %(status)s."), values)
            closing = category(to) in ("resolved", "closed")
            tell_all(
                rules.closed if closing else rules.updated,
                (Text(_("Status changed")), text),
                (Text(_("Status changed")), text),
            )
    elif kind == EventKind.REJECTED:
        note = str(data.get("note", "") or "").strip()
        values = {"number": number, "reason": str(data.get("label", "")), "note": note}
        tell(
            REQUESTER,
            Text(_("Ticket rejected")),
            Text(_("%(number)s was rejected: %(reason)s. %(note)s") if note
                 else _("%(number)s was rejected: %(reason)s."), values),
        )  # fmt: skip
    elif kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACH) and (
        target_kind(str(data.get("target"))) == "progress"
    ):
        # Zynstra: the level holding the ticket reports progress down the chain; its clock asks
        # that level for the next report, not the desk for an answer to the partner.
        if kind == EventKind.SLA_BREACH:
            title = Text(_("Progress report overdue"))
            text = Text(
                _("%(number)s: the next progress report was due at %(due)s."),
                {"number": number, "due": instant(data.get("due_at"))},
            )
        else:
            title = Text(_("Progress report due soon"))
            text = Text(
                _("%(number)s: %(percent)s %% of the time until the next progress report is used."),
                {"number": number, "percent": data.get("percent")},
            )
        tell(ASSIGNEE, title, text)
        tell(LEVEL, title, text)
    elif kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACH):
        target = str(data.get("target"))
        if kind == EventKind.SLA_BREACH:
            title = Text(_("Chase the supplier") if target == "supplier" else _("SLA breached"))
            text = Text(
                _("%(number)s: %(target)s was due at %(due)s."),
                {"number": number, "target": target_label(target),
                 "due": instant(data.get("due_at"))},
            )  # fmt: skip
        else:
            title = Text(_("SLA warning"))
            text = Text(
                _("%(number)s: %(percent)s %% of the time for %(target)s is used."),
                {"number": number, "percent": data.get("percent"), "target": target_label(target)},
            )
        routes = (
            routes_for_expiry(profile.contingency, STANDARD_TARGETS.get(target, target))
            if kind == EventKind.SLA_BREACH and profile is not None
            else []
        )
        if routes:  # CloudCTI 4: an expired MTTR opens the contingency number to the partner
            offer = " ".join(f"{r.label}: {r.contact}." for r in routes)
            text = Text(
                _("%(text)s Contingency route offered to the partner: %(offer)s"),
                {"text": text, "offer": offer},
            )
            tell(
                REQUESTER,
                Text(_("Contingency route")),
                Text(
                    _(
                        "%(target)s for %(number)s has passed. You can also reach us here: %(offer)s"
                    ),
                    {"target": target_label(target), "number": number, "offer": offer},
                ),
            )
        tell(ASSIGNEE, title, text)
        tell(LEVEL, title, text)
        tell(SLA_CONTACTS, title, text)
    elif kind == EventKind.MANAGEMENT_ESCALATED:
        given = data.get("reason")
        names = [
            name if isinstance(name := target_label(str(t)), str) else str(t).replace("_", " ")
            for t in data.get("breached", [])
        ]
        because: Text | str = (
            str(given)
            if given
            else Text(_("SLA breached: %(targets)s"), {"targets": ", ".join(names)})
        )
        tell(
            ESCALATION,
            Text(_("Escalation")),
            Text(_("%(number)s is escalated to %(role)s (step %(step)s). Reason: %(reason)s"),
                 {"number": number, "role": data.get("role"), "step": data.get("step"),
                  "reason": because}),
        )  # fmt: skip
        tell(
            REQUESTER,
            Text(_("Escalation received")),
            Text(_("Your escalation of %(number)s has reached %(whom)s."),
                 {"number": number, "whom": data.get("routed_to")}),
        )  # fmt: skip
    elif kind == EventKind.INCIDENT_RESOLVED and data.get("notify"):
        message = str(data.get("message", "") or "").strip()
        tell(
            REQUESTER,
            Text(_("Incident resolved")),
            Text(_("The incident linked to %(number)s, %(title)s, is resolved. %(message)s")
                 if message else _("The incident linked to %(number)s, %(title)s, is resolved."),
                 {"number": number, "title": data.get("title"), "message": message}),
        )  # fmt: skip
    elif kind == EventKind.CONTACT_ATTEMPTED:
        # Zynstra: the partner escalated; it hears of each try to reach the step's contact, as
        # the tries may open the next step to it.
        note = str(data.get("note", "") or "").strip()
        values = {
            "number": number, "role": str(data.get("role", "")),
            "attempt": data.get("attempt"), "note": note,
        }  # fmt: skip
        tell(
            REQUESTER,
            Text(_("Escalation: contact attempt")),
            Text(_("%(number)s: we tried to reach %(role)s (attempt %(attempt)s). %(note)s")
                 if note else _("%(number)s: we tried to reach %(role)s (attempt %(attempt)s)."),
                 values),
        )  # fmt: skip
    elif kind == EventKind.LEVEL_CHANGED:
        tell(LEVEL, Text(_("Handed over to your level")), plain(str(data.get("note", ""))))
    elif kind == EventKind.ASSIGNED and data.get("to"):
        tell(
            ASSIGNEE,
            Text(_("Assigned to you")),
            Text(_("%(number)s is now yours."), {"number": number}),
        )
    return out
