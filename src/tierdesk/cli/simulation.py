"""Running a scenario's steps with the desk's own actions, sweep and clock (see simulate.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from tierdesk import clock, profiles
from tierdesk.actions import process, supplier_answers
from tierdesk.actions import tickets as act
from tierdesk.actions.people import create_organisation, create_user
from tierdesk.actions.suppliers import set_terms
from tierdesk.domain.errors import DomainError
from tierdesk.domain.escalation import EscalationTooEarly
from tierdesk.domain.parties import OrganisationKind, Role
from tierdesk.domain.profiles import Profile
from tierdesk.domain.sla import clocks
from tierdesk.intake.mail import ingest
from tierdesk.jobs.sweep import sweep
from tierdesk.persistence.clocks import clock_events
from tierdesk.persistence.models import (
    Event,
    Notification,
    Organisation,
    SupportTerms,
    Ticket,
    User,
)


class Simulation:
    def __init__(self, scenario: dict[str, Any], profile: Profile | None = None) -> None:
        self.scenario = scenario
        self.profile = profile or profiles.active()
        self.zone = self.profile.calendars[self.profile.default_calendar].zone
        self.tickets: dict[str, str] = {}  # reference -> number
        self.refusals: dict[str, list[tuple[datetime, dict[str, Any]]]] = {}
        first = (
            datetime.fromisoformat(scenario["steps"][0]["at"])
            if scenario["steps"]
            else datetime.fromisoformat(scenario["until"])
        )
        self.clock = clock.FixedClock(first)
        clock.install(self.clock)
        self._people(first)

    def _people(self, now: datetime) -> None:
        provider = create_organisation(
            name=self.profile.provider_name, kind=OrganisationKind.PROVIDER, now=now
        )
        self.partner = create_organisation(
            name="Simulated partner", kind=OrganisationKind.PARTNER, now=now, slug="partner"
        )
        self.requester = create_user(
            username="requester",
            email="requester@partner.example.com",
            organisation=self.partner,
            role=Role.PARTNER_USER,
            now=now,
        )
        self.desk = create_user(
            username="desk",
            email="desk@provider.example.com",
            organisation=provider,
            role=Role.MANAGER,
            now=now,
        )

    def _supplier(self, name: str, now: datetime) -> Organisation:
        from django.utils.text import slugify

        slug = slugify(name)[:80] or "supplier"
        found = Organisation.objects.filter(slug=slug).first()
        return found or create_organisation(
            name=name, kind=OrganisationKind.SUPPLIER, now=now, slug=slug
        )

    def _admin(self, now: datetime) -> User:
        found = User.objects.filter(username="administrator").first()
        return found or create_user(
            username="administrator",
            email="administrator@provider.example.com",
            organisation=Organisation.objects.get(kind=OrganisationKind.PROVIDER),
            role=Role.ADMINISTRATOR,
            now=now,
        )

    def _supplier_mail(self, step: dict[str, Any], number: str, now: datetime) -> None:
        """A mail from the supplier's own desk, through the real intake: an answer to our
        hand-off mail (In-Reply-To), or (`"thread": "reference"`) one carrying only its
        reference; `"auto": true` marks it as its system's automatic answer."""
        ticket = Ticket.objects.get(number=number)
        terms = SupportTerms.objects.filter(organisation__slug=ticket.supplier).first()
        if terms is None:
            raise DomainError(f"{number} is not with a supplier that has support terms")
        msg = EmailMessage()
        msg["From"] = str(step.get("from") or terms.contact)
        msg["To"] = "desk@provider.example.com"
        msg["Subject"] = str(step.get("subject", "Update"))
        msg["Message-ID"] = f"<sim-{Event.objects.count()}-{now.timestamp():.0f}@supplier.example>"
        ours = Notification.objects.filter(ticket=ticket, kind="supplier_handoff").last()
        if ours is not None and step.get("thread", "message-id") == "message-id":
            msg["In-Reply-To"] = ours.message_id
        if step.get("auto"):
            msg["Auto-Submitted"] = "auto-replied"
        msg.set_content(str(step.get("text", "")) or "(no text)")
        ingest(msg.as_bytes(), source="simulation", now=now)

    def _advance(self, to: datetime) -> None:
        """Move the clock to `to`, stopping at every deadline on the way and sweeping there."""
        while True:
            nxt = (
                Ticket.objects.filter(next_deadline__lt=to)
                .order_by("next_deadline")
                .values_list("next_deadline", flat=True)
                .first()
            )
            if nxt is None:
                break
            # The sweep acts on a deadline once it has passed: just after it.
            self.clock.at = max(self.clock.at, nxt + timedelta(microseconds=1))
            sweep(self.clock.at)
        self.clock.at = max(self.clock.at, to)

    def _open(self, step: dict[str, Any], now: datetime) -> None:
        fields = dict(step.get("fields") or {})
        for spec in self.profile.form:
            if spec.required and not fields.get(spec.key):
                fields[spec.key] = "(simulated)"
        via = step.get("via", "portal")
        kwargs: dict[str, Any] = {
            "subject": step.get("subject", "Simulated ticket"),
            "description": step.get("description", ""),
            "severity": step.get("severity"),
            "form": fields,
            "profile": self.profile,
            "now": now,
        }
        if via == "phone":
            ticket = act.open_ticket(
                actor=self.desk,
                channel="phone",
                organisation=self.partner,
                requester=self.requester,
                **kwargs,
            )
        else:
            ticket = act.open_ticket(actor=self.requester, channel=via, **kwargs)
        self.tickets[step["ticket"]] = ticket.number

    def _do(self, step: dict[str, Any], now: datetime) -> None:
        do = step["do"]
        if do == "open":
            self._open(step, now)
            return
        number = self.tickets.get(step["ticket"])
        if number is None:
            raise DomainError(f"no ticket {step['ticket']!r} has been opened in this scenario")
        text = str(step.get("text", ""))
        if do == "reply":
            if step.get("by", "agent") == "requester":
                event = act.add_reply(
                    actor=self.requester, number=number, body=text or "More details.", now=now
                )
                if event.ticket.number != number:  # a reply to a closed ticket opened a follow-up
                    self.tickets[step.get("follow_up_as", step["ticket"] + "-follow-up")] = (
                        event.ticket.number
                    )
            elif step.get("public", True):
                act.add_reply(
                    actor=self.desk, number=number, body=text or "Update from the desk.", now=now
                )
            else:
                act.add_note(actor=self.desk, number=number, body=text or "Internal note.", now=now)
        elif do == "status":
            act.change_status(
                actor=self.desk, number=number, to=str(step["to"]), reason=text, now=now
            )
        elif do == "resolve":
            if step.get("by") == "requester":
                process.confirm(actor=self.requester, number=number, now=now)
            else:
                process.resolve(
                    actor=self.desk, number=number, solution=text or "Solution provided.", now=now
                )
        elif do == "request_confirmation":
            process.ask(
                actor=self.desk,
                number=number,
                body=text or "Please confirm it works.",
                confirmation=True,
                now=now,
            )
        elif do == "close":
            closed = next(k for k, s in self.profile.statuses.items() if s.category == "closed")
            act.change_status(actor=self.desk, number=number, to=closed, reason=text, now=now)
        elif do == "severity":
            act.change_severity(
                actor=self.desk, number=number, to=str(step["to"]), reason=text, now=now
            )
        elif do == "escalate":
            act.change_level(
                actor=self.desk,
                number=number,
                to=str(step["to"]),
                note=text or "Handed over by the scenario.",
                now=now,
            )
        elif do == "supplier":
            on_hold = next(k for k, s in self.profile.statuses.items() if s.category == "on_hold")
            supplier = self._supplier(str(step.get("name", "Supplier")), now)
            if step.get("terms"):  # the supplier's registry, as an administrator keeps it
                set_terms(
                    actor=self._admin(now), supplier=supplier, now=now, changes=dict(step["terms"])
                )
            act.change_status(
                actor=self.desk,
                number=number,
                to=on_hold,
                now=now,
                supplier=supplier,
                supplier_ref=str(step.get("reference", "")),
                note=text,
            )
        elif do == "supplier_mail":
            self._supplier_mail(step, number, now)
        elif do == "supplier_solved":
            supplier_answers.solved(actor=self.desk, number=number, note=text, now=now)
        elif do == "management_escalation":
            actor = self.requester if step.get("by", "requester") == "requester" else self.desk
            process.escalate_management(actor=actor, number=number, reason=text, now=now)
        elif do == "contact_attempt":
            process.record_contact_attempt(actor=self.desk, number=number, note=text, now=now)
        elif do == "reject":
            process.reject(
                actor=self.desk, number=number, reason=str(step.get("reason")), note=text, now=now
            )

    def run(self) -> dict[str, Any]:
        for step in self.scenario["steps"]:
            at = datetime.fromisoformat(step["at"])
            self._advance(at)
            try:
                self._do(step, self.clock.at)
            except EscalationTooEarly as exc:
                self._refuse(
                    step,
                    {
                        "kind": "management_escalation_refused",
                        "until": self._iso(exc.until),
                        "message": exc.message,
                    },
                )
            except DomainError as exc:
                self._refuse(step, {"kind": "refused", "do": step["do"], "message": exc.message})
        self._advance(datetime.fromisoformat(self.scenario["until"]))
        return {
            "profile": self.profile.name,
            "until": self._iso(self.clock.at),
            "tickets": {ref: self._ticket(ref, number) for ref, number in self.tickets.items()},
        }

    def _refuse(self, step: dict[str, Any], event: dict[str, Any]) -> None:
        self.refusals.setdefault(step["ticket"], []).append((self.clock.at, event))

    def _iso(self, instant: datetime | None) -> str | None:
        return instant.astimezone(self.zone).isoformat() if instant else None

    def _event(self, e: Event) -> dict[str, Any]:
        d, out = e.data, {"at": self._iso(e.at)}
        statuses = self.profile.statuses
        if e.kind == "created":
            return {
                **out,
                "kind": "opened",
                "severity": d["severity"],
                "level": d["level"],
                "channel": d["channel"],
                **({"emergency": True} if d.get("emergency") else {}),
            }
        if e.kind in ("reply", "note"):
            return {
                **out,
                "kind": "replied",
                "by": "requester" if d.get("by") == "requester" else "agent",
                "public": e.public,
                **({"thank_you": True} if d.get("thank_you") else {}),
            }
        if e.kind == "status_changed":
            before = statuses[d["from"]].category if d["from"] in statuses else ""
            after = statuses[d["to"]].category if d["to"] in statuses else ""
            base = {**out, "from": d["from"], "to": d["to"], "reason": d.get("reason", "")}
            if d.get("supplier"):
                base.update(supplier=d["supplier"], reference=d.get("supplier_ref", ""))
            if d.get("returned_by"):
                base.update(returned_by=d["returned_by"])
            if after == "resolved":
                return {**base, "kind": "resolved"}
            if after == "closed":
                return {**base, "kind": "closed"}
            if before in ("resolved", "closed"):
                return {**base, "kind": "reopened"}
            return {**base, "kind": "status_changed"}
        if e.kind == "severity_changed":
            return {**out, "kind": "severity_changed", "from": d["from"], "to": d["to"]}
        if e.kind == "level_changed":
            return {**out, "kind": "escalated", "from": d["from"], "to": d["to"]}
        if e.kind == "supplier_mail":
            return {
                **out,
                "kind": "supplier_mail",
                "automatic": bool(d.get("machine")),
                **({"reference": d["supplier_ref"]} if d.get("supplier_ref") else {}),
                **({"solved": True} if d.get("solved") else {}),
            }
        if e.kind == "supplier_chased":
            return {**out, "kind": "supplier_chased", "method": d.get("method", "")}
        if e.kind == "sla_warning":
            return {**out, "kind": "sla_warning", "target": d["target"], "percent": d["percent"]}
        if e.kind == "sla_breach":
            return {**out, "kind": "sla_breached", "target": d["target"]}
        if e.kind == "linked":
            return {**out, "kind": "linked", "link": d["kind"], "target": d["target"]}
        if e.kind == "duplicate_suspected":
            return {**out, "kind": "duplicate_suspected", "of": d["of"]}
        if e.kind == "follow_up_opened":
            return {**out, "kind": "follow_up_opened", "number": d["number"]}
        if e.kind == "rejected":
            return {**out, "kind": "rejected", "reason": d["reason"]}
        if e.kind == "management_escalated":
            return {
                **out,
                "kind": "management_escalated",
                "level": d["step"],
                "role": d["role"],
                "routed_to": d["routed_to"],
            }
        if e.kind == "contact_attempted":
            return {**out, "kind": "contact_attempted", "level": d["step"], "role": d["role"]}
        return {**out, "kind": e.kind}

    def _ticket(self, ref: str, number: str) -> dict[str, Any]:
        ticket = Ticket.objects.get(number=number)
        state = clocks(self.profile, clock_events(ticket), self.clock.at)
        events = [self._event(e) for e in Event.objects.filter(ticket=ticket).order_by("seq")]
        for at, refusal in self.refusals.get(ref, []):
            events.append({"at": self._iso(at), **refusal})
        events.sort(key=lambda e: str(e["at"]))
        return {
            "number": ticket.number,
            "status": ticket.status,
            "severity": ticket.severity,
            "level": ticket.level,
            "sla": [
                {
                    "target": t.key,
                    "due": self._iso(t.due),
                    "state": t.state,
                    "met_at": self._iso(t.met_at),
                    "breached_at": self._iso(t.breached_at),
                    "business_seconds": round(t.used_seconds),
                }
                for t in state.targets
            ],
            "events": events,
        }
