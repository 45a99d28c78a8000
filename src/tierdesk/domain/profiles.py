"""The support-process profile as typed, frozen values.

A profile arrives as the nested dicts a TOML file parses to; `tierdesk.domain.profile_parsing`
checks every key and builds these values, reporting every problem at once with its key path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from tierdesk.domain.calendars import Calendar
from tierdesk.domain.contingency import ContingencyRoute
from tierdesk.domain.durations import Duration
from tierdesk.domain.parties import OrganisationKind
from tierdesk.domain.routing import RoutingRules

STATUS_CATEGORIES = ("new", "open", "waiting", "on_hold", "resolved", "closed")
CHANNELS = ("portal", "email", "phone", "api", "chat", "monitoring")
TARGET_KINDS = ("response", "update", "resolution", "milestone", "progress")
STANDARD_TARGETS = {"first_response": "response", "update": "update", "resolution": "resolution"}
TARGET_STARTS = ("opened", "next_working_day")
MILESTONE_STOPS = ("reply", "note", "level_change", "resolved")


class ProfileError(Exception):
    """A profile that cannot be used; `problems` lists every error with its key path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class Level:
    key: str
    label: str
    staffed_by: OrganisationKind
    escalates_to: tuple[str, ...]
    calendar: str
    # Which levels' tickets this level's agents may read and work (None: every level's). An agent
    # also reads and works what is assigned to them; queues are still shown by level.
    reads: tuple[str, ...] | None = None
    works: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Target:
    """One SLA target of a severity: how long, on which calendar, when its clock starts and stops."""

    key: str
    kind: str  # response | update | resolution | milestone | progress
    label: str
    within: Duration
    calendar: str
    starts: str  # opened | next_working_day
    stops_on: tuple[str, ...]  # milestone only
    warn_at: tuple[float, ...]
    source: str  # the sentence of the process this target comes from
    levels: tuple[str, ...] = ()  # progress only: the levels that report while they work


@dataclass(frozen=True)
class Severity:
    key: str
    label: str
    definition: str
    examples: tuple[str, ...]
    aliases: tuple[str, ...]
    targets: Mapping[str, Target] = field(default_factory=dict)


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    category: str
    to: tuple[str, ...]
    requester_to: tuple[str, ...]
    pauses: tuple[str, ...] = ()  # target keys whose clocks stand still in this status

    @property
    def is_open(self) -> bool:
        return self.category not in ("resolved", "closed")


@dataclass(frozen=True)
class Queue:
    key: str
    label: str


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    help: str
    required: bool
    multiline: bool


@dataclass(frozen=True)
class NotificationRules:
    """Who gets the confirmation of a ticket's opening, of an update and of its closure
    (LuxCloud 2.4.1-2.4.3), by role: requester, technicians (the assignee, else the agents of
    the ticket's level), assignee, level."""

    opened: tuple[str, ...] = ("requester", "level")
    updated: tuple[str, ...] = ("requester",)
    closed: tuple[str, ...] = ("requester",)


NOTIFICATION_ROLES = ("requester", "technicians", "assignee", "level")


@dataclass(frozen=True)
class Languages:
    standard: str
    accepted: tuple[str, ...]
    reply: str
    accepted_guaranteed: bool = False

    def all(self) -> tuple[str, ...]:
        return (self.standard, *self.accepted)


@dataclass(frozen=True)
class EmergencyRule:
    keyword: str
    case_sensitive: bool
    severity: str
    calendar: str | None
    level: str | None
    notify: tuple[str, ...] = ()  # on-call addresses told at once
    # The targets that run on `calendar`; the others keep their own (LuxCloud: the NOC's 1 hour
    # response is real time, the "1 business day" resolution counts business days). Empty: all.
    targets: tuple[str, ...] = ()

    def calendar_for(self, target: str) -> str | None:
        return self.calendar if not self.targets or target in self.targets else None


@dataclass(frozen=True)
class ClosureRules:
    calendar: str
    confirmation_timeout: Duration | None  # no reply after "please confirm": resolved
    no_reply_timeout: Duration | None  # no reply to a question: resolved
    close_resolved_after: Duration | None  # resolved becomes closed
    resolved_message: str
    thank_you_reopens: bool
    reply_reopens_resolved: bool
    follow_up_after_closed: bool


@dataclass(frozen=True)
class InvalidReason:
    key: str
    label: str


@dataclass(frozen=True)
class SupplierDefaults:
    method: str
    target: Duration | None
    calendar: str
    customer_clock_pauses: bool
    # What a supplier's contacts see of a ticket besides the hand-off note: "subject",
    # "description" and form field keys.
    shared: tuple[str, ...] = ("subject",)
    # The desk's supplier-facing address: hand-offs and chases by e-mail leave from it, and the
    # suppliers' answers come back to it. Empty: the desk's own sender address.
    address: str = ""


@dataclass(frozen=True)
class EscalationStep:
    step: int
    role: str
    contact: str
    after: Duration | None  # how long the previous step must have had
    calendar: str
    # Zynstra "unable to contact ... on more than one occasion": this many contact attempts on
    # the previous step also open this one (0: attempts do not count), once `attempts_over` has
    # passed since the first of them (None: at once).
    attempts: int = 0
    attempts_over: Duration | None = None


@dataclass(frozen=True)
class PerformanceTarget:
    share: float  # e.g. 0.9 for "more than 90 %"
    severities: tuple[str, ...]
    targets: tuple[str, ...]


@dataclass(frozen=True)
class ChatRules:
    """The portal's chat window (`[chat]`): the calendar of its opening hours and what a chat's
    ticket starts with. Outside those hours, or with no engineer of `level` available, the
    window says so and the message becomes an ordinary ticket answered by e-mail."""

    calendar: str
    level: str | None = None  # the level whose engineers answer chats (default: intake routing)
    severity: str | None = None  # the severity a chat's ticket opens with (default: the profile's)
    queue: str | None = None


@dataclass(frozen=True)
class StatusPageRules:
    """The services a status page shows and the rules for announcing maintenance."""

    services: Mapping[str, str]  # key -> label
    notice_severities: tuple[
        str, ...
    ]  # the new-ticket form shows notices for these (LuxCloud 2.4.1)
    maintenance_notice: Duration | None  # the least notice a maintenance window must be given
    notice_calendar: str  # the calendar that notice is counted on
    maintenance_outside: str | None  # a calendar whose opening hours maintenance must avoid
    short_notice: str  # "flag" or "refuse" a window announced too late or inside those hours


@dataclass(frozen=True)
class MonitoringRules:
    """How alerts from a monitoring system (Prometheus Alertmanager) become tickets: one ticket
    per alert (`fingerprint`) or per Alertmanager group (`group`), its severity read from a
    label, and whether a resolved alert resolves its ticket (Zynstra's Monitoring Console)."""

    group_by: str  # fingerprint | group
    severity_label: str
    severities: Mapping[str, str]  # the label's value -> a severity key of the profile
    default_severity: str
    resolve_on_resolved: bool
    account_label: str  # the label naming the end-customer account (its slug or reference)


MONITORING_GROUPING = ("fingerprint", "group")


@dataclass(frozen=True)
class InboundRules:
    """Messages relayed by a bridge (a chat, a social network's direct messages): which sources
    the desk takes and the channel each source's tickets are opened on."""

    sources: Mapping[str, str]  # source name -> channel


@dataclass(frozen=True)
class Profile:
    name: str
    version: str
    digest: str
    description: str
    provider_name: str
    ticket_prefix: str
    number_digits: int
    calendars: Mapping[str, Calendar]
    default_calendar: str
    levels: Mapping[str, Level]
    initial_level: str
    severities: Mapping[str, Severity]
    default_severity: str
    statuses: Mapping[str, Status]
    initial_status: str
    queues: Mapping[str, Queue]
    default_queue: str
    channels: tuple[str, ...]
    languages: Languages
    form: tuple[FormField, ...]
    emergency: EmergencyRule | None = None
    closure: ClosureRules | None = None
    email_queues: Mapping[str, str] = field(default_factory=dict)
    invalid_reasons: Mapping[str, InvalidReason] = field(default_factory=dict)
    suppliers: SupplierDefaults | None = None
    escalation_matrix: tuple[EscalationStep, ...] = ()
    escalation_hours: str | None = None  # calendar of the named contacts; outside it, step 1 relays
    sla_notify: tuple[str, ...] = ()  # also told of every SLA warning and breach
    unknown_sender: str = "quarantine"  # or "notice": a polite answer with the registration link
    registration_url: str = ""
    channel_levels: Mapping[str, str] = field(default_factory=dict)  # e.g. monitoring -> l3
    # Zynstra first level: a requester not on the end-customer account's list of authorised
    # requesters is "flag"ged for the desk to validate, or "reject"ed (no_authority); None: no check.
    requester_authority: str | None = None
    performance: PerformanceTarget | None = None
    status_page: StatusPageRules | None = None
    # What a voice message must carry (LuxCloud 2.7); empty: a voicemail is logged like a call.
    voicemail: tuple[FormField, ...] = ()
    notifications: NotificationRules = NotificationRules()
    # Per channel without a form (e-mail, chat): what a report lacking the form's required
    # fields gets: "ask" (opened, and an automatic question lists what is missing) or "flag".
    form_missing: Mapping[str, str] = field(default_factory=dict)
    monitoring: MonitoringRules | None = None  # none: the desk takes no monitoring alerts
    inbound: InboundRules | None = None  # none: the desk takes no relayed messages
    chat: ChatRules | None = None  # no `[chat]`: the portal offers no chat window
    # Other ways to reach the provider while a condition holds (CloudCTI 4, LuxCloud 2.8).
    contingency: Mapping[str, ContingencyRoute] = field(default_factory=dict)
    # New tickets of these levels or channels go to an available agent of their level.
    routing: RoutingRules | None = None

    def status(self, key: str) -> Status:
        return self.statuses[key]

    def severity_key(self, given: str) -> str | None:
        """The severity a requester meant: its key, its label or one of its aliases."""
        wanted = given.strip().casefold()
        for severity in self.severities.values():
            names = (severity.key, severity.label, *severity.aliases)
            if wanted in (name.casefold() for name in names):
                return severity.key
        return None

    def severity_in_subject(self, subject: str) -> tuple[str, str] | None:
        """The severity an e-mail's subject names, and the words that named it: an alias
        anywhere as a whole word ("SEV2", "P1", "Priority 1"), or a label set off at the start
        or in brackets ("Urgent: ...", "[Critical] ..."). Bare numbers never count, and the
        most severe match wins."""
        folded = subject.casefold()
        for severity in self.severities.values():  # in order, most severe first
            for alias in severity.aliases:
                if alias.strip().isdigit() or not alias.strip():
                    continue
                if re.search(rf"(?<!\w){re.escape(alias.casefold())}(?!\w)", folded):
                    return severity.key, alias
            label = re.escape(severity.label.casefold())
            if re.search(rf"^\s*{label}\s*[:\-!]|[\[(]\s*{label}\s*[\])]", folded):
                return severity.key, severity.label
        return None

    def format_number(self, sequence: int) -> str:
        return f"{self.ticket_prefix}-{sequence:0{self.number_digits}d}"

    def is_emergency(self, subject: str) -> bool:
        rule = self.emergency
        if rule is None:
            return False
        if rule.case_sensitive:
            return rule.keyword in subject
        return rule.keyword.casefold() in subject.casefold()
