"""One intake for every way mail arrives: store the raw bytes, then decide its one outcome.

Outcomes: a new ticket, a comment on a ticket, an ignored machine message (auto-reply, bounce,
loop) kept with its reason, or quarantine with its reason; the same message twice is a
duplicate and changes nothing. Threading uses In-Reply-To and References against the
Message-IDs the desk sent and received, then the ticket tag in the subject; a reply only lands
on a ticket its sender may see.

Nothing received is lost. The raw bytes are committed first (row `pending`); the outcome, the
ticket it makes and the row's new state are then written in one transaction under the row's
lock, so a message is either still pending (nothing decided) or decided once. A process or a
database that dies in between leaves the row pending, and it is taken up again: by a resend
of the same message (which completes it instead of being called a duplicate), when a listener
or poller starts, and by the periodic job once it is older than MAIL_PENDING_SECONDS. Each try
is counted before it starts, so a message that keeps killing its process is quarantined after
MAX_ATTEMPTS tries rather than retried forever.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction

from tierdesk import profiles
from tierdesk.actions import received, supplier_answers
from tierdesk.actions import tickets as act
from tierdesk.actions.notify import system_notice
from tierdesk.actions.supplier_mail import CHASE, HANDOFF
from tierdesk.domain.errors import DomainError
from tierdesk.domain.mail import (
    is_bounce,
    machine_reason,
    message_ids,
    ticket_tags,
    unknown_machine_reason,
)
from tierdesk.domain.parties import Party, Role, party_of
from tierdesk.domain.replies import own_text
from tierdesk.intake.parse import ParsedMail, parse
from tierdesk.persistence.models import InboundMessage, Notification, Ticket, User
from tierdesk.queries.tickets import NUMBER_PATTERN, visible_tickets

log = logging.getLogger(__name__)
# Tries of one message before it is quarantined: each was started and never finished.
MAX_ATTEMPTS = 5
# Database failures (the server restarting, the connection gone) are not the message's fault:
# they leave it pending, to be taken up again, rather than quarantine it.
UNAVAILABLE = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class IntakeResult:
    source: str
    outcome: str  # ticket | comment | ignored | quarantined | duplicate
    ticket: str | None
    reason: str
    message: int | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "outcome": self.outcome,
            "ticket": self.ticket,
            "reason": self.reason,
        }


def dedupe_key(raw: bytes) -> tuple[str, str]:
    """(key, Message-ID): the Message-ID where present, else a digest of the raw bytes."""
    try:
        headers = BytesHeaderParser().parse(io.BytesIO(raw[:200_000]))
        found = message_ids(str(headers.get("Message-ID") or "").replace("\x00", ""))
    except Exception:
        found = []
    if found and len(found[0]) <= 290:
        return f"mid:{found[0]}", found[0]
    return f"sha256:{hashlib.sha256(raw).hexdigest()}", found[0][:990] if found else ""


def ingest(
    raw: bytes,
    *,
    source: str,
    now: datetime,
    envelope_from: str | None = None,
    envelope_to: Sequence[str] = (),
) -> IntakeResult:
    """Store, then process, one message. Never raises for bad input; raises when the database
    cannot be reached, and then the message is either not stored or stored pending."""
    key, message_id = dedupe_key(raw)
    try:
        with transaction.atomic():
            stored = received.store(
                raw,
                key=key,
                message_id=message_id,
                source=source,
                envelope_from=envelope_from,
                envelope_to=envelope_to,
                now=now,
            )
    except IntegrityError:
        first = InboundMessage.objects.filter(dedupe_key=key).first()
        if first is not None and first.outcome == InboundMessage.PENDING:
            # Received before but never decided (the process or the database stopped in
            # between): this resend completes it.
            return take_up(first.pk, now=now) or _decided(first.pk, duplicate=source)
        return _decided(first.pk if first else None, duplicate=source)
    return _decide_locked(stored.pk, now=now) or _decided(stored.pk)


def _decided(pk: int | None, *, duplicate: str | None = None) -> IntakeResult:
    """The result of a message some process has already decided; with `duplicate`, the source
    of another delivery of it, answered as the duplicate it is."""
    row = (
        InboundMessage.objects.filter(pk=pk).select_related("ticket").first()
        if pk is not None
        else None
    )
    number = row.ticket.number if row and row.ticket else None
    if row is None or duplicate is not None:
        return IntakeResult(
            duplicate or (row.source if row else ""),
            "duplicate",
            number,
            f"already received as {row.outcome if row else '?'}",
            row.pk if row else None,
        )
    return IntakeResult(row.source, row.outcome, number, row.reason, row.pk)


def take_up(pk: int, *, now: datetime, wait: bool = True) -> IntakeResult | None:
    """Decide a pending message under its row lock. None when it is no longer pending (another
    process decided it) or, with wait=False, when another process is deciding it now."""
    pending = InboundMessage.objects.select_for_update(skip_locked=not wait).filter(
        pk=pk, outcome=InboundMessage.PENDING
    )
    # Counted (and committed) before the try, so a try that kills the process still counts;
    # under the row's lock, so a row another process is deciding is waited for or skipped.
    with transaction.atomic():
        if not list(pending.values_list("pk", flat=True)):
            return None
        received.count_try(pk)
    return _decide_locked(pk, now=now, wait=wait)


def _decide_locked(pk: int, *, now: datetime, wait: bool = True) -> IntakeResult | None:
    """Decide a pending message whose try is counted, in one transaction under its lock."""
    with transaction.atomic():
        stored = (
            InboundMessage.objects.select_for_update(skip_locked=not wait)
            .filter(pk=pk, outcome=InboundMessage.PENDING)
            .first()
        )
        if stored is None:
            return None
        if stored.attempts > MAX_ATTEMPTS:
            return _finish(
                stored,
                InboundMessage.QUARANTINED,
                f"intake did not finish in {stored.attempts - 1} tries "
                "(the process or the database stopped each time)",
                now=now,
            )
        return _process(stored, now=now)


def take_up_pending(
    now: datetime, *, older_than: timedelta | None = None, limit: int = 500
) -> list[IntakeResult]:
    """Decide the messages left pending, oldest first: those received more than `older_than`
    ago (default: the MAIL_PENDING_SECONDS setting), skipping any another process holds."""
    age = (
        older_than
        if older_than is not None
        else timedelta(seconds=settings.TIERDESK["MAIL_PENDING_SECONDS"])
    )
    waiting = list(
        InboundMessage.objects.filter(outcome=InboundMessage.PENDING, received_at__lte=now - age)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    results = []
    for pk in waiting:
        result = take_up(pk, now=now, wait=False)
        if result is not None:
            log.warning(
                "took up message %s left pending: %s %s", pk, result.outcome, result.ticket or ""
            )
            results.append(result)
    return results


@dataclass(frozen=True)
class Waiting:
    """A message received and not yet decided, and why it is waiting."""

    id: int
    source: str
    received_at: datetime
    sender: str
    subject: str
    attempts: int
    why: str

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "source": self.source,
            "received_at": self.received_at.isoformat(),
            "sender": self.sender,
            "subject": self.subject,
            "attempts": self.attempts,
            "why": self.why,
        }


def waiting(now: datetime, *, limit: int = 200) -> list[Waiting]:
    """The pending messages, oldest first."""
    age = timedelta(seconds=settings.TIERDESK["MAIL_PENDING_SECONDS"])
    found = []
    for row in InboundMessage.objects.filter(outcome=InboundMessage.PENDING).order_by(
        "received_at", "pk"
    )[:limit]:
        try:
            headers = BytesHeaderParser().parse(io.BytesIO(bytes(row.raw)[:200_000]))
            sender, subject = str(headers.get("From") or ""), str(headers.get("Subject") or "")
        except Exception:
            sender = subject = ""
        if row.attempts == 0:
            why = "stored, not decided yet"
        else:
            why = (
                f"{row.attempts} {'try' if row.attempts == 1 else 'tries'} started and not "
                "finished (the process or the database stopped)"
            )
        due = row.received_at + age
        why += (
            f"; taken up again from {due.isoformat()}"
            if due > now
            else "; taken up at the next run of the scheduler, a listener's or poller's start, "
            "a resend, or `mail pending --process`"
        )
        found.append(
            Waiting(
                row.pk,
                row.source,
                row.received_at,
                (sender or row.envelope_from).replace("\x00", "")[:320],
                subject.replace("\x00", "")[:300],
                row.attempts,
                why,
            )
        )
    return found


def process(stored: InboundMessage, *, now: datetime) -> IntakeResult:
    """Decide and record the outcome of a stored message again (a quarantined one)."""
    stored.attempts += 1
    with transaction.atomic():
        return _process(stored, now=now)


def _process(stored: InboundMessage, *, now: datetime) -> IntakeResult:
    """Decide and record, inside the caller's transaction: the ticket or comment and the row's
    outcome are committed together or not at all."""
    try:
        parsed = parse(bytes(stored.raw))
    except Exception as exc:  # RecursionError on endless nesting, and anything else
        return _finish(
            stored, InboundMessage.QUARANTINED, f"unparseable: {type(exc).__name__}: {exc}", now=now
        )
    stored.sender = parsed.sender[:320]
    stored.subject = parsed.subject[:300]
    try:
        with transaction.atomic():
            outcome, reason, ticket = _decide(stored, parsed, now)
    except UNAVAILABLE:
        raise  # the database is away: the message stays pending and is taken up again
    except DomainError as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        outcome, reason, ticket = (
            InboundMessage.QUARANTINED,
            f"refused: {exc.message}" + (f" ({detail})" if detail else ""),
            None,
        )
    except Exception as exc:
        log.exception("intake failed on message %s", stored.pk)
        outcome, reason, ticket = (
            InboundMessage.QUARANTINED,
            f"could not be processed: {type(exc).__name__}",
            None,
        )
    if parsed.sender_warning:  # noted on the message, whatever its outcome
        reason = f"{reason}; {parsed.sender_warning}"
    return _finish(stored, outcome, reason, now=now, ticket=ticket)


def _finish(
    stored: InboundMessage,
    outcome: str,
    reason: str,
    *,
    now: datetime,
    ticket: Ticket | None = None,
) -> IntakeResult:
    received.decide(stored, outcome, reason, now=now, ticket=ticket)
    return IntakeResult(
        stored.source, outcome, ticket.number if ticket else None, reason, stored.pk
    )


def _decide(
    stored: InboundMessage, mail: ParsedMail, now: datetime
) -> tuple[str, str, Ticket | None]:
    profile = profiles.active()
    machine = machine_reason(
        mail.headers,
        sender=mail.sender,
        envelope_from=stored.envelope_from or None
        if stored.source.startswith(("smtp", "lmtp"))
        else None,
        content_type=mail.content_type,
    )
    supplier = _from_supplier(stored, mail, machine or "", now)
    if supplier is not None:
        return supplier
    if machine:
        bounced = _bounced_notification(mail) if is_bounce(machine) else None
        if bounced is not None and bounced.ticket is not None:
            received.note_bounce(bounced, machine)
            act.system_note(
                ticket_id=bounced.ticket.pk,
                body=f"A notification to {bounced.recipient} bounced ({machine}).",
                now=now,
            )
            return (
                InboundMessage.IGNORED,
                f"{machine}; bounce of a notification to {bounced.recipient}",
                bounced.ticket,
            )
        return InboundMessage.IGNORED, machine, None
    # The sender's account, with its organisation (what the action reads next), in one query.
    user = (
        User.objects.filter(email__iexact=mail.sender, is_active=True)
        .exclude(role="")
        .select_related("organisation")
        .first()
        if mail.sender
        else None
    )
    if user is None:
        guessed = unknown_machine_reason(
            mail.headers, subject=mail.subject, part_types=mail.part_types
        )
        if guessed:
            return InboundMessage.IGNORED, f"{guessed} from an unknown sender", None
    if not mail.sender:
        return InboundMessage.QUARANTINED, "no sender address", None
    limit, minutes = settings.TIERDESK["MAIL_THROTTLE"]
    recent = (
        InboundMessage.objects.filter(
            sender=mail.sender, received_at__gte=now - timedelta(minutes=minutes)
        )
        .exclude(pk=stored.pk)
        .count()
    )
    if recent >= limit:
        return (
            InboundMessage.IGNORED,
            f"throttled: more than {limit} messages in {minutes} minutes",
            None,
        )
    if user is None:
        if profile.unknown_sender == "notice":
            system_notice(
                recipient=mail.sender,
                key=f"unknown-sender:{stored.pk}",
                now=now,
                subject="Please register to contact the support desk",
                body=(
                    f'We received your message "{mail.subject}" but {mail.sender} is not registered '
                    f"with {profile.provider_name} support. Please register at "
                    f"{profile.registration_url} and send it again."
                ),
                in_reply_to=mail.message_id,
            )
            return InboundMessage.IGNORED, "unknown sender; registration notice sent", None
        return InboundMessage.QUARANTINED, f"unknown sender {mail.sender}", None

    body = own_text(mail.text) or mail.text.strip() or "(no text)"
    threaded = _thread(mail, user, profile.ticket_prefix)
    if threaded is not None:
        pk, number = threaded
        event = act.add_reply(actor=user, number=number, body=body, now=now)
        target = event.ticket  # the row the action wrote: this ticket, or its follow-up
        _attach(user, target, mail, now)
        if target.pk != pk:
            return (
                InboundMessage.TICKET,
                f"reply to closed {number} opened follow-up",
                target,
            )
        return InboundMessage.COMMENT, f"reply threaded to {number}", target
    if party_of(Role(user.role)) is not Party.REQUESTER:
        return (
            InboundMessage.QUARANTINED,
            "a mail from the provider's staff that matches no ticket",
            None,
        )
    queue = next(
        (
            profile.email_queues[a]
            for a in (*stored.envelope_to, *mail.recipients)
            if a in profile.email_queues
        ),
        None,
    )
    created = act.open_ticket(
        actor=user,
        now=now,
        subject=mail.subject or "(no subject)",
        description=body,
        channel="email",
        queue=queue,
    )
    _attach(user, created, mail, now)
    return InboundMessage.TICKET, f"new ticket in queue {created.queue}", created


def _from_supplier(
    stored: InboundMessage, mail: ParsedMail, machine: str, now: datetime
) -> tuple[str, str, Ticket | None] | None:
    """A mail from a supplier's own desk (or a bounce of our mail to it), recorded on the ticket
    handed to it as a supplier event; None when the mail is not one."""
    profile = profiles.active()
    bounced = _bounced_notification(mail) if machine and is_bounce(machine) else None
    if bounced is not None and bounced.kind in (HANDOFF, CHASE) and bounced.ticket is not None:
        ticket: Ticket | None = bounced.ticket
        terms = supplier_answers.supplier_of(bounced.recipient)
    else:
        terms = supplier_answers.supplier_of(mail.sender)
        if terms is None:
            return None
        user = (
            User.objects.filter(email__iexact=mail.sender, is_active=True).exclude(role="").first()
        )
        if user is not None and user.organisation_id != terms.organisation_id:
            return None  # someone the desk knows, writing for themselves
        ticket = supplier_answers.thread(
            terms,
            subject=mail.subject,
            ids=[*mail.in_reply_to, *reversed(mail.references)],
            prefix=profile.ticket_prefix,
        )
    if terms is None or ticket is None:
        if machine:
            return None  # the usual machine-mail outcome
        name = terms.organisation.name if terms is not None else "a supplier"
        return InboundMessage.QUARANTINED, f"a mail from {name} that matches no ticket", None
    supplier_answers.receive(
        ticket,
        terms,
        sender=mail.sender,
        subject=mail.subject,
        body=own_text(mail.text) or mail.text.strip() or "(no text)",
        machine=machine,
        now=now,
        files=[
            supplier_answers.File(a.name, a.content_type, a.data)
            for a in mail.attachments
            if not (machine and is_bounce(machine))  # a bounce brings our own mail back
        ],
    )
    if machine:
        return (
            InboundMessage.IGNORED,
            f"{machine}; recorded on {ticket.number} as {terms.organisation.name}'s automatic mail",
            ticket,
        )
    return InboundMessage.COMMENT, f"supplier mail threaded to {ticket.number}", ticket


def _thread(mail: ParsedMail, user: User, prefix: str) -> tuple[int, str] | None:
    """The ticket (id, number) a mail replies to, among those its sender may see: the tickets of
    the desk's notifications and of received mail it answers, then the ticket tags in the
    subject; each looked up within what the sender may see, so another tenant's ticket is never
    landed on (one query when the mail answers a message the desk knows)."""
    visible = visible_tickets(user)
    ids = [*mail.in_reply_to, *reversed(mail.references)]
    if ids:
        # A UNION, not an OR of two IN lists: PostgreSQL answers an OR by reading every ticket.
        replied = (
            Notification.objects.filter(message_id__in=ids)
            .values("ticket_id")
            .union(InboundMessage.objects.filter(message_id__in=ids).values("ticket_id"))
        )
        found = visible.filter(pk__in=replied).order_by("pk").values_list("pk", "number").first()
        if found is not None:
            return found
    tags = [t for t in ticket_tags(mail.subject, prefix) if NUMBER_PATTERN.fullmatch(t)]
    if not tags:
        return None
    tagged = dict(visible.filter(number__in=tags).values_list("number", "pk"))
    return next(((tagged[t], t) for t in tags if t in tagged), None)


def _attach(user: User, ticket: Ticket, mail: ParsedMail, now: datetime) -> None:
    limit = act.upload_limit()
    for item in mail.attachments:
        if len(item.data) > limit:
            act.system_note(
                ticket_id=ticket.pk,
                body=f"The attachment {item.name!r} ({len(item.data)} bytes) "
                f"was over the {limit}-byte limit and was not stored.",
                now=now,
            )
            continue
        act.attach_file(
            actor=user,
            number=ticket.number,
            content=io.BytesIO(item.data),
            name=item.name,
            size=len(item.data),
            content_type=item.content_type,
            now=now,
        )


def _bounced_notification(mail: ParsedMail) -> Notification | None:
    ids = [*mail.reported_ids, *mail.in_reply_to, *mail.references]
    if not ids:
        return None
    return Notification.objects.filter(message_id__in=ids).select_related("ticket").first()
