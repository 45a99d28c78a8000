"""Contingency routes: another way to reach the provider while a condition holds.

Seeds: CloudCTI 4 ("The contingency number can be called outside office hours and when several
of the Customer's endcustomers experience a priority 1 failure or there is a failure for which
the MTTR has expired"); LuxCloud 2.8 and 3.5 (the 24x7 Emergency Hotline outside the desk's
opening hours, only for level 1 (HIGH) interruptions).

A profile names each route under `[contingency.<key>]` with the conditions under which it is
offered; a route is in force when any one of its conditions holds, and a condition holds when
every part it names holds. This module decides; the queries gather the facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tierdesk.domain.calendars import Calendar


@dataclass(frozen=True)
class ContingencyCondition:
    outside: str | None = None  # a calendar key: holds while that calendar is closed
    severities: tuple[str, ...] = ()  # the ticket's severity is one of these (empty: any)
    # Holds when at least this many end-customer accounts of the ticket's partner have an open
    # ticket of `severities` (0: not asked).
    accounts_at_least: int = 0
    target_expired: str | None = None  # a target kind (e.g. resolution) whose due has passed


@dataclass(frozen=True)
class ContingencyRoute:
    key: str
    label: str
    contact: str
    conditions: tuple[ContingencyCondition, ...]
    note: str = ""  # what to say or do on that route, in the profile's words


@dataclass(frozen=True)
class Situation:
    """What the routes look at, for one open ticket at one instant."""

    severity: str
    is_open: bool
    expired: frozenset[str]  # target kinds whose due instant has passed unmet
    # The partner's end-customer accounts with an open ticket, by severity.
    accounts_by_severity: Mapping[str, frozenset[int]]


@dataclass(frozen=True)
class RouteInForce:
    route: ContingencyRoute
    because: tuple[str, ...]  # the parts of the condition that held, as reason codes


def _holds(
    condition: ContingencyCondition,
    situation: Situation,
    at: datetime,
    calendars: Mapping[str, Calendar],
) -> tuple[str, ...] | None:
    reasons: list[str] = []
    if condition.severities and situation.severity not in condition.severities:
        return None
    if condition.outside is not None:
        if calendars[condition.outside].is_open(at):
            return None
        reasons.append(f"outside:{condition.outside}")
    if condition.accounts_at_least:
        wanted = condition.severities or tuple(situation.accounts_by_severity)
        accounts: set[int] = set()
        for severity in wanted:
            accounts |= situation.accounts_by_severity.get(severity, frozenset())
        if len(accounts) < condition.accounts_at_least:
            return None
        reasons.append(f"accounts:{len(accounts)}")
    if condition.target_expired is not None:
        if condition.target_expired not in situation.expired:
            return None
        reasons.append(f"expired:{condition.target_expired}")
    if condition.severities:
        reasons.append(f"severity:{situation.severity}")
    return tuple(reasons)


def routes_in_force(
    routes: Mapping[str, ContingencyRoute],
    situation: Situation,
    at: datetime,
    calendars: Mapping[str, Calendar],
) -> list[RouteInForce]:
    """The routes offered for this ticket now, each with the first condition that holds."""
    if not situation.is_open:
        return []
    found: list[RouteInForce] = []
    for route in routes.values():
        for condition in route.conditions:
            because = _holds(condition, situation, at, calendars)
            if because is not None:
                found.append(RouteInForce(route, because))
                break
    return found


def routes_for_expiry(
    routes: Mapping[str, ContingencyRoute], target_kind: str
) -> list[ContingencyRoute]:
    """The routes a breach of this target kind opens by itself (named in a breach notice)."""
    return [
        route
        for route in routes.values()
        if any(
            c.target_expired == target_kind
            and c.outside is None
            and not c.accounts_at_least
            and not c.severities
            for c in route.conditions
        )
    ]
