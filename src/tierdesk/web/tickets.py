"""The ticket page: its public (or, for staff, full) timeline, its clocks in words, and the
actions the viewer may take, each a form that calls one action; errors come back next to the
field with what was typed kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from tierdesk import clock, profiles, refusals
from tierdesk.actions import process, supplier_answers, supplier_mail
from tierdesk.actions import redaction as erase
from tierdesk.actions import tickets as act
from tierdesk.domain import redaction
from tierdesk.domain.errors import DomainError, Forbidden, Invalid, NotFound
from tierdesk.domain.language import OffReplyLanguage
from tierdesk.domain.parties import OrganisationKind, Party, Role, party_of, sees_internal
from tierdesk.domain.process import confirmation_outcome, reopen_target
from tierdesk.persistence.models import Event, Organisation, SupportTerms, User
from tierdesk.queries import chat as chats
from tierdesk.queries import contingency, disclosure
from tierdesk.queries import macros as canned
from tierdesk.queries import tickets as q
from tierdesk.queries.administration import choosable_suppliers
from tierdesk.queries.sla import ticket_sla
from tierdesk.queries.status import current_incidents
from tierdesk.web import words
from tierdesk.web.forms import show_errors
from tierdesk.web.timeline import describe, when


class ReplyForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000, label=_l("Reply")
    )
    # The common state change beside Send: "" (none), "pending" or "resolve".
    then = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("pending", "pending"), ("resolve", "resolve")],
    )
    # Shown once the reply was held back for not being in the desk's reply language.
    any_language = forms.BooleanField(
        required=False, label=_l("Send it anyway, in the language it is written in")
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=100_000, label=_l("Internal note")
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_l("Status"))
    reason = forms.CharField(required=False, max_length=500, label=_l("Reason (optional)"))


class LevelForm(forms.Form):
    level = forms.ChoiceField(label=_l("Move to level"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=100_000, label=_l("Hand-off note")
    )


class ResolveForm(forms.Form):
    solution = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=100_000, label=_l("Solution")
    )
    any_language = forms.BooleanField(
        required=False, label=_l("Send it anyway, in the language it is written in")
    )


class EscalateForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        label=_l("Reason (required when no target is breached)"),
    )


class ContactForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        label=_l("How you tried, and what happened"),
    )


class ReopenForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=100_000,
        label=_l("What still does not work?"),
    )


class AttachForm(forms.Form):
    file = forms.FileField(label=_l("Attach a file"))


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(label=_l("Severity"))
    reason = forms.CharField(max_length=500, label=_l("Why"), required=False)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_l("Assign to"), required=False)


class HoldForm(forms.Form):
    supplier = forms.ChoiceField(label=_l("Hand over to supplier"))
    reference = forms.CharField(max_length=100, label=_l("Supplier's reference"), required=False)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=100_000,
        label=_l("Hand-off note (all the supplier reads besides the shared fields)"),
    )
    attachments = forms.MultipleChoiceField(
        label=_l("Files to send with it (to a supplier asked by e-mail)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fields = forms.MultipleChoiceField(  # type: ignore[assignment]  # a declared field, not BaseForm.fields
        label=_l("Also send these private fields"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class SupplierSolvedForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=100_000,
        required=False,
        label=_l("The supplier's answer (an internal note for the partner's reply)"),
    )


class AskForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=100_000,
        label=_l("Question to the requester"),
    )
    confirmation = forms.BooleanField(
        label=_l("Ask to confirm the issue is solved"), required=False
    )


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_l("Reject as invalid because"))
    note = forms.CharField(max_length=2000, label=_l("Note to the requester"), required=False)


class LinkForm(forms.Form):
    target = forms.CharField(max_length=24, label=_l("Other ticket's number"))
    kind = forms.ChoiceField(
        label=_l("Link as"),
        choices=[
            ("duplicate_of", _l("Duplicate of")),
            ("related", _l("Related to")),
            ("follow_up_of", _l("Follow-up of")),
        ],
    )


class AuthorityForm(forms.Form):
    authorised = forms.TypedChoiceField(
        label=_l("The requester's authority"),
        choices=[
            ("yes", _l("Validated: may raise requests for this account")),
            ("no", _l("No authority: reject the ticket")),
        ],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        max_length=2000, label=_l("How it was validated, or why not"), required=False
    )


class RedactForm(forms.Form):
    """An administrator removes an entry's text or file from the record; the box is the
    confirmation step (the page works without script)."""

    event = forms.TypedChoiceField(label=_l("Entry"), coerce=int)
    part = forms.ChoiceField(
        label=_l("Remove"),
        choices=[("text", _l("its text")), ("attachment", _l("its file"))],
    )
    reason = forms.CharField(max_length=1000, label=_l("Why (kept in the record)"))
    confirm = forms.BooleanField(
        label=_l("I understand that this removes it for good; the removal stays in the record")
    )


FORMS: dict[str, type[forms.Form]] = {
    "reply": ReplyForm,
    "note": NoteForm,
    "status": StatusForm,
    "level": LevelForm,
    "resolve": ResolveForm,
    "escalate": EscalateForm,
    "attach": AttachForm,
    "severity": SeverityForm,
    "assign": AssignForm,
    "hold": HoldForm,
    "supplier_solved": SupplierSolvedForm,
    "ask": AskForm,
    "reject": RejectForm,
    "link": LinkForm,
    "authority": AuthorityForm,
    "reopen": ReopenForm,
    "contact": ContactForm,
    "redact": RedactForm,
}
STAFF_ONLY = (
    "redact",
    "note",
    "status",
    "level",
    "resolve",
    "severity",
    "assign",
    "hold",
    "supplier_solved",
    "ask",
    "reject",
    "link",
    "authority",
    "contact",
)
# Forms that depend on the profile or the ticket (their choices, or whether they are offered at
# all), built before binding and validating.
DYNAMIC = (
    "status",
    "level",
    "severity",
    "assign",
    "hold",
    "supplier_solved",
    "reject",
    "reopen",
    "authority",
    "contact",
    "redact",
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _supplier_terms(severity: str) -> list[dict[str, str]]:
    """Each active supplier's support terms for the agent handing over (LuxCloud 1.1.4: the
    provider keeps each supplier's support description and makes it available to the team)."""
    out = []
    for terms in SupportTerms.objects.filter(organisation__in=choosable_suppliers()).select_related(
        "organisation"
    ):
        out.append(
            {
                "name": terms.organisation.name,
                "method": words.supplier_method(terms.method),
                "contact": terms.contact,
                "contacts": ", ".join(str(c) for c in terms.contacts),
                "severity": str(terms.severity_map.get(severity, "")),
                "scale": " · ".join(str(c) for c in terms.severity_scale),
                "response": terms.response_target,
                "ola": terms.ola_target,
                "hours": f"{terms.hours} ({terms.time_zone})" if terms.time_zone else "",
                "holidays": terms.holiday_country,
                "escalation": ", ".join(str(c) for c in terms.escalation_contacts),
                "notes": terms.notes,
            }
        )
    return out


def _label(table: Any, key: str) -> str:
    item = table.get(key)
    return str(item.label) if item is not None else key


def _on_hold(profile: Any, status: str) -> str | None:
    """The on-hold status the ticket may move to from `status`, if any."""
    return next(
        (k for k in profile.statuses[status].to if profile.statuses[k].category == "on_hold"),
        None,
    )


# A supplier's contact answers the desk and adds files; the partner's actions are not theirs.
SUPPLIER_FORMS = ("reply", "attach")


def _forms(user: User, ticket: Any, bound: dict[str, forms.Form]) -> dict[str, forms.Form]:
    staff = sees_internal(Role(user.role))
    supplier = party_of(Role(user.role)) is Party.SUPPLIER
    profile = profiles.for_ticket(ticket.profile)
    built: dict[str, forms.Form] = {}
    for name, cls in FORMS.items():
        if name in STAFF_ONLY and not staff:
            continue
        if supplier and name not in SUPPLIER_FORMS:
            continue
        form = bound.get(name) or cls(prefix=name)
        if name == "status":
            spec = profile.statuses[ticket.status]
            choices = spec.to if staff else spec.requester_to
            if not choices:
                continue
            # The select shows where the ticket is now; choosing it again changes nothing.
            form.fields["status"].choices = [(ticket.status, spec.label)] + [  # type: ignore[attr-defined]
                (k, profile.statuses[k].label) for k in choices if k != ticket.status
            ]
            form.fields["status"].initial = ticket.status
        if name == "level":
            allowed = (
                profile.levels[ticket.level].escalates_to if ticket.level in profile.levels else ()
            )
            if not allowed:
                continue
            form.fields["level"].choices = [  # type: ignore[attr-defined]
                (ticket.level, _label(profile.levels, ticket.level))
            ] + [(k, profile.levels[k].label) for k in allowed if k != ticket.level]
            form.fields["level"].initial = ticket.level
        if name == "severity":
            form.fields["severity"].choices = [  # type: ignore[attr-defined]
                (k, sv.label) for k, sv in profile.severities.items()
            ]
            form.fields["severity"].initial = ticket.severity
        if name == "assign":
            agents = q.assignable(ticket.level)
            form.fields["assignee"].choices = [("", _("Nobody"))] + [  # type: ignore[attr-defined]
                (str(a.pk), a.get_full_name() or a.username) for a in agents
            ]
            form.fields["assignee"].initial = str(ticket.assignee_id or "")
        if name == "hold":
            if profile.suppliers is None or _on_hold(profile, ticket.status) is None:
                continue
            form.fields["supplier"].choices = [(o.slug, o.name) for o in choosable_suppliers()]  # type: ignore[attr-defined]
            form.fields["attachments"].choices = [  # type: ignore[attr-defined]
                (str(a.pk), a.original_name) for a in ticket.attachments.order_by("pk")
            ]
            extras = {
                "description": _("Description"),
                "organisation": _("Partner"),
                "requester": _("Requester"),
                "customer_account": _("End customer"),
                **{f.key: f.label for f in profile.form},
            }
            form.fields["fields"].choices = [  # type: ignore[attr-defined]
                (k, extras.get(k, k)) for k in supplier_mail.shareable_extras(ticket)
            ]
            if not form.fields["attachments"].choices:  # type: ignore[attr-defined]
                del form.fields["attachments"]
        if name == "supplier_solved":
            holding = profile.statuses.get(ticket.status)
            if not ticket.supplier or holding is None or holding.category != "on_hold":
                continue
        if name == "reject":
            if not profile.invalid_reasons or not profile.statuses[ticket.status].is_open:
                continue
            form.fields["reason"].choices = [  # type: ignore[attr-defined]
                (k, r.label) for k, r in profile.invalid_reasons.items()
            ]
        if name == "contact" and q.escalated_to(ticket) is None:
            continue  # offered once the ticket is escalated to a management step
        if name == "redact":
            if not redaction.may_redact(user.role):
                continue
            form.fields["event"].choices = _redactable(ticket, profile)  # type: ignore[attr-defined]
        if name == "authority" and q.authority_awaiting(ticket) is None:
            continue  # offered while the profile's check waits for the desk
        if name == "reopen" and (staff or reopen_target(profile, ticket.status) is None):
            continue
        if name == "escalate" and not staff:
            form.fields["reason"].label = _(
                "Why does this need a manager's attention? (Say why if no agreed time has passed"
                " yet.)"
            )
        built[name] = form
    return built


def _redactable(ticket: Any, profile: Any) -> list[tuple[int, str]]:
    """The entries whose text or file an administrator may still remove, in words."""
    zone = words.viewer_zone()
    out = []
    for event in Event.objects.filter(ticket=ticket).select_related("actor").order_by("seq"):
        if redaction.parts(event.kind, event.data):
            entry = describe(event, profile, None, zone)
            out.append((event.seq, f"{event.seq} · {entry.who} {entry.what} · {entry.when}"))
    return out


def _waiting(profile: Any, status: str) -> str | None:
    """The waiting status ("Pending") a reply may set the ticket to from `status`, if any."""
    spec = profile.statuses.get(status)
    if spec is None:
        return None
    return next((k for k in spec.to if profile.statuses[k].category == "waiting"), None)


def _resolvable(profile: Any, status: str) -> bool:
    spec = profile.statuses.get(status)
    return spec is not None and any(profile.statuses[k].category == "resolved" for k in spec.to)


def _sla_words(
    figures: list[dict[str, Any]], zone: Any, supplier: str = ""
) -> list[dict[str, Any]]:
    """Each target's line in the viewer's language with the zone named; the supplier's response
    and OLA named in words and by the supplier's name, not the profile's key or its slug."""
    out = []
    for t in figures:
        if t["target"] in ("supplier", "supplier_response"):
            named = words.target_label_word(str(t["target"]))
            t = {**t, "label": f"{named} ({supplier})" if supplier else named}
        moment = {"running": t["due"], "met": t["met_at"], "breached": t["breached_at"]}.get(
            t["state"]
        )
        due_text = words.target_state(str(t["label"]), t["state"], moment, zone)
        out.append({**t, "due_text": due_text, "why": refusals.say(t.get("why"))})
    return out


CHANNELS = words.CHANNELS


def _page(
    request: HttpRequest, number: str, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    try:
        ticket = q.get_ticket(user, number)
    except NotFound:
        raise Http404("no such ticket") from None
    record, visible = q.ticket_record(user, ticket)
    profile = profiles.for_ticket(ticket.profile)
    role = Role(user.role)
    staff = sees_internal(role)
    suppliers = (
        dict(
            Organisation.objects.filter(kind=OrganisationKind.SUPPLIER).values_list("slug", "name")
        )
        if staff
        else {}
    )
    if party_of(role) is Party.SUPPLIER and user.organisation is not None:
        suppliers = {user.organisation.slug: user.organisation.name}  # its own name, no other
    fields = disclosure.ticket_fields(user, ticket)
    labels = {f.key: f.label for f in profile.form}
    zone = words.viewer_zone()
    events = [describe(e, profile, suppliers, zone) for e in visible]
    attachments = {a.pk: a for a in q.ticket_attachments(user, ticket)}
    conversation = [
        {"entry": e, "file": attachments.get(e.attachment) if e.attachment else None}
        for e in events
        if e.attachment is None or e.attachment in attachments
    ]
    sla = ticket_sla(ticket, record)
    picks = canned.for_ticket(user, ticket, sla) if staff else []
    picked = _picked(request, picks)
    if picked is not None and not (bound or {}).get("reply"):
        # Without the page's script the picker asks for the page again with the reply filled.
        bound = {
            **(bound or {}),
            "reply": ReplyForm(prefix="reply", initial={"body": picked["body"]}),
        }
    built = _forms(user, ticket, bound or {})
    waiting = _waiting(profile, ticket.status) if staff else None
    return render(
        request,
        "tierdesk/ticket.html",
        {
            "ticket": ticket,
            "fields": fields,
            "supplier_terms": _supplier_terms(ticket.severity) if staff else [],
            "form_values": [(labels.get(k, k), v) for k, v in fields["form"].items() if v],
            "conversation": conversation,
            "opened_when": when(ticket.opened_at, zone),
            "channel_label": CHANNELS.get(ticket.channel, lambda: ticket.channel)(),
            "sla": _sla_words(
                disclosure.targets(user, sla),
                zone,
                suppliers.get(ticket.supplier or "", ticket.supplier or ""),
            ),
            "contingency": contingency.routes(ticket, sla, clock.now())
            if disclosure.sees_contingency(user)
            else [],
            "waiting_label": _label(profile.statuses, waiting) if waiting else "",
            "can_resolve": staff and _resolvable(profile, ticket.status),
            "authority_flag": q.authority_awaiting(ticket) if staff else None,
            "contact_role": (q.escalated_to(ticket) or {}).get("role", "") if staff else "",
            "missing_information": [labels.get(k, k) for k in q.missing_information(ticket)]
            if party_of(role) is not Party.SUPPLIER
            else [],
            "supplier_name": suppliers.get(ticket.supplier or "", ticket.supplier or "")
            if staff
            else "",
            "menu": [
                (n, built[n])
                for n in (
                    "reopen",
                    "reject",
                    "link",
                    "hold",
                    "supplier_solved",
                    "escalate",
                    "contact",
                    "attach",
                )
                if n in built
            ],
            "confirms_to": confirmation_outcome(profile, ticket.status)
            if party_of(role) is Party.REQUESTER
            else None,
            "profile": profile,
            "severity_label": _label(profile.severities, ticket.severity),
            "level_label": _label(profile.levels, ticket.level),
            "queue_label": _label(profile.queues, ticket.queue),
            "status_label": profile.statuses[ticket.status].label
            if ticket.status in profile.statuses
            else ticket.status,
            "forms": built,
            "redact_form": built.get("redact"),
            "macros": picks,
            "picked": picked,
            "is_requester": party_of(role) is Party.REQUESTER,
            "is_supplier": party_of(role) is Party.SUPPLIER,
            "is_staff": party_of(role) is Party.PROVIDER,
            "is_chat": chats.is_chat(ticket),
            "incidents": [] if role is Role.SUPPLIER_CONTACT else current_incidents(),
            "linked_incidents": [
                link.incident for link in ticket.incident_links.select_related("incident")
            ],
        },
        status=status,
    )


def _picked(request: HttpRequest, picks: list[dict[str, Any]]) -> dict[str, Any] | None:
    wanted = request.GET.get("macro", "")
    return next((m for m in picks if str(m["id"]) == wanted), None) if wanted else None


def _language_warning(exc: OffReplyLanguage, field: str) -> Invalid:
    """The reply-language warning in the reader's language, next to the text and the choice."""
    written, wanted = _language_name(exc.written), _language_name(exc.wanted)
    return Invalid(
        exc.message,
        fields={
            field: _(
                "This reads as %(written)s; this desk replies in %(wanted)s. Rewrite it, "
                "or send it anyway."
            )
            % {"written": written, "wanted": wanted},
            "any_language": _("Tick this to send it in %(written)s anyway.") % {"written": written},
        },
    )


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


@login_required
def ticket_page(request: HttpRequest, number: str) -> HttpResponse:
    return _page(request, number)


# A reply or note sent from a live chat page stays on the page (no reload): the answer arrives
# through the page's socket like everyone else's.
IN_PLACE = {"reply", "note"}
IN_PLACE_HEADER = "X-Tierdesk-In-Place"


@login_required
@require_POST
def ticket_action(request: HttpRequest, number: str, verb: str) -> HttpResponse:
    user = _user(request)
    if verb not in FORMS and verb != "confirm":
        raise Http404("no such action")
    try:
        ticket = q.get_ticket(user, number)
    except NotFound:
        raise Http404("no such ticket") from None
    now = clock.now()
    profile = profiles.for_ticket(ticket.profile)
    form: forms.Form | None = None
    if verb != "confirm":
        form = FORMS[verb](request.POST, request.FILES, prefix=verb)
        if verb in DYNAMIC:
            template = _forms(user, ticket, {}).get(verb)
            if template is None:
                raise Http404("no such action")
            for name, f in template.fields.items():
                if hasattr(f, "choices"):
                    form.fields[name].choices = f.choices  # type: ignore[attr-defined]
        if not form.is_valid():
            return _page(request, number, {verb: form}, status=422)
    data = form.cleaned_data if form is not None else {}
    try:
        if verb == "reply" and data.get("then") == "resolve":
            # The reply is the solution: one action records both, in one transaction.
            process.resolve(
                actor=user, number=number, solution=data["body"], now=now,
                any_language=data["any_language"],
            )  # fmt: skip
        elif verb == "reply" and data.get("then") == "pending":
            with transaction.atomic():  # a refused status change takes the reply back with it
                event = act.add_reply(
                    actor=user, number=number, body=data["body"], now=now,
                    any_language=data["any_language"],
                )  # fmt: skip
                number = event.ticket.number
                after = q.get_ticket(user, number)
                waiting = _waiting(profile, after.status)
                if waiting is None:
                    raise Invalid(
                        _("this ticket cannot be set to waiting from here"),
                        fields={"body": _("send it without the status change")},
                    )
                act.change_status(actor=user, number=number, to=waiting, now=now)
        elif verb == "reopen":
            process.reopen(actor=user, number=number, body=data["body"], now=now)
        elif verb == "reply":
            event = act.add_reply(
                actor=user, number=number, body=data["body"], now=now,
                any_language=data["any_language"],
            )  # fmt: skip
            number = event.ticket.number  # a reply to a closed ticket opens a follow-up
        elif (
            (verb == "status" and data["status"] == ticket.status)
            or (verb == "severity" and data["severity"] == ticket.severity)
            or (verb == "level" and data["level"] == ticket.level)
        ):
            pass  # the select still showed the current value: nothing to change
        elif verb == "note":
            act.add_note(actor=user, number=number, body=data["body"], now=now)
        elif verb == "status":
            act.change_status(
                actor=user, number=number, to=data["status"], reason=data["reason"], now=now
            )
        elif verb == "level":
            act.change_level(
                actor=user, number=number, to=data["level"], note=data["note"], now=now
            )
        elif verb == "resolve":
            process.resolve(
                actor=user, number=number, solution=data["solution"], now=now,
                any_language=data["any_language"],
            )  # fmt: skip
        elif verb == "contact":
            process.record_contact_attempt(actor=user, number=number, note=data["note"], now=now)
        elif verb == "escalate":
            process.escalate_management(actor=user, number=number, reason=data["reason"], now=now)
        elif verb == "confirm":
            process.confirm(actor=user, number=number, now=now)
        elif verb == "severity":
            act.change_severity(
                actor=user, number=number, to=data["severity"], reason=data["reason"], now=now
            )
        elif verb == "assign":
            assignee = (
                q.assignable().filter(pk=data["assignee"]).first() if data["assignee"] else None
            )
            if data["assignee"] and assignee is None:
                raise Invalid("no such agent", fields={"assignee": "is not an active agent"})
            act.assign(actor=user, number=number, assignee=assignee, now=now)
        elif verb == "hold":
            supplier = Organisation.objects.get(slug=data["supplier"])
            act.change_status(
                actor=user, number=number, to=_on_hold(profile, ticket.status) or "",
                reason="handed to supplier",
                supplier=supplier, supplier_ref=data["reference"], note=data["note"], now=now,
                attachments=[int(a) for a in data.get("attachments") or []],
                extra_fields=data["fields"],
            )  # fmt: skip
        elif verb == "supplier_solved":
            supplier_answers.solved(actor=user, number=number, note=data["note"], now=now)
        elif verb == "ask":
            process.ask(
                actor=user, number=number, body=data["body"],
                confirmation=data["confirmation"], now=now,
            )  # fmt: skip
        elif verb == "reject":
            process.reject(
                actor=user, number=number, reason=data["reason"], note=data["note"], now=now
            )
        elif verb == "authority":
            process.validate_authority(
                actor=user, number=number, authorised=data["authorised"], note=data["note"],
                now=now,
            )  # fmt: skip
        elif verb == "link":
            act.link(
                actor=user,
                number=number,
                target=data["target"].strip().upper(),
                kind=data["kind"],
                now=now,
            )
        elif verb == "redact":
            erase.redact(
                actor=user, number=number, seq=data["event"], part=data["part"],
                reason=data["reason"], now=now,
            )  # fmt: skip
        elif verb == "attach":
            upload = data["file"]
            act.attach_file(
                actor=user,
                number=number,
                content=upload,
                name=upload.name or "attachment",
                size=upload.size or 0,
                content_type=upload.content_type,
                now=now,
            )
    except DomainError as exc:
        if form is None:
            form = EscalateForm(prefix="escalate")
        if isinstance(exc, OffReplyLanguage):
            exc = _language_warning(exc, "body" if verb == "reply" else "solution")
        show_errors(form, exc)
        code = 403 if isinstance(exc, Forbidden) else 422 if isinstance(exc, Invalid) else 409
        return _page(
            request, number, {verb if verb != "confirm" else "escalate": form}, status=code
        )
    if verb in IN_PLACE and request.headers.get(IN_PLACE_HEADER) and number == ticket.number:
        # Sent from a live page (`live.js`): the event reaches it through its socket, so the
        # page stays as it is, the writer's place and focus with it.
        return HttpResponse(status=204)
    return redirect("ticket", number=number)
