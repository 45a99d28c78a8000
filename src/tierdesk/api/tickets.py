"""Ticket endpoints: thin handlers that validate, call one action or query, and shape the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from tierdesk import clock
from tierdesk.actions import process, redaction, supplier_answers
from tierdesk.actions import tickets as act
from tierdesk.api import schemas
from tierdesk.api.auth import actor
from tierdesk.api.errors import PayloadTooLarge
from tierdesk.domain.errors import Invalid
from tierdesk.domain.instants import aware
from tierdesk.domain.parties import OrganisationKind, Party, Role, party_of
from tierdesk.persistence.models import Attachment, Event, Organisation, Ticket, TicketLink, User
from tierdesk.queries import contingency, disclosure
from tierdesk.queries import tickets as q
from tierdesk.queries.sla import ticket_sla
from tierdesk.queries.zones import zone_for

router = Router(tags=["tickets"])
ERRORS: dict[int, type[Schema]] = {c: schemas.ErrorOut for c in (400, 401, 403, 404, 409, 413, 422)}


def _party(user: User | None) -> schemas.Party | None:
    if user is None:
        return None
    return schemas.Party(id=user.pk, name=user.get_full_name() or user.username)


def _org(org: Organisation | None) -> schemas.OrganisationRef | None:
    return None if org is None else schemas.OrganisationRef(slug=org.slug, name=org.name)


def _partner(user: User) -> bool:
    """The partner's side reads its own shapes, which have no supplier or internal fields."""
    return disclosure.party(user) is Party.REQUESTER


def ticket_out(ticket: Ticket, user: User) -> schemas.TicketOut:
    """The ticket as this user may read it (a supplier reads only what the profile shares)."""
    fields = disclosure.ticket_fields(user, ticket)
    return schemas.TicketOut(
        number=ticket.number,
        subject=fields["subject"],
        description=fields["description"],
        form=fields["form"],
        severity=ticket.severity,
        status=ticket.status,
        queue=ticket.queue,
        level=ticket.level,
        language=ticket.language,
        channel=ticket.channel,
        organisation=_org(fields["organisation"]),
        requester=_party(fields["requester"]),
        assignee=_party(ticket.assignee),
        customer_account=_org(fields["customer_account"]),
        opened_at=ticket.opened_at,
        updated_at=ticket.updated_at,
        profile=ticket.profile,
        profile_version=ticket.profile_version,
        # The desk's next automatic instant may be a supplier's clock (its response or OLA),
        # which a partner never reads: not given to a partner once a supplier has had the ticket.
        next_deadline=None if ticket.supplier and _partner(user) else ticket.next_deadline,
    )


def attachment_out(
    request: HttpRequest, ticket: Ticket, a: Attachment, user: User
) -> schemas.AttachmentOut | schemas.PartnerAttachmentOut:
    url = request.build_absolute_uri(f"/api/v1/tickets/{ticket.number}/attachments/{a.pk}")
    if _partner(user):
        return schemas.PartnerAttachmentOut(
            id=a.pk,
            name=a.original_name,
            size=a.size,
            content_type=a.content_type,
            sha256=a.sha256,
            uploaded_at=a.uploaded_at,
            url=url,
        )
    return schemas.AttachmentOut(
        id=a.pk,
        name=a.original_name,
        size=a.size,
        content_type=a.content_type,
        sha256=a.sha256,
        public=a.public,
        uploaded_at=a.uploaded_at,
        url=url,
    )


def event_out(e: Event, user: User) -> schemas.EventOut | schemas.PartnerEventOut:
    """The event in the shape of the reader's side (the data is narrowed by the queries)."""
    if _partner(user):
        return schemas.PartnerEventOut(
            ticket=e.ticket.number,
            seq=e.seq,
            at=e.at,
            kind=e.kind,
            actor=_party(e.actor),
            data=disclosure.event_data(user, e),
            hash=e.hash,
        )
    return schemas.EventOut(
        ticket=e.ticket.number,
        seq=e.seq,
        at=e.at,
        kind=e.kind,
        public=e.public,
        actor=_party(e.actor),
        data=e.data,
        hash=e.hash,
    )


# An event answered to a partner has the partner's shape; to anyone else the staff's.
EventAnswer = schemas.EventOut | schemas.PartnerEventOut
TicketAnswer = schemas.TicketDetailOut | schemas.PartnerTicketDetailOut
AttachmentAnswer = schemas.AttachmentOut | schemas.PartnerAttachmentOut

# Events whose change also wrote a TicketLink row.
LINK_KINDS = frozenset({"duplicate_suspected", "linked"})


def detail_out(
    request: HttpRequest, user: User, ticket: Ticket, *, new: bool = False
) -> schemas.TicketDetailOut | schemas.PartnerTicketDetailOut:
    """The ticket with its links, attachments, the events the user may see and its clocks."""
    # A ticket just opened is answered from what was written, unless its record made a link.
    written = q.written_record(ticket) if new else None
    links: list[schemas.TicketLinkOut] = []
    if written is None or any(e.kind in LINK_KINDS for e in written):
        found = TicketLink.objects.filter(
            ticket=ticket, target__in=q.visible_tickets(user)
        ).select_related("target")
        links = [schemas.TicketLinkOut(kind=link.kind, target=link.target.number) for link in found]
    # A ticket just opened has no attachments yet.
    attachments = [] if new else q.ticket_attachments(user, ticket)
    record, visible = q.ticket_record(user, ticket, written)
    sla = ticket_sla(ticket, record)
    shape = schemas.PartnerTicketDetailOut if _partner(user) else schemas.TicketDetailOut
    return shape.model_validate(
        {
            **dict(ticket_out(ticket, user)),
            "links": links,
            "attachments": [attachment_out(request, ticket, a, user) for a in attachments],
            "events": [event_out(e, user) for e in visible],
            "sla": disclosure.targets(user, sla),
            "contingency": (
                contingency.routes(ticket, sla, clock.now())
                if disclosure.sees_contingency(user)
                else []
            ),
        }
    )


class TicketQuery(Schema):
    status: list[str] | None = None
    severity: list[str] | None = None
    level: list[str] | None = None
    queue: list[str] | None = None
    organisation: str | None = None
    assignee: str | None = Field(None, description="a username, or 'me'")
    updated_since: datetime | None = None
    q: str | None = Field(
        None, max_length=200, description="words of the subject, or a ticket number"
    )
    ordering: str = "-updated"
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


@router.get("/tickets", response={200: schemas.TicketPageOut, **ERRORS}, summary="List tickets")
def list_tickets(request: HttpRequest, filters: Query[TicketQuery]) -> Any:
    user = actor(request)
    assignee = None
    if filters.assignee == "me":
        assignee = user.pk
    elif filters.assignee:
        found = User.objects.filter(username=filters.assignee).values_list("pk", flat=True).first()
        assignee = found if found is not None else -1
    if filters.updated_since is not None:
        filters.updated_since = aware(filters.updated_since, zone_for(user))
    page = q.list_tickets(
        user,
        filters=q.TicketFilter(
            status=filters.status,
            severity=filters.severity,
            level=filters.level,
            queue=filters.queue,
            organisation=filters.organisation,
            assignee=assignee,
            updated_since=filters.updated_since,
            search=filters.q,
        ),
        ordering=filters.ordering,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return schemas.TicketPageOut(
        items=[ticket_out(t, user) for t in page.items], next_cursor=page.next_cursor
    )


@router.post("/tickets", response={201: TicketAnswer, **ERRORS}, summary="Open a ticket")
def create_ticket(request: HttpRequest, payload: schemas.TicketIn) -> Any:
    user = actor(request)
    fields: dict[str, str] = {}
    organisation = customer = requester = None
    if payload.organisation:
        organisation = Organisation.objects.filter(
            slug=payload.organisation, kind=OrganisationKind.PARTNER
        ).first()
        if organisation is None or (
            party_of(Role(user.role)) is not Party.PROVIDER
            and organisation.pk != user.organisation_id
        ):
            fields["organisation"] = f"no partner organisation {payload.organisation!r}"
    if payload.customer_account:
        customer = Organisation.objects.filter(
            slug=payload.customer_account, kind=OrganisationKind.CUSTOMER
        ).first()
        owner = organisation.pk if organisation is not None else user.organisation_id
        if customer is None or customer.parent_id != owner:
            fields["customer_account"] = f"no end-customer account {payload.customer_account!r}"
    if payload.requester:
        requester = User.objects.filter(username=payload.requester).first()
        if requester is None or (
            organisation is not None and requester.organisation_id != organisation.pk
        ):
            fields["requester"] = f"no user {payload.requester!r} in the ticket's organisation"
    if fields:
        raise Invalid("the ticket cannot be opened so", fields=fields)
    ticket = act.open_ticket(
        actor=user,
        now=clock.now(),
        subject=payload.subject,
        description=payload.description,
        channel=payload.channel or "api",
        severity=payload.severity,
        queue=payload.queue,
        language=payload.language,
        form=payload.form,
        organisation=organisation,
        requester=requester,
        customer_account=customer,
    )
    return Status(201, detail_out(request, user, ticket, new=True))


@router.get(
    "/tickets/{number}",
    response={200: TicketAnswer, **ERRORS},
    summary="A ticket and its record",
)
def get_ticket(request: HttpRequest, number: str) -> Any:
    user = actor(request)
    ticket = q.get_ticket(user, number)
    return detail_out(request, user, ticket)


@router.post(
    "/tickets/{number}/replies", response={201: EventAnswer, **ERRORS}, summary="Public reply"
)
def add_reply(request: HttpRequest, number: str, payload: schemas.ReplyIn) -> Any:
    event = act.add_reply(
        actor=actor(request),
        number=number,
        body=payload.body,
        now=clock.now(),
        any_language=payload.any_language,
    )
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/notes",
    response={201: EventAnswer, **ERRORS},
    summary="Internal note (provider staff only)",
)
def add_note(request: HttpRequest, number: str, payload: schemas.BodyIn) -> Any:
    return Status(
        201,
        event_out(
            act.add_note(actor=actor(request), number=number, body=payload.body, now=clock.now()),
            actor(request),
        ),
    )


@router.post(
    "/tickets/{number}/events/{seq}/redaction",
    response={201: EventAnswer, **ERRORS},
    summary="Remove an event's text or file from the record (administrators)",
    description=(
        "Replaces the text, or deletes the file, of event `seq` and records a `redacted` event "
        "with the reason and the content digests before and after, so the hash chain still "
        "verifies (`tierdesk audit verify` lists every redaction). Every copy of the text the "
        "desk keeps goes with it: the ticket row, queued notifications, the raw e-mail."
    ),
)
def redact_event(request: HttpRequest, number: str, seq: int, payload: schemas.RedactionIn) -> Any:
    event = redaction.redact(
        actor=actor(request),
        number=number,
        seq=seq,
        part=payload.part,
        reason=payload.reason,
        now=clock.now(),
    )
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/status", response={201: EventAnswer, **ERRORS}, summary="Change status"
)
def change_status(request: HttpRequest, number: str, payload: schemas.StatusIn) -> Any:
    supplier = None
    if payload.supplier:
        supplier = Organisation.objects.filter(
            slug=payload.supplier, kind=OrganisationKind.SUPPLIER
        ).first()
        if supplier is None:
            raise Invalid(
                "no such supplier", fields={"supplier": f"no supplier {payload.supplier!r}"}
            )
    event = act.change_status(
        actor=actor(request),
        number=number,
        to=payload.status,
        reason=payload.reason,
        now=clock.now(),
        supplier=supplier,
        supplier_ref=payload.supplier_ref,
        note=payload.note,
        attachments=payload.attachments,
        extra_fields=payload.fields,
    )
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/severity",
    response={201: EventAnswer, **ERRORS},
    summary="Change severity",
)
def change_severity(request: HttpRequest, number: str, payload: schemas.SeverityIn) -> Any:
    event = act.change_severity(
        actor=actor(request),
        number=number,
        to=payload.severity,
        reason=payload.reason,
        now=clock.now(),
    )
    return Status(201, event_out(event, actor(request)))


@router.post("/tickets/{number}/assignee", response={201: EventAnswer, **ERRORS}, summary="Assign")
def assign(request: HttpRequest, number: str, payload: schemas.AssignIn) -> Any:
    user = actor(request)
    event = act.assign(
        actor=user, number=number, assignee=payload.assignee or None, now=clock.now()
    )
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/level",
    response={201: EventAnswer, **ERRORS},
    summary="Move to another support level",
)
def change_level(request: HttpRequest, number: str, payload: schemas.LevelIn) -> Any:
    event = act.change_level(
        actor=actor(request), number=number, to=payload.level, note=payload.note, now=clock.now()
    )
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/resolve",
    response={201: EventAnswer, **ERRORS},
    summary="Resolve with a solution (provider)",
)
def resolve(request: HttpRequest, number: str, payload: schemas.SolutionIn) -> Any:
    event = process.resolve(
        actor=actor(request),
        number=number,
        solution=payload.solution,
        now=clock.now(),
        any_language=payload.any_language,
    )
    return Status(201, event_out(event, actor(request)))


class SupplierSolvedIn(Schema):
    note: schemas.Text = Field("", description="the supplier's answer, as an internal note")


@router.post(
    "/tickets/{number}/supplier-solved",
    response={201: EventAnswer, **ERRORS},
    summary="The supplier solved it: back to the status and level that handed it over (provider)",
)
def supplier_solved(request: HttpRequest, number: str, payload: SupplierSolvedIn) -> Any:
    event = supplier_answers.solved(
        actor=actor(request), number=number, note=payload.note, now=clock.now()
    )
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/confirm",
    response={201: EventAnswer, **ERRORS},
    summary="Confirm the ticket can be closed (requester)",
)
def confirm(request: HttpRequest, number: str) -> Any:
    return Status(
        201,
        event_out(
            process.confirm(actor=actor(request), number=number, now=clock.now()), actor(request)
        ),
    )


@router.post(
    "/tickets/{number}/ask",
    response={201: EventAnswer, **ERRORS},
    summary="Ask the requester a question or to confirm a fix (provider)",
)
def ask(request: HttpRequest, number: str, payload: schemas.AskIn) -> Any:
    event = process.ask(
        actor=actor(request),
        number=number,
        body=payload.body,
        confirmation=payload.confirmation,
        now=clock.now(),
    )
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/reject",
    response={201: EventAnswer, **ERRORS},
    summary="Reject an invalid ticket with one of the profile's reasons (provider)",
)
def reject(request: HttpRequest, number: str, payload: schemas.RejectIn) -> Any:
    event = process.reject(
        actor=actor(request),
        number=number,
        reason=payload.reason,
        note=payload.note,
        now=clock.now(),
    )
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/reopen",
    response={201: EventAnswer, **ERRORS},
    summary="Not solved: the requester's message, and a Resolved ticket back to Open",
)
def reopen(request: HttpRequest, number: str, payload: schemas.BodyIn) -> Any:
    event = process.reopen(actor=actor(request), number=number, body=payload.body, now=clock.now())
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/authority",
    response={201: EventAnswer, **ERRORS},
    summary="Validate the requester's authority for the end-customer account (provider)",
)
def validate_authority(request: HttpRequest, number: str, payload: schemas.AuthorityIn) -> Any:
    event = process.validate_authority(
        actor=actor(request),
        number=number,
        authorised=payload.authorised,
        note=payload.note,
        now=clock.now(),
    )
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/escalations",
    response={201: EventAnswer, **ERRORS},
    summary="Escalate to management along the profile's matrix",
)
def escalate(request: HttpRequest, number: str, payload: schemas.EscalationIn) -> Any:
    event = process.escalate_management(
        actor=actor(request), number=number, reason=payload.reason, now=clock.now()
    )
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/contact-attempts",
    response={201: EventAnswer, **ERRORS},
    summary="Record a try to reach the management step the ticket is escalated to (desk)",
)
def contact_attempt(request: HttpRequest, number: str, payload: schemas.ContactAttemptIn) -> Any:
    event = process.record_contact_attempt(
        actor=actor(request), number=number, note=payload.note, now=clock.now()
    )
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/links", response={201: EventAnswer, **ERRORS}, summary="Link tickets"
)
def link(request: HttpRequest, number: str, payload: schemas.TicketLinkIn) -> Any:
    event = act.link(
        actor=actor(request),
        number=number,
        target=payload.target,
        kind=payload.kind,
        now=clock.now(),
    )
    return Status(201, event_out(event, actor(request)))


@router.post(
    "/tickets/{number}/attachments",
    response={201: AttachmentAnswer, **ERRORS},
    summary="Attach a file",
)
def attach(
    request: HttpRequest, number: str, file: File[UploadedFile], public: Form[bool] = True
) -> Any:
    limit = act.upload_limit()
    if file.size is not None and file.size > limit:
        raise PayloadTooLarge(limit)  # the same limit, answered as HTTP says: 413
    attachment = act.attach_file(
        actor=actor(request),
        number=number,
        content=file,
        name=file.name or "attachment",
        size=file.size or 0,
        content_type=file.content_type,
        public=public,
        now=clock.now(),
    )
    return Status(201, attachment_out(request, attachment.ticket, attachment, actor(request)))


@router.get(
    "/tickets/{number}/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    attachment = q.get_attachment(actor(request), number, attachment_id)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
