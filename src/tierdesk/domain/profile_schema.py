"""The shape of a profile, declared: one model per table, unknown keys refused, types and bounds.

`validate` checks plain data (parsed TOML) against these models and returns every problem at
once with its dotted key path (`escalation.matrix[2].attempts`, lists counted from 1), in the
words `profile_parsing` uses for the rest. A key naming an entry of another table is checked by
a validator on the field, against the keys of `calendars`, `levels`, `severities`, `queues` and
the desk's channels passed as the validation context: `[routing]`, `[chat]`, `[status_page]`,
`[monitoring]`, `[inbound]`, `[notifications]`, `[emergency]`, `[closure]`, `[reporting]`,
`[email]` and `[suppliers]` are checked here whole, and every duration is parsed here. The other tables' references, opening
hours and holidays are still checked by `profile_parsing`, which builds the `Profile`.

Each field's description says what is expected there ("a calendar key", "true or false"); a
field without one is described by its type.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from tierdesk.domain.durations import DurationError, parse_duration
from tierdesk.domain.profiles import MONITORING_GROUPING, NOTIFICATION_ROLES
from tierdesk.domain.routing import RULES as ROUTING_RULES

__all__ = ["PATTERNS", "ProfileSpec", "shape_problems"]

PATTERNS = {
    "name": r"^[a-z][a-z0-9-]*$",
    "prefix": r"^[A-Z][A-Z0-9]{0,7}$",
    "language": r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$",
    "label": r"^[a-zA-Z_][a-zA-Z0-9_]*$",  # a Prometheus label name
}

DURATION = 'a duration such as "4h" or "2 business days"'
CALENDAR = "a calendar key"
LANGUAGE = "a language code such as 'en' or 'de'"
SHARES = "a list of shares between 0 and 1, e.g. [0.75, 0.9]"
LABEL_NAME = "a label name (letters, digits and _)"

Share = Annotated[float, Field(gt=0, lt=1)]

# Relayed messages have no ticket form: they open tickets on channels that need none.
INBOUND_CHANNELS = ("chat", "email", "monitoring")
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
SOURCE_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"


def _refused(message: str) -> PydanticCustomError:
    """A problem in the profile's own words (the message is passed as a value, not a template)."""
    return PydanticCustomError("profile", "{message}", {"message": message})


def _names(info: ValidationInfo, pool: str) -> Any:
    return (info.context or {}).get(pool)


def _defined(pool: str, what: str) -> AfterValidator:
    """A key that must name an entry of another table (`calendars`, `levels`, ...), when that
    table has entries at all (an empty or missing one is reported where it is)."""

    def check(value: str, info: ValidationInfo) -> str:
        known = _names(info, pool)
        if value and known and value not in known:
            raise _refused(f"{value!r} is not a {what} defined under {pool}")
        return value

    return AfterValidator(check)


def _one_of(choices: tuple[str, ...]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in choices:
            raise _refused(f"{value!r} is not one of {', '.join(choices)}")
        return value

    return AfterValidator(check)


def _desk_channel(value: str, info: ValidationInfo) -> str:
    if info.context is not None and value not in _names(info, "channels"):
        raise _refused(f"{value!r} is not one of this desk's channels")
    return value


def _inbound_channel(value: str, info: ValidationInfo) -> str:
    if value not in INBOUND_CHANNELS:
        raise _refused(f"{value!r} is not one of {', '.join(INBOUND_CHANNELS)}")
    if info.context is not None and value not in _names(info, "channels"):
        raise _refused(f"{value!r} is not a channel listed under tickets.channels")
    return value


def _matches(pattern: str, message: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise _refused(message)
        return value

    return AfterValidator(check)


def _duration(value: str) -> str:
    try:
        parse_duration(value)
    except DurationError as exc:
        raise _refused(str(exc)) from exc
    return value


def _some_text(value: str) -> str:
    if not value.strip():
        raise _refused(f"{value!r} is not text")
    return value


def _email(value: str) -> str:
    if not EMAIL_PATTERN.fullmatch(value):
        raise _refused(f"{value!r} is not an e-mail address")
    return value


def _target(value: str, info: ValidationInfo) -> str:
    if info.context is not None and value not in _names(info, "targets"):
        raise _refused(f"{value!r} is not a target of any severity")
    return value


def _roles(value: list[str]) -> list[str]:
    if any(role not in NOTIFICATION_ROLES for role in value):
        raise _refused(f"{value!r} is not a list of roles from " + ", ".join(NOTIFICATION_ROLES))
    return value


def _queue(value: str, info: ValidationInfo) -> str:
    if info.context is not None and value not in _names(info, "queues"):
        raise _refused(f"{value!r} is not a queue defined under queues")
    return value


def _address_key(value: str) -> str:
    if not EMAIL_PATTERN.fullmatch(value):
        raise _refused("is not an e-mail address")
    return value


def _shareable(value: str, info: ValidationInfo) -> str:
    if info.context is not None and value not in {"subject", "description"} | set(
        _names(info, "form_fields")
    ):
        raise _refused(f"{value!r} is not subject, description or a key under form.fields")
    return value


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DurationText = Annotated[str, AfterValidator(_duration), Field(description=DURATION)]
Text = Annotated[str, AfterValidator(_some_text)]
EmailAddress = Annotated[str, AfterValidator(_email)]
TargetKey = Annotated[str, AfterValidator(_target)]
Roles = Annotated[list[str], AfterValidator(_roles)]
CalendarKey = Annotated[str, _defined("calendars", "calendar")]
LevelKey = Annotated[str, _defined("levels", "level")]
SeverityKey = Annotated[str, _defined("severities", "severity")]
QueueKey = Annotated[str, _defined("queues", "queue")]
DeskChannel = Annotated[str, AfterValidator(_desk_channel)]
ServiceKey = Annotated[
    str, _matches(KEY_PATTERN, "is not a valid key; expected lower-case letters, digits and _")
]
ServiceName = Annotated[str, _matches(r"(?s).*\S.*", "is not a service name")]
SourceName = Annotated[
    str,
    _matches(SOURCE_PATTERN, "is not a source name; expected lower-case letters, digits, - and _"),
]
InboundChannel = Annotated[str, AfterValidator(_inbound_channel)]


class _Table(BaseModel):
    """A TOML table: no keys beyond the declared ones, no coercion (`"yes"` is not true)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class MetaSpec(_Table):
    name: str = Field(pattern=PATTERNS["name"], description="a lower-case name")
    version: str = Field(description="a version such as '1.2'")
    description: str = ""
    source: str = ""


class ProviderSpec(_Table):
    name: str
    ticket_prefix: str = Field(
        pattern=PATTERNS["prefix"],
        description="1 to 8 upper-case letters or digits, starting with a letter",
    )
    number_digits: int = Field(6, ge=3, le=12, description="a whole number from 3 to 12")


class HolidaysSpec(_Table):
    country: str = Field(description="an ISO country code such as 'LU'")
    subdivision: str | None = None


class CalendarSpec(_Table):
    timezone: str = Field(description="an IANA time zone such as 'Europe/Luxembourg'")
    always_open: bool = False
    hours: dict[str, list[str]] | None = Field(
        None, description="a table of days and opening hours such as ['08:00-17:00']"
    )
    holidays: HolidaysSpec | None = None
    # A date or a list of dates; TOML dates and "2026-12-24" text are both read by the parser.
    closed: Any = None
    open: dict[str, list[str]] | None = Field(
        None, description="a table of dates and opening hours such as ['08:00-17:00']"
    )
    working_day: DurationText | None = None
    description: str = ""


class LevelSpec(_Table):
    label: str
    staffed_by: Literal["provider", "supplier"] = Field(
        "provider", description="provider or supplier"
    )
    escalates_to: list[str] = []
    calendar: str | None = Field(None, description=CALENDAR)
    description: str = ""
    reads: list[str] | None = None
    works: list[str] | None = None


class TicketsSpec(_Table):
    initial_level: str = Field(description="a level key")
    default_severity: str = Field(description="a severity key")
    default_queue: str = Field(description="a queue key")
    channels: list[str] = []
    calendar: str = Field(description=CALENDAR)
    channel_levels: dict[str, str] = {}
    requester_authority: str | None = None


class SlaSpec(_Table):
    warn_at: list[Share] | None = Field(None, description=SHARES)
    notify: list[str] = []


class TargetSpec(_Table):
    within: DurationText
    kind: str | None = None
    label: str | None = None
    calendar: str | None = Field(None, description=CALENDAR)
    starts: Literal["opened", "next_working_day"] = Field(
        "opened", description="opened or next_working_day"
    )
    stops_on: list[str] = []
    warn_at: list[Share] | None = Field(None, description=SHARES)
    source: str = ""
    levels: list[str] = []


class SeveritySpec(_Table):
    label: str
    definition: str = ""
    examples: list[str] = []
    aliases: list[str] = []
    targets: dict[str, TargetSpec] = {}
    priority: int | None = Field(None, description="a whole number")


class StatusSpec(_Table):
    label: str
    category: str
    to: list[str] = []
    requester_to: list[str] = []
    pauses: list[str] = []
    description: str = ""


class QueueSpec(_Table):
    label: str


class LanguagesSpec(_Table):
    standard: str = Field(pattern=PATTERNS["language"], description=LANGUAGE)
    accepted: list[str] = []
    reply: str | None = Field(None, pattern=PATTERNS["language"], description=LANGUAGE)
    accepted_guaranteed: bool = False


class FormFieldSpec(_Table):
    label: str
    help: str = ""
    required: bool = False
    multiline: bool = False


class FormSpec(_Table):
    fields: dict[str, FormFieldSpec]
    missing: dict[str, Literal["ask", "flag"]] = Field({}, description="one of ask, flag")


class VoicemailFieldSpec(_Table):
    label: str
    help: str = ""
    required: bool = False


class VoicemailSpec(_Table):
    fields: dict[str, VoicemailFieldSpec]


class NotificationsSpec(_Table):
    opened: Roles | None = None
    updated: Roles | None = None
    closed: Roles | None = None


class EmergencySpec(_Table):
    keyword: Text
    case_sensitive: bool = True
    severity: Annotated[Text, _defined("severities", "severity")] = Field(
        description="a severity key"
    )
    calendar: CalendarKey | None = Field(None, description=CALENDAR)
    targets: list[TargetKey] = []
    level: LevelKey | None = None
    notify: list[EmailAddress] = []
    source: str = ""


class ClosureSpec(_Table):
    calendar: CalendarKey | None = Field(None, description=CALENDAR)
    confirmation_timeout: DurationText | None = None
    no_reply_timeout: DurationText | None = None
    close_resolved_after: DurationText | None = None
    resolved_message: str = ""
    thank_you_reopens: bool = False
    reply_reopens_resolved: bool = True
    follow_up_after_closed: bool = True
    source: str = ""


class EmailSpec(_Table):
    addresses: dict[
        Annotated[str, AfterValidator(_address_key)], Annotated[str, AfterValidator(_queue)]
    ] = {}
    unknown_sender: Literal["quarantine", "notice"] = Field(
        "quarantine", description="quarantine or notice"
    )
    registration_url: str = Field("", validate_default=True)

    @field_validator("registration_url")
    @classmethod
    def _needed_for_a_notice(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("unknown_sender") == "notice" and not value:
            raise _refused("is required when unknown senders get a notice")
        return value


class InvalidReasonSpec(_Table):
    label: str
    source: str = ""


class SuppliersSpec(_Table):
    method: str = "ticket system"
    target: DurationText | None = None
    calendar: CalendarKey | None = Field(None, description=CALENDAR)
    customer_clock_pauses: bool = False
    shared: list[Annotated[str, AfterValidator(_shareable)]] | None = None
    address: str | None = None
    source: str = ""

    @field_validator("address")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        address = (value or "").strip().lower()
        if address and not EMAIL_PATTERN.match(address):
            raise _refused(f"{address[:60]!r} is not an e-mail address")
        return value


class EscalationStepSpec(_Table):
    role: str
    contact: str = ""
    after: DurationText | None = None
    calendar: str | None = Field(None, description=CALENDAR)
    source: str = ""
    attempts: int = Field(0, ge=0, description="a count of contact attempts, e.g. 2")
    attempts_over: DurationText | None = None


class EscalationSpec(_Table):
    matrix: list[EscalationStepSpec] = Field(
        [], description="a list of steps ([[escalation.matrix]] tables)"
    )
    hours: str | None = Field(None, description=CALENDAR)


class ReportingSpec(_Table):
    performance_target: float = Field(gt=0, le=1, description="a share between 0 and 1, e.g. 0.9")
    severities: list[SeverityKey] = []
    targets: list[TargetKey] = []
    source: str = ""


class StatusPageSpec(_Table):
    services: dict[ServiceKey, ServiceName] = Field(
        {}, description="a table of service keys and names"
    )
    notice_severities: list[SeverityKey] = []
    maintenance_notice: DurationText | None = None
    notice_calendar: CalendarKey | None = Field(None, description=CALENDAR)
    maintenance_outside: CalendarKey | None = Field(None, description=CALENDAR)
    short_notice: Literal["flag", "refuse"] = Field("flag", description="one of flag, refuse")
    source: str = ""


class MonitoringSpec(_Table):
    group_by: Annotated[str, _one_of(MONITORING_GROUPING)] = "fingerprint"
    severity_label: str = Field("severity", pattern=PATTERNS["label"], description=LABEL_NAME)
    severities: dict[str, SeverityKey] = Field(
        {}, description="a table of label values and severities"
    )
    default_severity: SeverityKey = ""
    resolve_on_resolved: bool = False
    account_label: str = Field("account", pattern=PATTERNS["label"], description=LABEL_NAME)
    source: str = ""


class InboundSpec(_Table):
    sources: dict[SourceName, InboundChannel] = Field(
        min_length=1, description="a table of source names and channels"
    )
    source: str = ""


class ChatSpec(_Table):
    calendar: CalendarKey | None = Field(None, description=CALENDAR)
    level: LevelKey | None = None
    severity: SeverityKey | None = None
    queue: QueueKey | None = None


class ContingencyConditionSpec(_Table):
    outside: str | None = Field(None, description=CALENDAR)
    severities: list[str] = []
    accounts_at_least: int = Field(0, ge=0, le=1000, description="a whole number from 0 to 1000")
    target_expired: str | None = None


class ContingencySpec(_Table):
    label: str
    contact: str
    note: str = ""
    when: list[ContingencyConditionSpec] = Field(
        [], description="a list of conditions ([[contingency.<key>.when]] tables)"
    )
    source: str = ""


class RoutingSpec(_Table):
    rule: Annotated[str, _one_of(ROUTING_RULES)] = "round_robin"
    levels: list[LevelKey] = []
    channels: list[DeskChannel] = []
    source: str = ""

    @model_validator(mode="after")
    def _routes_something(self) -> RoutingSpec:
        if not self.levels and not self.channels:
            raise _refused("names no levels and no channels whose new tickets are routed")
        return self


class ProfileSpec(_Table):
    """A whole profile file."""

    profile: MetaSpec
    provider: ProviderSpec
    calendars: dict[str, CalendarSpec]
    levels: dict[str, LevelSpec]
    tickets: TicketsSpec
    sla: SlaSpec | None = None
    severities: dict[str, SeveritySpec]
    statuses: dict[str, StatusSpec]
    queues: dict[str, QueueSpec]
    languages: LanguagesSpec
    form: FormSpec | None = None
    voicemail: VoicemailSpec | None = None
    notifications: NotificationsSpec | None = None
    emergency: EmergencySpec | None = None
    closure: ClosureSpec | None = None
    email: EmailSpec | None = None
    invalid_reasons: dict[str, InvalidReasonSpec] | None = None
    suppliers: SuppliersSpec | None = None
    escalation: EscalationSpec | None = None
    reporting: ReportingSpec | None = None
    status_page: StatusPageSpec | None = None
    monitoring: MonitoringSpec | None = None
    inbound: InboundSpec | None = None
    chat: ChatSpec | None = None
    contingency: dict[str, ContingencySpec] | None = None
    routing: RoutingSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty_tables_are_absent(cls, data: Any) -> Any:
        """An empty optional table (`[closure]` with nothing under it) is as if not written."""
        if not isinstance(data, Mapping):
            return data
        optional = {name for name, info in cls.model_fields.items() if not info.is_required()}
        return {
            key: value
            for key, value in data.items()
            if not (key in optional and isinstance(value, Mapping) and not value)
        }


# ---------------------------------------------------------------------------------------------
# pydantic's errors in the profile's words


def shape_problems(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every way `data` departs from the declared shape, as (key path, message), in file order."""
    return validate(data)[1]


def validate(data: Mapping[str, Any]) -> tuple[ProfileSpec | None, list[tuple[str, str]]]:
    """The validated profile, or None and every problem (key path, message) in file order.

    The keys of the other tables a key may name (calendars, levels, severities, queues, the
    desk's channels) are read from `data` first and handed to the validators as their context,
    so a reference is checked where it is written whatever else is wrong."""
    try:
        return ProfileSpec.model_validate(dict(data), context=_context(data)), []
    except ValidationError as exc:
        problems: list[tuple[str, str]] = []
        for error in exc.errors():
            problem = _problem(data, error)
            if problem not in problems:
                problems.append(problem)
        return None, problems


def _context(data: Mapping[str, Any]) -> dict[str, Any]:
    def keys(value: Any) -> frozenset[str]:
        return frozenset(value) if isinstance(value, Mapping) else frozenset()

    severities = data.get("severities")
    form = data.get("form")
    tickets = data.get("tickets")
    channels = tickets.get("channels") if isinstance(tickets, Mapping) else None
    valid = isinstance(channels, list) and all(isinstance(c, str) for c in channels)
    return {
        "calendars": keys(data.get("calendars")),
        "levels": keys(data.get("levels")),
        "severities": keys(data.get("severities")),
        "queues": keys(data.get("queues")),
        "channels": tuple(channels) if valid and channels else (),
        "form_fields": keys(form.get("fields")) if isinstance(form, Mapping) else frozenset(),
        "targets": frozenset(
            target
            for severity in (severities.values() if isinstance(severities, Mapping) else ())
            if isinstance(severity, Mapping)
            for target in keys(severity.get("targets"))
        ),
    }


def _problem(data: Mapping[str, Any], error: Any) -> tuple[str, str]:
    # A dict's key is checked under the extra step "[key]": the problem is the key's own.
    loc: tuple[int | str, ...] = tuple(p for p in error["loc"] if p != "[key]")
    kind: str = error["type"]
    value = error.get("input")
    # A bad item of a list of plain values is reported on the list, naming the whole list, as
    # a list of text is one value in a profile; an item of a list of tables keeps its number.
    if loc and isinstance(loc[-1], int):
        loc = loc[:-1]
        value = _value_at(data, loc)
    path = key_path(loc)
    if kind == "profile":
        return path, str(error["msg"])
    if kind == "extra_forbidden":
        known = ", ".join(_model_at(loc[:-1]).model_fields)
        return path, f"is not a known key; expected one of {known}"
    expected = _expected(loc)
    if kind == "missing":
        return path, f"is missing; expected {expected}"
    return path, f"{value!r} is not {expected}"


def key_path(loc: tuple[int | str, ...]) -> str:
    """`("escalation", "matrix", 1, "role")` as `escalation.matrix[2].role`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part + 1}]"
        else:
            name = f'"{part}"' if "." in part else part
            path = f"{path}.{name}" if path else name
    return path


def _value_at(data: Any, loc: tuple[int | str, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _step(annotation: Any, part: int | str) -> tuple[Any, str]:
    """The type one step further along a key path, and what the step's field expects."""
    annotation = _plain(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        info = annotation.model_fields.get(str(part))
        if info is None:
            return Any, ""
        return info.annotation, info.description or ""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is dict and len(args) == 2:
        return args[1], ""
    if typing.get_origin(annotation) is list and args:
        return args[0], ""
    return Any, ""


def _plain(annotation: Any) -> Any:
    """`X | None` and `Annotated[X, ...]` as X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            others = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = others[0] if len(others) == 1 else Any
        else:
            return annotation


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel]:
    annotation: Any = ProfileSpec
    for part in loc:
        annotation, _ = _step(annotation, part)
    found = _plain(annotation)
    return found if isinstance(found, type) and issubclass(found, BaseModel) else ProfileSpec


def _expected(loc: tuple[int | str, ...]) -> str:
    annotation: Any = ProfileSpec
    described = ""
    for part in loc:
        annotation, described = _step(annotation, part)
    return described or _describe(annotation)


def _describe(annotation: Any) -> str:
    annotation = _plain(annotation)
    origin = typing.get_origin(annotation)
    if origin is dict or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return "a table"
    if origin is list:
        item = _describe(typing.get_args(annotation)[0])
        return "a list of tables" if item == "a table" else "a list of text"
    if origin is Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(annotation))
    return {str: "text", bool: "true or false", int: "a whole number", float: "a number"}.get(
        annotation, "a value"
    )
