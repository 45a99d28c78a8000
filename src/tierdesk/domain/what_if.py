"""What-if: a ticket's record replayed under another profile, and the compliance it would have had.

A record written under one profile names that profile's severities, statuses and levels. To
replay it under another, each name is translated: kept when the other profile knows it, else
matched by label or alias, else by rank (the n-th severity becomes the other's n-th) or by
category (a status becomes the other's first status of the same category).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tierdesk.domain import sla
from tierdesk.domain.events import EventKind
from tierdesk.domain.profiles import Profile
from tierdesk.domain.target_policies import SUPPLIER_KINDS

MET, BREACHED, PENDING = "met", "breached", "pending"


@dataclass(frozen=True)
class Translation:
    severities: Mapping[str, str]
    statuses: Mapping[str, str]
    levels: Mapping[str, str]

    def severity(self, key: str) -> str:
        return self.severities.get(key, key)

    def status(self, key: str) -> str:
        return self.statuses.get(key, key)

    def level(self, key: str) -> str:
        return self.levels.get(key, key)


def translation(source: Profile, other: Profile) -> Translation:
    ranked = list(other.severities)
    severities = {}
    for rank, (key, spec) in enumerate(source.severities.items()):
        if key in other.severities:
            severities[key] = key
            continue
        by_name = other.severity_key(spec.label) or next(
            (found for a in spec.aliases if (found := other.severity_key(a))), None
        )
        severities[key] = by_name or ranked[min(rank, len(ranked) - 1)]
    statuses = {}
    for key, status in source.statuses.items():
        if key in other.statuses:
            statuses[key] = key
        else:
            statuses[key] = next(
                (k for k, s in other.statuses.items() if s.category == status.category),
                other.initial_status,
            )
    levels = {key: key if key in other.levels else other.initial_level for key in source.levels}
    return Translation(severities, statuses, levels)


def _moved(
    data: Mapping[str, Any], name: Callable[[str], str], keys: tuple[str, ...]
) -> dict[str, Any]:
    out = dict(data)
    for k in keys:
        if isinstance(out.get(k), str):
            out[k] = name(out[k])
    return out


def translate(events: Sequence[sla.ClockEvent], t: Translation) -> list[sla.ClockEvent]:
    """The record as the other profile would name it; instants and order are unchanged."""
    out = []
    for e in events:
        data = e.data
        if e.kind == EventKind.CREATED:
            data = {
                **data,
                "severity": t.severity(str(data["severity"])),
                "status": t.status(str(data["status"])),
                "level": t.level(str(data["level"])),
            }
        elif e.kind == EventKind.SEVERITY_CHANGED:
            data = _moved(data, t.severity, ("from", "to"))
        elif e.kind == EventKind.STATUS_CHANGED:
            data = _moved(data, t.status, ("from", "to"))
        elif e.kind == EventKind.LEVEL_CHANGED:
            data = _moved(data, t.level, ("from", "to"))
        out.append(replace(e, data=data) if data is not e.data else e)
    return out


def outcome(clock: sla.TargetClock) -> str | None:
    """How a target ended: met, breached, still pending; None when nothing was guaranteed."""
    if clock.state == "not_guaranteed":
        return None
    if clock.breached_at is not None or clock.state == "breached":
        return BREACHED
    if clock.state == "met":
        return MET
    return PENDING


@dataclass
class Tally:
    """Outcomes per (severity, target): how many met, breached and still pending."""

    counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    tickets: int = 0

    def add(self, state: sla.ClockState) -> None:
        self.tickets += 1
        for clock in state.targets:
            if clock.key in SUPPLIER_KINDS:
                continue
            result = outcome(clock)
            if result is None:
                continue
            row = self.counts.setdefault(
                (state.severity, clock.key), {MET: 0, BREACHED: 0, PENDING: 0}
            )
            row[result] += 1

    def merge(self, other: Tally) -> None:
        self.tickets += other.tickets
        for key, row in other.counts.items():
            mine = self.counts.setdefault(key, {MET: 0, BREACHED: 0, PENDING: 0})
            for k, v in row.items():
                mine[k] += v

    def share_met(self, severity: str, target: str) -> float | None:
        row = self.counts.get((severity, target))
        if not row or not row[MET] + row[BREACHED]:
            return None
        return row[MET] / (row[MET] + row[BREACHED])


def replay(
    records: Iterable[Sequence[sla.ClockEvent]],
    current: Profile,
    other: Profile,
    now: datetime,
) -> tuple[Tally, Tally]:
    """Each record's outcomes under the current profile and, translated, under the other."""
    t = translation(current, other)
    mine, theirs = Tally(), Tally()
    for events in records:
        mine.add(sla.clocks(current, events, now))
        theirs.add(sla.clocks(other, translate(events, t), now))
    return mine, theirs
