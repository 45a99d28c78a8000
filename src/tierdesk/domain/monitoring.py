"""Alerts from a monitoring system (Prometheus Alertmanager's webhook, version 4) in the desk's
terms: which alerts a delivery carries, each one's ticket key (its fingerprint, or its
Alertmanager group where the profile says), its severity from the profile's label mapping, and
the key that makes a second delivery of the same alert change nothing.

Everything an alert carries is text from another system: labels and annotations are cleaned
(`domain/sanitise.py`) and a generator URL is kept as a link only when it is plain http(s)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tierdesk.domain.errors import Invalid
from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import MonitoringRules, Profile
from tierdesk.domain.sanitise import clean_text, safe_link
from tierdesk.domain.ticket import SUBJECT_MAX, Change, TicketState
from tierdesk.domain.words import N_

FIRING, RESOLVED = "firing", "resolved"
STATUSES = (FIRING, RESOLVED)
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
FINGERPRINT = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MAX_ALERTS = 500
MAX_PAIRS = 64  # labels or annotations per alert
VALUE_MAX = 2000  # characters of one label or annotation value
GROUP_KEY_MAX = 2000
REASON = "alert_resolved"  # why a resolved alert resolved its ticket


@dataclass(frozen=True)
class Alert:
    status: str
    name: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: datetime
    ends_at: datetime | None
    generator_url: str  # "" unless an http(s) address
    fingerprint: str
    key: str  # the ticket this alert belongs to: its fingerprint or its group
    delivery: str  # fingerprint + startsAt + status: the same alert delivered again

    def account(self, rules: MonitoringRules) -> str:
        return self.labels.get(rules.account_label, "")


@dataclass(frozen=True)
class Delivery:
    status: str
    group_key: str
    alerts: tuple[Alert, ...]


def _pairs(raw: object, where: str, fields: dict[str, str]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        fields[where] = N_("must be an object of names and text")
        return {}
    if len(raw) > MAX_PAIRS:
        fields[where] = N_(
            "has %(len)s entries; at most %(MAX_PAIRS)s are taken",
            len=len(raw),
            MAX_PAIRS=MAX_PAIRS,
        )
        return {}
    out: dict[str, str] = {}
    for name, value in raw.items():
        if not isinstance(name, str) or not LABEL_NAME.fullmatch(name):
            fields[f"{where}.{str(name)[:40]}"] = N_("is not a label name (letters, digits and _)")
        elif not isinstance(value, str):
            fields[f"{where}.{name}"] = N_("must be text")
        else:
            out[name] = clean_text(value, limit=VALUE_MAX)
    return dict(sorted(out.items()))


def _instant(raw: object, where: str, fields: dict[str, str], *, required: bool) -> datetime | None:
    if raw is None or raw == "":
        if required:
            fields[where] = N_("is required: an RFC 3339 instant")
        return None
    if isinstance(raw, str):
        try:
            raw = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            fields[where] = N_("is not an RFC 3339 instant")
            return None
    if not isinstance(raw, datetime) or raw.tzinfo is None:
        fields[where] = N_("is not an RFC 3339 instant with its offset")
        return None
    if raw.year <= 1:
        return None  # Alertmanager's "zero time": not set
    return raw.astimezone(UTC)


def fingerprint_of(labels: Mapping[str, str]) -> str:
    """A stable fingerprint from the label set, for senders that do not send Alertmanager's."""
    text = "\x1f".join(f"{k}\x1e{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read(rules: MonitoringRules, payload: Mapping[str, Any]) -> Delivery:
    """The alerts of one webhook delivery, or Invalid naming every field that is wrong."""
    fields: dict[str, str] = {}
    if str(payload.get("version", "")) != "4":
        fields["version"] = N_('must be "4", the Alertmanager webhook version this desk reads')
    status = payload.get("status")
    if status not in STATUSES:
        fields["status"] = N_("must be one of %(value)s", value=", ".join(STATUSES))
    group_key = payload.get("groupKey")
    if not isinstance(group_key, str) or not group_key.strip():
        fields["groupKey"] = N_("is required")
        group_key = ""
    elif len(group_key) > GROUP_KEY_MAX or "\x00" in group_key:
        fields["groupKey"] = N_(
            "must be text of at most %(GROUP_KEY_MAX)s characters", GROUP_KEY_MAX=GROUP_KEY_MAX
        )
    raw_alerts = payload.get("alerts")
    alerts: list[Alert] = []
    if not isinstance(raw_alerts, Sequence) or isinstance(raw_alerts, str) or not raw_alerts:
        fields["alerts"] = N_("must list at least one alert")
        raw_alerts = []
    elif len(raw_alerts) > MAX_ALERTS:
        fields["alerts"] = N_(
            "lists %(len)s alerts; at most %(MAX_ALERTS)s are taken at once",
            len=len(raw_alerts),
            MAX_ALERTS=MAX_ALERTS,
        )
        raw_alerts = []
    group = "group:" + hashlib.sha256(str(group_key).encode()).hexdigest()[:40]
    for i, raw in enumerate(raw_alerts):
        where = f"alerts.{i}"
        if not isinstance(raw, Mapping):
            fields[where] = N_("must be an object")
            continue
        before = len(fields)
        alert_status = raw.get("status") or status  # older senders give only the group's
        if alert_status not in STATUSES:
            fields[f"{where}.status"] = N_("must be one of %(value)s", value=", ".join(STATUSES))
        labels = _pairs(raw.get("labels"), f"{where}.labels", fields)
        if raw.get("labels") is None:
            fields[f"{where}.labels"] = N_("is required")
        annotations = _pairs(raw.get("annotations"), f"{where}.annotations", fields)
        starts = _instant(raw.get("startsAt"), f"{where}.startsAt", fields, required=True)
        ends = _instant(raw.get("endsAt"), f"{where}.endsAt", fields, required=False)
        given = raw.get("fingerprint") or ""
        if not isinstance(given, str) or (given and not FINGERPRINT.fullmatch(given)):
            fields[f"{where}.fingerprint"] = N_("is not a fingerprint (letters, digits, . _ : -)")
        url = raw.get("generatorURL") or ""
        if not isinstance(url, str):
            fields[f"{where}.generatorURL"] = N_("must be text")
            url = ""
        if len(fields) > before or starts is None:
            if starts is None and f"{where}.startsAt" not in fields:
                fields[f"{where}.startsAt"] = N_("is required: an RFC 3339 instant")
            continue
        fingerprint = str(given) or fingerprint_of(labels)
        name = labels.get("alertname") or fingerprint
        key = group if rules.group_by == "group" else f"fp:{fingerprint}"
        delivery = hashlib.sha256(
            f"{fingerprint}|{starts.isoformat()}|{alert_status}".encode()
        ).hexdigest()
        alerts.append(
            Alert(
                status=str(alert_status),
                name=clean_text(name, limit=200, single_line=True),
                labels=labels,
                annotations=annotations,
                starts_at=starts,
                ends_at=ends,
                generator_url=safe_link(url),
                fingerprint=fingerprint,
                key=key,
                delivery=delivery,
            )
        )
    if fields:
        raise Invalid(N_("the alert delivery has invalid fields"), fields=fields)
    return Delivery(status=str(status), group_key=str(group_key), alerts=tuple(alerts))


def severity(profile: Profile, rules: MonitoringRules, alert: Alert) -> str:
    """The profile's severity for the alert's label value; the monitoring default otherwise."""
    value = alert.labels.get(rules.severity_label, "")
    mapped = rules.severities.get(value) or rules.severities.get(value.casefold())
    return mapped or rules.default_severity or profile.default_severity


def subject(alert: Alert) -> str:
    """One line: the alert's summary, else its name and where it fires."""
    summary = alert.annotations.get("summary", "")
    where = alert.labels.get("instance", "")
    text = summary or (f"{alert.name} on {where}" if where else alert.name)
    return clean_text(f"Alert: {text}", limit=SUBJECT_MAX, single_line=True)


def description(alert: Alert) -> str:
    """What the alert says, then its labels, one per line."""
    parts = [alert.annotations.get("description", "") or alert.annotations.get("summary", "")]
    labels = "\n".join(f"{k}: {v}" for k, v in alert.labels.items())
    if labels:
        parts.append(labels)
    return "\n\n".join(p for p in parts if p)


def change(alert: Alert, *, group_key: str) -> Change:
    """The event that records the alert on its ticket: firing or resolved, with what it carries.
    Internal: it is the monitoring's detail for the desk, not a message to the partner."""
    data: dict[str, Any] = {
        "alert": alert.name,
        "status": alert.status,
        "fingerprint": alert.fingerprint,
        "starts_at": alert.starts_at.isoformat(),
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
    }
    if alert.ends_at is not None:
        data["ends_at"] = alert.ends_at.isoformat()
    if alert.generator_url:
        data["generator_url"] = alert.generator_url
    if group_key:
        data["group_key"] = clean_text(group_key, limit=500, single_line=True)
    kind = EventKind.ALERT_FIRING if alert.status == FIRING else EventKind.ALERT_RESOLVED
    return Change(kind, data, public=False)


def resolution(profile: Profile, state: TicketState) -> Change | None:
    """The status change a resolved alert makes where the profile says so: to a resolved status
    the ticket's current status may move to, or None when there is none (or it is resolved)."""
    current = profile.statuses.get(state.status)
    if current is None or not current.is_open:
        return None
    target = next(
        (
            k
            for k in current.to
            if k in profile.statuses and profile.statuses[k].category == "resolved"
        ),
        None,
    )
    if target is None:
        return None
    return Change(
        EventKind.STATUS_CHANGED,
        {"from": state.status, "to": target, "reason": REASON},
        public=True,
    )
