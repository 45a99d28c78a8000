"""The desk's tables. Rows change only through tierdesk.actions; events never change at all."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierdesk.domain.parties import OrganisationKind, Role

if TYPE_CHECKING:
    from tierdesk.domain.sla import ClockEvent


class Organisation(models.Model):
    kind = models.CharField(
        max_length=16, choices=[(k.value, k.name.title()) for k in OrganisationKind]
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        help_text="for an end-customer account: the partner it belongs to",
    )
    external_ref = models.CharField(
        max_length=100, blank=True, help_text="the partner's own account id"
    )
    created_at = models.DateTimeField()
    # Deactivated, never deleted: its tickets stay; its people cannot sign in; choices omit it.
    is_active = models.BooleanField(default=True, db_default=True)
    contact_email = models.EmailField(max_length=254, blank=True, default="", db_default="")
    contact_phone = models.CharField(max_length=40, blank=True, default="", db_default="")
    # Zynstra (first level): "validate their authority". For an end-customer account, who may
    # raise requests for it: e-mail addresses, or "@domain" for everyone at a domain. Empty:
    # nobody is checked. See domain/requester_authority.py.
    authorised_requesters = models.JSONField(default=list, blank=True, db_default=[])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="customer", parent__isnull=False)
                | ~models.Q(kind="customer"),
                name="customer_account_has_partner",
            )
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(
        max_length=20, choices=[(r.value, r.name.replace("_", " ").title()) for r in Role]
    )
    phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=8, default="en")
    # The zone the person reads times in (an IANA name); empty: the desk's own zone.
    time_zone = models.CharField(max_length=64, blank=True, default="")
    # An agent marks themselves away (routing passes them over) or available again.
    away = models.BooleanField(default=False)
    # When a new ticket was last routed to them (round robin takes the longest-waiting first).
    routed_at = models.DateTimeField(null=True, blank=True)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def level_keys(self) -> list[str]:
        return [m.level for m in self.level_memberships.all()]


class LevelMembership(models.Model):
    """An agent belongs to one or more of the profile's support levels."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="level_memberships")
    level = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "level"], name="one_membership_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.level}"


class TicketSequence(models.Model):
    """The last number handed out per prefix; numbers are never reused."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"


class Ticket(models.Model):
    """The projection of a ticket's events, kept for fast queries."""

    # Not a column: the events the write path appended through this instance, in order, so an
    # edge can answer with what was written instead of reading it back.
    written: list[Event] | None = None
    # Not a column: the record as clock events, as this instance last read or extended it while
    # holding the row's lock, so one action does not read the record twice.
    clock_history: list[ClockEvent] | None = None

    number = models.CharField(max_length=24, unique=True)
    profile = models.CharField(max_length=64)
    profile_version = models.CharField(max_length=64)
    subject = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    form = models.JSONField(default=dict)
    severity = models.CharField(max_length=32)
    status = models.CharField(max_length=32)
    queue = models.CharField(max_length=32)
    level = models.CharField(max_length=32)
    language = models.CharField(max_length=8)
    channel = models.CharField(max_length=16)
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="tickets")
    requester = models.ForeignKey(
        User, null=True, on_delete=models.PROTECT, related_name="requested"
    )
    customer_account = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customer_tickets",
    )
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    event_count = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    next_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    supplier = models.SlugField(
        max_length=80,
        blank=True,
        default="",
        db_default="",
        help_text="slug of the supplier handed to",
    )
    # A target whose clock still runs is past its due instant: the queues put these first.
    overdue = models.BooleanField(default=False, db_default=False)
    # The status is not of a resolved or closed category: the queues read only these rows.
    is_open = models.BooleanField(default=True, db_default=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "-updated_at", "-id"], name="ticket_org_updated"),
            # The duplicate check reads a partner's most recent tickets.
            models.Index(fields=["organisation", "-opened_at"], name="ticket_org_opened"),
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated"),
            models.Index(fields=["level", "status"], name="ticket_level_status"),
            # The desk's queues: a level's open tickets, overdue first, then by next deadline.
            models.Index(
                fields=["level", "-overdue", "next_deadline", "id"],
                name="ticket_open_queue",
                condition=models.Q(is_open=True),
            ),
            models.Index(
                fields=["assignee", "-overdue", "next_deadline"],
                name="ticket_open_mine",
                condition=models.Q(is_open=True),
            ),
            models.Index(fields=["status", "severity"], name="ticket_status_severity"),
        ]

    def __str__(self) -> str:
        return self.number


class TicketLink(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="links")
    target = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="linked_from")
    kind = models.CharField(max_length=32)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "kind"], name="one_link_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.target_id}"


class Event(models.Model):
    """One entry of a ticket's indelible record. Insert-only: a database trigger refuses changes,
    but for a redaction replacing `data` by a tombstone (`actions/record.py:replace_content`)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32)
    public = models.BooleanField()
    data = models.JSONField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "seq"], name="one_event_per_seq")]
        ordering = ["ticket_id", "seq"]
        # Reports count events of a kind in a period (management escalations, rejections).
        indexes = [models.Index(fields=["kind", "at"], name="event_kind_at")]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.seq} {self.kind}"


class Rechaining(models.Model):
    """A re-computation of every hash chain under a new hashing, made by a migration: when, how
    many, and a digest of the heads the chains had before (each kept in `RechainedHead`). `audit
    verify` reports it. A ticket whose chain was already broken is left as it was found."""

    migration = models.CharField(max_length=100)
    at = models.DateTimeField()
    tickets = models.PositiveIntegerField()
    events = models.PositiveIntegerField()
    left_broken = models.PositiveIntegerField(default=0)
    previous_heads = models.CharField(max_length=64)  # SHA-256 over "number previous-head" lines

    def __str__(self) -> str:
        return f"{self.migration} at {self.at:%Y-%m-%d}"


class RechainedHead(models.Model):
    """A ticket's chain head before and after a re-chaining, at event `seq`; no head after: the
    chain was already broken, and was left as found."""

    rechaining = models.ForeignKey(Rechaining, on_delete=models.PROTECT, related_name="heads")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    previous = models.CharField(max_length=64)
    head = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rechaining", "ticket"], name="one_head_per_rechaining")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.seq}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is generated; the sender's name is kept for display only.
    now = instance.uploaded_at or timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    public = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.original_name


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is kept, the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_id = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # "" for a personal token (the whole API as its person); otherwise the one intake it opens:
    # "monitoring" (the Alertmanager receiver) or "messages" (the relayed-message webhook).
    scope = models.CharField(max_length=20, blank=True, default="", db_default="")

    def __str__(self) -> str:
        return f"{self.key_id} ({self.name})"


class TicketTarget(models.Model):
    """Each SLA target's figures as of the ticket's last change, for reports and queues.

    Derived from the events by tierdesk.domain.sla every time an action records one; never edited.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="targets")
    target = models.CharField(max_length=40)
    kind = models.CharField(max_length=32)
    calendar = models.CharField(max_length=40)
    state = models.CharField(max_length=16)
    limit_seconds = models.BigIntegerField()
    used_seconds = models.FloatField()
    started_at = models.DateTimeField(null=True)
    due = models.DateTimeField(null=True)
    met_at = models.DateTimeField(null=True)
    breached_at = models.DateTimeField(null=True)
    stopped_at = models.DateTimeField(null=True)  # answered or resolved, in time or late
    # Copied from the ticket with every rewrite, so compliance reports read this table alone.
    severity = models.CharField(max_length=32, default="")
    opened_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target"], name="one_row_per_target")
        ]
        indexes = [
            models.Index(fields=["target", "state"], name="target_state"),
            models.Index(fields=["opened_at"], name="target_opened"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} {self.state}"


class AutomaticOutcome(models.Model):
    """One automatic outcome (an SLA warning or breach, a timed closure) recorded once and for all.

    The unique key makes "exactly once" a property of the database, not only of the sweep's care.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="automatic_outcomes")
    key = models.CharField(max_length=120)
    event = models.ForeignKey(Event, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "key"], name="one_outcome_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.key}"


class Notification(models.Model):
    """The transactional outbox: written with the change that causes it, sent after commit.

    `dedupe_key` names the notification once (event and recipient), so a change recorded once
    is announced once; delivery claims rows with a lease and retries with backoff.
    """

    PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"

    ticket = models.ForeignKey(
        Ticket, null=True, on_delete=models.PROTECT, related_name="notifications"
    )
    event = models.ForeignKey(Event, null=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40)
    recipient = models.EmailField(max_length=254)
    recipient_user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    dedupe_key = models.CharField(max_length=200, unique=True)
    message_id = models.CharField(max_length=200, db_index=True)
    in_reply_to = models.CharField(
        max_length=998, blank=True
    )  # the inbound mail this answers, if any
    status = models.CharField(max_length=10, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True)
    # Who holds the claim: each claim's own token, checked by every update its worker makes.
    claim_token = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.status})"


class InboundMessage(models.Model):
    """A received e-mail, stored raw before it is parsed; every one ends in exactly one outcome."""

    PENDING, TICKET, COMMENT, IGNORED, QUARANTINED = (
        "pending",
        "ticket",
        "comment",
        "ignored",
        "quarantined",
    )

    dedupe_key = models.CharField(
        max_length=300, unique=True
    )  # the Message-ID, or a digest of the bytes
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    source = models.CharField(max_length=40)  # smtp, lmtp, imap:<mailbox>, file
    envelope_from = models.CharField(max_length=320, blank=True)
    envelope_to = models.JSONField(default=list)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    received_at = models.DateTimeField()
    sender = models.CharField(max_length=320, blank=True, db_index=True)
    subject = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=12, default=PENDING, db_index=True)
    reason = models.TextField(blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, on_delete=models.PROTECT, related_name="inbound_messages"
    )
    processed_at = models.DateTimeField(null=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["sender", "received_at"], name="inbound_sender_time")]

    def __str__(self) -> str:
        return f"{self.source} {self.message_id or self.dedupe_key} ({self.outcome})"


class TicketSpan(models.Model):
    """A stretch a ticket spent in one status or at one level, with its business time.

    Derived from the events by tierdesk.domain.spans whenever a status or level changes; reports
    aggregate these rows instead of loading tickets.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="spans")
    dimension = models.CharField(max_length=8)  # status | level
    value = models.CharField(max_length=32)
    category = models.CharField(max_length=32)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True)
    business_seconds = models.FloatField()
    reopened = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["dimension", "started_at"], name="span_dimension_start"),
            models.Index(fields=["ticket", "dimension"], name="span_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.dimension}={self.value}"


# Knowledge base -------------------------------------------------------------------------------


class ArticleCategory(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """A knowledge-base article in one language; its text is Markdown, rendered and sanitised."""

    PUBLIC, PARTNERS = "public", "partners"
    DRAFT, PUBLISHED = "draft", "published"

    slug = models.SlugField(max_length=120, unique=True)
    category = models.ForeignKey(
        ArticleCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    language = models.CharField(max_length=8)
    translation_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="translations"
    )
    title = models.CharField(max_length=200)
    body = models.TextField()
    visibility = models.CharField(
        max_length=10, choices=[(PUBLIC, "Public"), (PARTNERS, "Partners only")]
    )
    state = models.CharField(max_length=10, choices=[(DRAFT, "Draft"), (PUBLISHED, "Published")])
    version = models.PositiveIntegerField(default=1)
    author = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    source_ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "language"], name="article_state_language")]

    def __str__(self) -> str:
        return self.title


class ArticleRevision(models.Model):
    """Every saved version of an article, kept: who changed what and when."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="revisions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    author = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "version"], name="one_revision_per_version")
        ]
        ordering = ["article_id", "-version"]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.version}"


class ArticleOpen(models.Model):
    """A reader opened an article; `suggested` when it came from the new-ticket form.

    A suggested open that no ticket followed is a deflection.
    """

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="opens")
    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.PROTECT, related_name="+"
    )
    suggested = models.BooleanField(default=False)
    opened_at = models.DateTimeField()
    ticket = models.ForeignKey(Ticket, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["suggested", "opened_at"], name="article_open_time")]

    def __str__(self) -> str:
        return f"{self.article_id} at {self.opened_at}"


# Status and maintenance -----------------------------------------------------------------------

SERVICE_STATES = [
    ("operational", _("Operational")),
    ("degraded", _("Degraded performance")),
    ("partial_outage", _("Partial outage")),
    ("major_outage", _("Major outage")),
    ("maintenance", _("Under maintenance")),
]
INCIDENT_STATES = [
    ("investigating", _("Investigating")),
    ("identified", _("Identified")),
    ("monitoring", _("Monitoring")),
    ("resolved", _("Resolved")),
]


class Service(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    state = models.CharField(max_length=20, choices=SERVICE_STATES, default="operational")
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Incident(models.Model):
    title = models.CharField(max_length=200)
    state = models.CharField(max_length=20, choices=INCIDENT_STATES)
    impact = models.CharField(max_length=20, choices=SERVICE_STATES)
    services = models.ManyToManyField(Service, related_name="incidents")
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["resolved_at", "started_at"], name="incident_current")]

    def __str__(self) -> str:
        return self.title


class IncidentUpdate(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="updates")
    at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=INCIDENT_STATES)
    message = models.TextField()
    author = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["incident_id", "-at", "-id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.state} at {self.at}"


class IncidentTicket(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="ticket_links")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="incident_links")
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "ticket"], name="one_link_per_incident")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} in {self.incident_id}"


class Maintenance(models.Model):
    """A planned maintenance window; `problems` lists the notice rules it breaks, if any."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    services = models.ManyToManyField(Service, related_name="maintenances")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    announced_at = models.DateTimeField()
    problems = models.JSONField(default=list)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["ends_at", "starts_at"], name="maintenance_window")]

    def __str__(self) -> str:
        return self.title


# Accounts and the desk ---------------------------------------------------------------------


class OrganisationDomain(models.Model):
    """An e-mail domain whose people may register themselves as users of the organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return self.domain


class SavedView(models.Model):
    """An agent's named queue filter (the query string of the desk's queue page)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_view_per_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketPresence(models.Model):
    """Who has a ticket open right now (refreshed by the page), for the collision notice."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="presence")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    editing = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="one_presence_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.ticket_id}"


# Administration ------------------------------------------------------------------------------


class Subscription(models.Model):
    """A product or service an end-customer account subscribes to (LuxCloud's subscription id)."""

    account = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="subscriptions"
    )
    reference = models.CharField(max_length=100)
    product = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "reference"], name="one_subscription_per_reference"
            )
        ]
        ordering = ["account_id", "reference"]

    def __str__(self) -> str:
        return f"{self.reference} ({self.product})"


class SupportTerms(models.Model):
    """How the provider asks a supplier for help, and what the supplier has promised (its OLA)."""

    EMAIL, PORTAL, PHONE = "email", "portal", "phone"
    METHODS = [(EMAIL, "E-mail"), (PORTAL, "Support portal"), (PHONE, "Telephone")]

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="support_terms"
    )
    method = models.CharField(max_length=10, choices=METHODS)
    contact = models.CharField(max_length=300, help_text="an address, a URL or a phone number")
    # Each of the profile's severity keys -> the supplier's own label for it.
    severity_map = models.JSONField(default=dict)
    ola_target = models.CharField(
        max_length=60, blank=True, help_text='e.g. "4h", "1 business day"'
    )
    calendar = models.CharField(max_length=40, blank=True)
    escalation_contacts = models.JSONField(default=list)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField()
    # The supplier's own desk (issue 18): whom to write to besides the request contact, their
    # severity scale, their response target beside the resolution target (`ola_target`), their
    # own calendar (zone, weekly hours, their country's holidays), how their subjects carry their
    # reference, and the words or statuses in their mails that say it is solved.
    contacts = models.JSONField(default=list, blank=True)
    severity_scale = models.JSONField(default=list, blank=True)
    response_target = models.CharField(max_length=60, blank=True, default="")
    time_zone = models.CharField(max_length=64, blank=True, default="")
    hours = models.CharField(
        max_length=200, blank=True, default="", help_text='e.g. "mon-fri 08:00-18:00" or "24x7"'
    )
    holiday_country = models.CharField(
        max_length=12, blank=True, default="", help_text='ISO code, e.g. "DE" or "US-CA"'
    )
    reference_pattern = models.CharField(max_length=200, blank=True, default="")
    solved_phrases = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"terms of {self.organisation_id}"


class AdminChange(models.Model):
    """One administrative change: who, when, what, before and after. Insert-only (a trigger
    refuses changes); never holds a secret or a password hash."""

    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    object_kind = models.CharField(max_length=20)
    object_id = models.CharField(max_length=40)
    object_label = models.CharField(max_length=200)
    # The partner organisation the object belongs to, so a partner admin's log can be scoped.
    organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.PROTECT, related_name="+"
    )
    verb = models.CharField(max_length=20)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["-at", "-id"], name="adminchange_at"),
            models.Index(fields=["object_kind", "-at"], name="adminchange_kind_at"),
            models.Index(fields=["actor", "-at"], name="adminchange_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_kind} {self.object_label}"


class IdempotencyKey(models.Model):
    """An API call made with an `Idempotency-Key` header, and its answer once it succeeded.

    One row per credential and key (`scope`: a digest of the presented token, or the session's
    user). While the first request runs the row has no status and a short `locked_until`; its
    answer is written in the same transaction as its change, so either both are kept or neither.
    Kept for `IDEMPOTENCY_KEEP_HOURS`; older rows are forgotten on read and by an hourly job.
    """

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    claim_token = models.CharField(max_length=32)
    locked_until = models.DateTimeField(null=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


class LiveSocket(models.Model):
    """An open WebSocket of a member of the provider's staff, for the chat's "first available
    agent": written when the socket opens, refreshed by its heartbeat, removed when it closes.
    A row not seen for a while (a process that died) no longer counts."""

    channel = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.user_id} on {self.channel}"


class Chat(models.Model):
    """A ticket opened from the portal's chat window. `live`: an engineer could answer then
    (within the chat's hours, one available); otherwise it is an ordinary ticket answered by
    e-mail. The messages are the ticket's public replies: the transcript is the record."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="chat")
    started_at = models.DateTimeField()
    live = models.BooleanField()

    def __str__(self) -> str:
        return f"chat {self.ticket_id}"


# Canned replies ------------------------------------------------------------------------------


class CannedReply(models.Model):
    """A canned reply (macro) of a profile: shared (no owner) or an agent's personal one; its
    text in one or more languages (`CannedReplyText`)."""

    profile = models.CharField(max_length=64)
    title = models.CharField(max_length=120)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="canned_replies"
    )
    # The state change it suggests beside Send, by status category: "", "waiting", "resolved".
    suggests = models.CharField(max_length=16, blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["profile", "is_active", "title"], name="canned_profile")]
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class CannedReplyText(models.Model):
    reply = models.ForeignKey(CannedReply, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=8)
    body = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reply", "language"], name="one_text_per_language")
        ]
        ordering = ["reply_id", "language"]

    def __str__(self) -> str:
        return f"{self.reply_id} {self.language}"


# Intake from other systems ---------------------------------------------------------------------


class MonitoringAlert(models.Model):
    """Which ticket an alert (by fingerprint, or its Alertmanager group) was opened as, per
    organisation; a later firing of the same alert is added to that ticket while it is open."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="monitoring_alerts")
    opened_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key", "ticket"], name="one_alert_row_per_ticket"
            )
        ]
        indexes = [models.Index(fields=["organisation", "key", "-id"], name="alert_by_key")]

    def __str__(self) -> str:
        return f"{self.key} -> {self.ticket_id}"


class MonitoringDelivery(models.Model):
    """One alert state received (fingerprint, startsAt and status): delivered again, it changes
    nothing. Unique per organisation, so exactly once is a property of the database."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=64)
    ticket = models.ForeignKey(Ticket, null=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="one_delivery_per_alert")
        ]

    def __str__(self) -> str:
        return f"{self.key} at {self.received_at}"


class InboundThread(models.Model):
    """A conversation relayed by a bridge (source and its own thread id, per organisation of the
    bridge's token) and the ticket it is."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=40)
    thread = models.CharField(max_length=200)
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="inbound_threads")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source", "thread"], name="one_ticket_per_thread"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.thread} -> {self.ticket_id}"


class RelayedMessage(models.Model):
    """A relayed message taken, by the source's own message id (per organisation of the bridge
    and source) and the event it became: the same message delivered again changes nothing."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=40)
    message = models.CharField(max_length=200)
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    opened = models.BooleanField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source", "message"], name="one_event_per_relayed_message"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.message} -> {self.ticket_id}#{self.seq}"


class Heartbeat(models.Model):
    """One running process of the desk (web, scheduler, worker, mail listener) and what it last
    did: written every few seconds by the process itself, read by `tierdesk status`, the
    readiness check and the metrics. Operational state, not part of any ticket's record."""

    WEB, SCHEDULER, WORKER, MAIL = "web", "scheduler", "worker", "mail"

    component = models.CharField(max_length=20)  # web, scheduler, worker, mail
    instance = models.CharField(max_length=200)  # host:pid, or the Celery worker's --hostname
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    # What it last did, e.g. {"sweep": {"at": ISO, "tickets": 3, "events": 4}}.
    did = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["component", "instance"], name="one_heartbeat_each")
        ]

    def __str__(self) -> str:
        return f"{self.component} {self.instance}"


class RateCount(models.Model):
    """One rate-limit counter (a door and what it counts by: an address or a token) in its
    current window, when the shared cache is the database: one atomic upsert per request and
    door (`tierdesk.config.throttle`). Operational state; rows of ended windows are deleted."""

    key = models.CharField(max_length=200, primary_key=True)
    window_end = models.BigIntegerField()  # Unix seconds at which the window closes
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["window_end"], name="ratecount_window_end")]

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.window_end}"


# The second factor's device lives in its own module; imported here so Django finds the model.
from tierdesk.persistence.second_factor import AuthenticatorDevice  # noqa: E402, F401
