"""Business verbs on tickets: open, reply, note, change status, severity, level, assign, link, attach."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.db import transaction

from tierdesk import profiles
from tierdesk.actions import supplier_mail
from tierdesk.actions.automatic import record_due
from tierdesk.actions.kb import ticket_followed
from tierdesk.actions.record import append, append_many
from tierdesk.actions.routing import route_new
from tierdesk.domain import process, requester_authority, uploads
from tierdesk.domain import ticket as decide
from tierdesk.domain.errors import Forbidden, Invalid, NotFound
from tierdesk.domain.events import EventKind
from tierdesk.domain.language import OffReplyLanguage, off_reply_language
from tierdesk.domain.language import decide as decide_language
from tierdesk.domain.parties import OrganisationKind, Party, Role, party_of
from tierdesk.domain.profiles import Profile
from tierdesk.domain.ticket import TicketState
from tierdesk.domain.uploads import Upload
from tierdesk.domain.words import N_
from tierdesk.language import detect as detect_language
from tierdesk.persistence import numbers
from tierdesk.persistence.clocks import clock_events
from tierdesk.persistence.mapping import state_of
from tierdesk.persistence.models import (
    Attachment,
    Event,
    Organisation,
    SupportTerms,
    Ticket,
    TicketLink,
    User,
)
from tierdesk.queries.tickets import assignable, get_ticket


def _party(actor: User) -> Party:
    if not actor.is_active or not actor.role:
        raise Forbidden(N_("this account may not act on tickets"))
    return party_of(Role(actor.role))


def open_ticket(
    *,
    actor: User,
    now: datetime,
    subject: str,
    description: str = "",
    channel: str,
    severity: str | None = None,
    queue: str | None = None,
    language: str | None = None,
    form: Mapping[str, str] | None = None,
    organisation: Organisation | None = None,
    requester: User | None = None,
    customer_account: Organisation | None = None,
    profile: Profile | None = None,
    voicemail: Mapping[str, str] | None = None,
) -> Ticket:
    """Open a ticket for the actor's organisation, or, for an agent, on behalf of a partner."""
    profile = profile or profiles.active()
    party = _party(actor)
    fields: dict[str, str] = {}
    if party is Party.REQUESTER:
        if organisation is not None and organisation.pk != actor.organisation_id:
            raise NotFound(N_("no such organisation"))
        organisation = actor.organisation
        if requester is not None and requester.pk != actor.pk:
            fields["requester"] = N_("partners open tickets in their own name")
        requester = actor
    elif party is Party.PROVIDER:
        if organisation is None:
            fields["organisation"] = N_(
                "is required when the provider opens a ticket for a partner"
            )
        elif organisation.kind != OrganisationKind.PARTNER:
            fields["organisation"] = N_("must be a partner organisation")
        elif not organisation.is_active:
            fields["organisation"] = N_("is deactivated")
        if (
            requester is not None
            and organisation is not None
            and requester.organisation_id != organisation.pk
        ):
            fields["requester"] = N_("must be a user of the ticket's organisation")
    else:
        raise Forbidden(N_("suppliers do not open tickets at this desk"))
    if (
        customer_account is not None
        and organisation is not None
        and (
            customer_account.kind != OrganisationKind.CUSTOMER
            or customer_account.parent_id != organisation.pk
        )
    ):
        fields["customer_account"] = N_(
            "is not an end-customer account of the ticket's organisation"
        )
    elif customer_account is not None and not customer_account.is_active:
        fields["customer_account"] = N_("is deactivated")
    draft = decide.Draft(
        subject=subject,
        description=description,
        channel=channel,
        severity=severity,
        queue=queue,
        language=language,
        form=dict(form or {}),
        voicemail=voicemail,
    )
    language_decision = None
    if language is None:
        # The language rule (LuxCloud 2.5), decided on the prose of everything the requester wrote.
        text = "\n".join(
            [subject, description, *[v for v in (form or {}).values() if isinstance(v, str)]]
        )
        language_decision = decide_language(profile, detect_language(text))
        draft = dataclasses.replace(
            draft, language=language_decision.language, language_detected=True
        )
    try:
        _, change = decide.open_ticket(profile, draft, party=party)
    except Invalid as exc:
        exc.fields.update(fields)
        raise
    if fields:
        raise Invalid(N_("the ticket cannot be opened so"), fields=fields)
    assert organisation is not None

    data = dict(change.data)
    data.update(
        organisation=organisation.slug,
        requester=requester.pk if requester else None,
        customer_account=customer_account.pk if customer_account else None,
    )
    rejected = language_decision is not None and language_decision.decision == "rejected"
    duplicate = (
        None
        if rejected
        else _likely_duplicate(organisation, profile, f"{data['subject']}\n{description}", now)
    )
    with transaction.atomic():
        ticket = Ticket(
            number=profile.format_number(numbers.take(profile.ticket_prefix)),
            profile=profile.name,
            profile_version=f"{profile.version}+{profile.digest}",
            description=data["description"],
            form=data["form"],
            organisation=organisation,
            requester=requester,
            customer_account=customer_account,
            opened_at=now,
            updated_at=now,
        )
        changes = [(decide.Change(change.kind, data, change.public), now)]
        if duplicate is not None:
            # Flagged in the same write: an internal event naming the likely original, and a link.
            dup_data = {"of": duplicate[1], "percent": round(duplicate[2] * 100)}
            changes.append(
                (decide.Change(EventKind.DUPLICATE_SUSPECTED, dup_data, public=False), now)
            )
        append_many(ticket, changes, actor=actor, now=now)
        authority = _authority_check(profile, customer_account, requester)
        if authority is not None:  # the desk's own check, recorded with the opening
            append_many(ticket, [(authority, now)], actor=None, now=now)
        if duplicate is not None:
            TicketLink.objects.create(
                ticket=ticket, target_id=duplicate[0], kind="possible_duplicate_of", created_at=now
            )
        if rejected:
            _reject_language(ticket, profile, now)
        elif (
            authority is not None
            and not authority.data["authorised"]
            and profile.requester_authority == requester_authority.REJECT
        ):
            _reject_without_authority(ticket, profile, now)
        elif data.get("missing_action") == "ask":
            _ask_for_missing(ticket, profile, data["missing"], now)
        if data["channel"] == "portal":
            ticket_followed(ticket=ticket, now=now)  # the knowledge base did not deflect this one
        if not rejected:
            route_new(ticket, profile, now)
    return ticket


CALL_LOG_LIMIT = timedelta(days=7)  # older calls are noted on a ticket, not opened as one


def log_call(
    *,
    actor: User,
    now: datetime,
    called_at: datetime,
    voicemail: bool,
    subject: str,
    description: str,
    organisation: Organisation | None,
    requester: User | None = None,
    severity: str | None = None,
    form: Mapping[str, str] | None = None,
    message: Mapping[str, str] | None = None,
    customer_account: Organisation | None = None,
) -> Ticket:
    """LuxCloud 2.7: the desk logs a partner's call or voicemail. The ticket has channel phone
    and opens at the instant of the call, so its clocks start then. A voicemail needs only the
    profile's voicemail form (`message`: the caller's name, the number to call back); what the
    ticket form still lacks is listed, to be asked when the desk calls back."""
    if called_at > now:
        raise Invalid(
            N_("the call cannot be in the future"), fields={"called_at": N_("is in the future")}
        )
    if now - called_at > CALL_LOG_LIMIT:
        raise Invalid(
            N_("the call is too old to open a ticket for"),
            fields={"called_at": N_("is more than a week ago; log older calls as a note")},
        )
    profile = profiles.active()
    zone = profile.calendars[profile.default_calendar].zone
    kind = "Voicemail left" if voicemail else "Phone call"
    heard = f"{kind} at {called_at.astimezone(zone):%a %d %b %H:%M}."
    by_voicemail = voicemail and bool(profile.voicemail)
    if by_voicemail:
        given = {k: v.strip() for k, v in (message or {}).items() if v.strip()}
        labels = {f.key: f.label for f in profile.voicemail}
        heard += "".join(f"\n{labels.get(k, k)}: {v}" for k, v in given.items())
        asked = [f.label for f in profile.form if f.required and not (form or {}).get(f.key)]
        if asked:
            heard += "\nTo ask when calling back: " + ", ".join(asked) + "."
        if not subject.strip() and given:
            subject = "Voicemail from " + ", ".join(given.values())
    return open_ticket(
        actor=actor,
        now=called_at,
        subject=subject,
        description=f"{heard}\n\n{description}".strip(),
        voicemail=(message or {}) if by_voicemail else None,
        channel="phone",
        severity=severity,
        organisation=organisation,
        requester=requester,
        customer_account=customer_account,
        form=form,
        profile=profile,
    )


def _ask_for_missing(ticket: Ticket, profile: Profile, missing: list[str], now: datetime) -> None:
    """The automatic question for what a mailed report lacks; it waits on the requester. It is
    not the desk's response: the response target keeps running."""
    try:
        question, waiting = process.ask(
            profile,
            state_of(ticket),
            text=decide.missing_question(profile, missing),
            party=Party.SYSTEM,
            confirmation=False,
        )
    except Invalid:
        return  # no waiting status to move to: the missing items stay flagged
    automatic = {**question.data, "by": "system", "automatic": True}
    changes = [(decide.Change(question.kind, automatic, question.public), now), (waiting, now)]
    append_many(ticket, changes, actor=None, now=now)


def _authority_check(
    profile: Profile, account: Organisation | None, requester: User | None
) -> decide.Change | None:
    """Zynstra first level: whether the requester may raise requests for the end-customer
    account, where the profile asks and the account lists who may."""
    if profile.requester_authority is None or account is None or not account.authorised_requesters:
        return None
    address = requester.email if requester is not None else ""
    return requester_authority.checked(
        (account.slug, account.name),
        address,
        authorised=requester_authority.is_authorised(account.authorised_requesters, address),
        rule=profile.requester_authority,
    )


def _reject_without_authority(ticket: Ticket, profile: Profile, now: datetime) -> None:
    note = "The requester is not listed as authorised to raise requests for this account."
    changes = process.reject(
        profile,
        state_of(ticket),
        reason=requester_authority.NO_AUTHORITY,
        note=note,
        party=Party.SYSTEM,
    )
    append_many(ticket, [(c, now) for c in changes], actor=None, now=now)


def _reject_language(ticket: Ticket, profile: Profile, now: datetime) -> None:
    reason = next((k for k in profile.invalid_reasons if "language" in k), None)
    if reason is None:
        return
    accepted = ", ".join(profile.languages.all())
    note = f"Tickets are accepted in these languages: {accepted}."
    for change in process.reject(
        profile, state_of(ticket), reason=reason, note=note, party=Party.SYSTEM
    ):
        append(ticket, change, actor=None, now=now)


DUPLICATE_CANDIDATES = 100
DUPLICATE_WINDOW = timedelta(
    days=30
)  # a likely duplicate is a recent ticket, and the read is bounded


def _likely_duplicate(
    organisation: Organisation, profile: Profile, text: str, now: datetime
) -> tuple[int, str, float] | None:
    """The partner's open ticket of the last 30 days that a new one closely matches: (id,
    number, score), if any; among its 100 most recent open tickets."""
    open_statuses = [k for k, s in profile.statuses.items() if s.is_open]
    candidates = list(
        Ticket.objects.filter(
            organisation_id=organisation.pk,
            status__in=open_statuses,
            opened_at__gte=now - DUPLICATE_WINDOW,
        )
        .order_by("-opened_at")
        .values_list("pk", "number", "subject", "description")[:DUPLICATE_CANDIDATES]
    )
    found = decide.closest(
        text, [f"{subject}\n{description}" for _, _, subject, description in candidates]
    )
    if found is None:
        return None
    pk, number, _, _ = candidates[found[0]]
    return pk, number, found[1]


Decision = Callable[[Ticket, TicketState, Party], decide.Change]


def _act(actor: User, number: str, decision: Decision, *, now: datetime) -> Event:
    """Lock the ticket, let the domain decide on its current state, record the result."""
    party = _party(actor)
    with transaction.atomic():
        ticket = get_ticket(actor, number, for_update=True)
        record_due(ticket, now)  # what the clock made happen comes first, at its own instants
        change = decision(ticket, state_of(ticket), party)
        opening = process.first_work(_profile_of(ticket), state_of(ticket), [change], party=party)
        if opening is not None:  # New -> Open first, then the work decided on the Open ticket
            append(ticket, opening, actor=actor, now=now)
            change = decision(ticket, state_of(ticket), party)
        return append(ticket, change, actor=actor, now=now)


def _profile_of(ticket: Ticket) -> Profile:
    # The profile the ticket was opened under, when the desk still ships it; else the deployment's.
    return profiles.for_ticket(ticket.profile)


def check_reply_language(
    profile: Profile, party: Party, body: str, any_language: bool, field: str = "body"
) -> None:
    """LuxCloud 2.5 (English only): the desk's public reply in another language is held back
    with a warning naming `field`, unless the agent chose to send it anyway."""
    if party is not Party.PROVIDER or any_language:
        return
    written = off_reply_language(profile, detect_language(body))
    if written is not None:
        raise OffReplyLanguage(written, profile.languages.reply, field)


def add_reply(
    *, actor: User, number: str, body: str, now: datetime, any_language: bool = False
) -> Event:
    """A public reply. From the requester it may return the ticket to Open, reopen it, or, on a
    closed ticket, open a linked follow-up (whose `created` event is returned). The desk's reply
    must be in the profile's reply language unless `any_language` says to send it anyway."""
    party = _party(actor)
    with transaction.atomic():
        ticket = get_ticket(actor, number, for_update=True)
        record_due(ticket, now)
        profile = _profile_of(ticket)
        check_reply_language(profile, party, body, any_language)
        state = state_of(ticket)
        effect = (
            process.requester_reply(
                profile, state, body, asked_to_confirm=_asked_to_confirm(ticket)
            )
            if party is Party.REQUESTER
            else None
        )
        if effect is not None and effect.follow_up:
            return _follow_up(actor, ticket, body, now)
        change = decide.reply(
            state,
            profile,
            body=body,
            party=party,
            allow_closed=effect is not None and effect.thank_you,
        )
        if effect is not None and effect.thank_you:
            change = decide.Change(change.kind, {**change.data, "thank_you": True}, change.public)
        opening = process.first_work(profile, state, [change], party=party)
        if opening is not None:
            append(ticket, opening, actor=actor, now=now)
        event = append(ticket, change, actor=actor, now=now)
        if party is Party.REQUESTER:
            _fill_in_missing(ticket, profile, body, actor=actor, now=now)
        if effect is not None and effect.status is not None:
            # The partner's own confirmation is theirs; a return to Open is the desk's doing.
            append(ticket, effect.status, actor=actor if effect.confirmed else None, now=now)
        return event


def _fill_in_missing(
    ticket: Ticket, profile: Profile, body: str, *, actor: User, now: datetime
) -> None:
    """CloudCTI 1.3: a requester's answer that follows the template fills in what the report
    lacked, recorded as an event and kept in the ticket's form."""
    history = ticket.clock_history  # the record this action already read, under the lock
    if history is None:
        history = clock_events(ticket)
    missing = decide.still_missing([(e.kind, e.data) for e in history])
    completed = decide.complete_form(profile, missing, body)
    if completed is None:
        return
    append(ticket, completed, actor=actor, now=now)
    ticket.form = {**ticket.form, **completed.data["fields"]}
    ticket.save(update_fields=["form"])


def _asked_to_confirm(ticket: Ticket) -> bool:
    """Whether the ticket waits because the desk asked the partner to confirm a fix: its last
    status change, from the record the action already read under the lock (else one query)."""
    history = ticket.clock_history
    data: Mapping[str, Any] | None
    if history is not None:
        data = next((e.data for e in reversed(history) if e.kind == EventKind.STATUS_CHANGED), None)
    else:
        data = (
            Event.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED)
            .order_by("-seq")
            .values_list("data", flat=True)
            .first()
        )
    return data is not None and data.get("reason") == process.AWAITING_CONFIRMATION


def _follow_up(actor: User, closed: Ticket, body: str, now: datetime) -> Event:
    """LuxCloud 2.4.4: a reply to a closed ticket opens a follow-up with a new number."""
    subject = (
        closed.subject
        if closed.subject.startswith("Follow-up: ")
        else f"Follow-up: {closed.subject}"
    )
    follow = open_ticket(
        actor=actor,
        now=now,
        subject=subject[:250],
        channel=closed.channel if closed.channel != "phone" else "portal",
        description=f"{body.strip()}\n\n(Follow-up of {closed.number}: {closed.subject})",
        severity=closed.severity,
        queue=closed.queue,
        form=closed.form,
        organisation=closed.organisation,
        requester=actor,
        customer_account=closed.customer_account,
    )
    TicketLink.objects.create(ticket=follow, target=closed, kind="follow_up_of", created_at=now)
    append(
        follow,
        decide.Change(
            EventKind.LINKED, {"kind": "follow_up_of", "target": closed.number}, public=True
        ),
        actor=None,
        now=now,
    )
    append(
        closed,
        decide.Change(EventKind.FOLLOW_UP_OPENED, {"number": follow.number}, public=True),
        actor=None,
        now=now,
    )
    return Event.objects.get(ticket=follow, seq=1)


def add_note(*, actor: User, number: str, body: str, now: datetime) -> Event:
    return _act(actor, number, lambda t, s, p: decide.note(s, body=body, party=p), now=now)


def change_status(
    *,
    actor: User,
    number: str,
    to: str,
    reason: str = "",
    now: datetime,
    supplier: Organisation | None = None,
    supplier_ref: str = "",
    note: str = "",
    attachments: Sequence[int] = (),
    extra_fields: Sequence[str] = (),
) -> Event:
    """Change the status; to an on-hold status with a supplier it is a hand-off, recorded with
    the supplier's registry in force (`actions/supplier_mail.py`): its OLA and own calendar, its
    severity label and, where it takes requests by e-mail, the mail that goes to it with the
    files (`attachments`, ids of the ticket's files) and private fields (`extra_fields`) the
    agent adds."""
    if supplier is not None and supplier.kind != OrganisationKind.SUPPLIER:
        raise Invalid(
            N_("not a supplier"),
            fields={"supplier": N_("%(slug)r is not a supplier organisation", slug=supplier.slug)},
        )
    key = supplier.slug if supplier is not None else None
    ola: tuple[str, str] | None = None
    terms = None
    if supplier is not None:
        terms = SupportTerms.objects.filter(organisation=supplier).first()
        if terms is not None and terms.ola_target:
            ola = (terms.ola_target, terms.calendar)
    elif attachments or extra_fields:
        raise Invalid(N_("files and fields go with a hand-off"), fields={"supplier": N_("name it")})
    return _act(
        actor,
        number,
        lambda t, s, p: decide.change_status(
            s,
            _profile_of(t),
            to=to,
            party=p,
            reason=reason,
            supplier=key,
            supplier_ref=supplier_ref,
            note=note,
            supplier_ola=ola,
            handoff=supplier_mail.recorded(
                t, terms, now=now, attachments=attachments, extra_fields=extra_fields
            )
            if supplier is not None
            else None,
        ),
        now=now,
    )


def change_severity(*, actor: User, number: str, to: str, reason: str = "", now: datetime) -> Event:
    return _act(
        actor,
        number,
        lambda t, s, p: decide.change_severity(s, _profile_of(t), to=to, party=p, reason=reason),
        now=now,
    )


def change_level(*, actor: User, number: str, to: str, note: str, now: datetime) -> Event:
    return _act(
        actor,
        number,
        lambda t, s, p: decide.change_level(s, _profile_of(t), to=to, party=p, note=note),
        now=now,
    )


def assign(*, actor: User, number: str, assignee: User | str | None, now: datetime) -> Event:
    """Assign the ticket to one of the provider's active staff (`queries.assignable`), named by
    username or given as a user; None unassigns. The name is resolved only after the ticket is
    found and visible and the actor may assign, and every name that is not assignable gets the
    same answer, so the call tells nothing about who exists."""

    def decision(ticket: Ticket, state: TicketState, party: Party) -> decide.Change:
        target: str | None = None
        if assignee is not None and party is Party.PROVIDER:
            username = assignee if isinstance(assignee, str) else assignee.username
            found = assignable().filter(username=username).values_list("pk", flat=True).first()
            if found is None:
                raise Invalid(
                    N_("tickets are assigned to the provider's active support staff"),
                    fields={"assignee": N_("is not an active agent of the provider")},
                )
            target = str(found)
        elif assignee is not None:
            target = ""  # refused by the domain below, whoever is named
        return decide.assign(state, assignee=target, party=party)

    return _act(actor, number, decision, now=now)


def link(*, actor: User, number: str, target: str, kind: str, now: datetime) -> Event:
    party = _party(actor)
    with transaction.atomic():
        ticket = get_ticket(actor, number, for_update=True)
        record_due(ticket, now)
        try:
            other = get_ticket(actor, target)
        except NotFound:
            raise Invalid(
                N_("no ticket %(target)s", target=target),
                fields={"target": N_("no ticket %(target)s", target=target)},
            ) from None
        change = decide.link(
            kind=kind,
            target=other.number,
            party=party,
            own_number=ticket.number,
            same_organisation=other.organisation_id == ticket.organisation_id,
        )
        if TicketLink.objects.filter(ticket=ticket, target=other, kind=kind).exists():
            raise Invalid(
                N_("the tickets are already linked so"), fields={"target": N_("already linked")}
            )
        TicketLink.objects.create(ticket=ticket, target=other, kind=kind, created_at=now)
        return append(ticket, change, actor=actor, now=now)


def system_note(*, ticket_id: int, body: str, now: datetime) -> Event:
    """An internal note by the desk itself (a bounced notification, an attachment refused)."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        record_due(ticket, now)
        return append(
            ticket,
            decide.Change(EventKind.NOTE, {"body": body, "by": "system"}, public=False),
            actor=None,
            now=now,
        )


def upload_limit() -> int:
    """The largest file the desk stores, in bytes (TIERDESK_MAX_UPLOAD_BYTES): the one place
    every edge reads it from."""
    return int(settings.TIERDESK["MAX_UPLOAD_BYTES"])


def check_upload(*, name: str, size: int, content_type: str | None) -> Upload:
    """The upload rule with the desk's limit: edges call it before their first write."""
    return uploads.check_upload(
        name=name, size=size, content_type=content_type, limit=upload_limit()
    )


def attach_file(
    *,
    actor: User,
    number: str,
    content: IO[bytes],
    name: str,
    size: int,
    now: datetime,
    content_type: str | None = None,
    public: bool = True,
    max_bytes: int | None = None,
) -> Attachment:
    """Store an upload under a generated name and record it on the ticket. `max_bytes` is for
    tests; the desk's limit is `upload_limit()`."""
    limit = upload_limit() if max_bytes is None else max_bytes
    checked = uploads.check_upload(name=name, size=size, content_type=content_type, limit=limit)
    display, kind = checked.name, checked.content_type
    party = _party(actor)
    digest = hashlib.sha256()
    for chunk in iter(lambda: content.read(65536), b""):
        digest.update(chunk)
    content.seek(0)
    with transaction.atomic():
        ticket = get_ticket(actor, number, for_update=True)
        record_due(ticket, now)
        if party is Party.SUPPLIER:
            public = False  # the domain decides the same; the stored row must agree with it
        elif not public and party is not Party.PROVIDER:
            raise Forbidden(N_("only the provider's support staff may add internal attachments"))
        attachment = Attachment(
            ticket=ticket,
            original_name=display,
            content_type=kind,
            size=size,
            sha256=digest.hexdigest(),
            public=public,
            uploaded_by=actor,
            uploaded_at=now,
        )
        attachment.file.save(display, File(content), save=False)
        try:
            attachment.save()
            change = decide.attachment(
                attachment_id=attachment.pk,
                name=display,
                size=size,
                sha256=attachment.sha256,
                content_type=kind,
                public=public,
                party=party,
            )
            append(ticket, change, actor=actor, now=now)
        except BaseException:
            attachment.file.delete(save=False)
            raise
    return attachment
