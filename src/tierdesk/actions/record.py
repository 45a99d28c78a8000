"""Appending to a ticket's record: the only place events are written and the projection saved.

A change is prepared in memory (hash chain, projection, clocks) and then written; the sweep
prepares many tickets and writes them together, the same code with fewer round trips. The one
change to a stored event is `replace_content`, a redaction's tombstone (see
`domain/redaction.py`); the database refuses every other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from tierdesk import profiles
from tierdesk.actions import supplier_mail
from tierdesk.actions.live import announce
from tierdesk.actions.notify import notifications_for
from tierdesk.domain import due, sla
from tierdesk.domain import spans as stay
from tierdesk.domain import ticket as decide
from tierdesk.domain.events import GENESIS, TOMBSTONE, event_hash
from tierdesk.domain.target_policies import SUPPLIER_KINDS
from tierdesk.persistence.clocks import clock_events, target_rows
from tierdesk.persistence.mapping import state_of, write_state
from tierdesk.persistence.models import (
    AutomaticOutcome,
    Event,
    Notification,
    Ticket,
    TicketSpan,
    TicketTarget,
    User,
)

# Events that start a new status or level span; only these rewrite a ticket's span rows.
SPAN_KINDS = frozenset({"created", "status_changed", "level_changed"})

PROJECTION = [
    "subject",
    "status",
    "severity",
    "queue",
    "level",
    "language",
    "channel",
    "assignee",
    "supplier",
    "event_count",
    "last_hash",
    "updated_at",
    "next_deadline",
    "overdue",
    "is_open",
]


@dataclass
class Prepared:
    """One ticket's new events, chained and folded into its row in memory, not yet written."""

    ticket: Ticket
    creating: bool
    rows: list[Event]
    plan: due.Plan
    outcome_keys: Sequence[str | None] = ()
    events: list[Event] = field(default_factory=list)
    spans: list[stay.Span] | None = None  # rewritten only when a status or level changed


def prepare(
    ticket: Ticket,
    changes: Sequence[tuple[decide.Change, datetime]],
    *,
    actor: User | None,
    now: datetime,
    history: list[sla.ClockEvent] | None = None,
    outcome_keys: Sequence[str | None] = (),
) -> Prepared:
    """Chain `changes` (each with its instant) onto the ticket's record and replay its clocks.

    `history` is the record so far as clock events, when the caller has it (it is extended).
    """
    creating = ticket.pk is None
    if history is None:
        history = [] if creating else _known_history(ticket) or clock_events(ticket)
    rows: list[Event] = []
    actor_ref = str(actor.pk) if actor is not None else None
    for change, instant in changes:
        decide.check_data(change)
        first = creating and not rows
        seq = 1 if first else ticket.event_count + 1
        prev = GENESIS if first else ticket.last_hash
        # The record stays chronological even if two workers' clocks disagree by a little.
        at = instant if first or instant >= ticket.updated_at else ticket.updated_at
        digest = event_hash(
            ticket=ticket.number,
            seq=seq,
            at=at,
            actor=actor_ref,
            kind=change.kind.value,
            public=change.public,
            data=change.data,
            prev_hash=prev,
        )
        write_state(
            ticket,
            decide.apply(None if first else state_of(ticket), change.kind.value, change.data),
        )
        ticket.event_count, ticket.last_hash, ticket.updated_at = seq, digest, at
        rows.append(
            Event(
                seq=seq,
                at=at,
                actor=actor,
                kind=change.kind.value,
                public=change.public,
                data=dict(change.data),
                prev_hash=prev,
                hash=digest,
            )
        )
        history.append(sla.ClockEvent(at, change.kind.value, change.data, change.public, seq))
    ticket.clock_history = history
    profile = profiles.for_ticket(ticket.profile)
    plan = due.plan(profile, history, now)
    ticket.next_deadline = plan.next_deadline
    status = profile.statuses.get(ticket.status)
    ticket.is_open = status.is_open if status is not None else True
    ticket.overdue = any(
        t.state == "breached" and t.stopped_at is None and t.key not in SUPPLIER_KINDS
        for t in plan.clocks.targets
    )
    stretches = (
        stay.spans(profile, history, now) if any(r.kind in SPAN_KINDS for r in rows) else None
    )
    return Prepared(ticket, creating, rows, plan, outcome_keys, spans=stretches)


def _known_history(ticket: Ticket) -> list[sla.ClockEvent] | None:
    """The record this instance already read under its lock, if it is the whole record."""
    known = ticket.clock_history
    if known and len(known) == ticket.event_count and known[-1].seq == ticket.event_count:
        return known
    return None


def _update_rows(tickets: Sequence[Ticket]) -> None:
    """Save the projection of many tickets with one statement executed many times (pipelined by
    psycopg); Django's bulk_update builds a CASE per field and row, far slower for a sweep."""
    fields = [Ticket._meta.get_field(name) for name in PROJECTION]
    qn = connection.ops.quote_name
    # Identifiers come from the model's metadata; values go as parameters.
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in fields)  # type: ignore[union-attr,arg-type]
    sql = f"UPDATE {qn(Ticket._meta.db_table)} SET {assignments} WHERE {qn('id')} = %s"  # noqa: S608
    params = [
        [f.get_db_prep_save(getattr(t, f.attname), connection) for f in fields] + [t.pk]  # type: ignore[union-attr]
        for t in tickets
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def write(batch: Sequence[Prepared], *, now: datetime) -> None:
    """Write prepared changes: rows, events, outcome keys, clock figures and the outbox.

    Must run inside the transaction that holds the tickets' row locks (or creates the row), so
    sequence numbers and hash chains never fork.
    """
    existing = [p.ticket for p in batch if not p.creating]
    for p in batch:
        if p.creating:
            p.ticket.save()
    if existing:
        _update_rows(existing)
    rows = []
    for p in batch:
        for row in p.rows:
            row.ticket = p.ticket
        rows += p.rows
    created = Event.objects.bulk_create(rows)
    if any(e.pk is None for e in created):  # a database that cannot return ids from a bulk insert
        for p in batch:
            found = {
                e.seq: e for e in Event.objects.filter(ticket=p.ticket, seq__gte=p.rows[0].seq)
            }
            p.rows = [found[r.seq] for r in p.rows]
    markers = [
        AutomaticOutcome(ticket=p.ticket, key=key, event=event, recorded_at=now)
        for p in batch
        for key, event in zip(p.outcome_keys, p.rows, strict=False)
        if key is not None
    ]
    AutomaticOutcome.objects.bulk_create(markers)
    TicketTarget.objects.bulk_create(
        [row for p in batch if p.creating for row in target_rows(p.ticket, p.plan.clocks)]
    )
    _rewrite_targets([p for p in batch if not p.creating])
    _write_spans(batch)
    agents: dict[str, list[User]] = {}
    Notification.objects.bulk_create(
        [
            n
            for p in batch
            for event in p.rows
            for n in [
                *notifications_for(p.ticket, event, now=now, agents=agents),
                *supplier_mail.rows_for(p.ticket, event, now=now),
            ]
        ]
    )
    for p in batch:
        p.events = p.rows
        p.ticket.written = [*(p.ticket.written or ()), *p.rows]
    # The live pages hear of it once the transaction commits (never of a rolled-back write).
    announce([(p.ticket.pk, p.rows[-1].seq) for p in batch if p.rows])


# A target row's columns after its key (ticket, target), with PostgreSQL's type of each.
TARGET_COLUMNS = {
    "kind": "varchar",
    "calendar": "varchar",
    "state": "varchar",
    "limit_seconds": "bigint",
    "used_seconds": "double precision",
    "started_at": "timestamptz",
    "due": "timestamptz",
    "met_at": "timestamptz",
    "breached_at": "timestamptz",
    "stopped_at": "timestamptz",
    "severity": "varchar",
    "opened_at": "timestamptz",
}
TARGET_CHUNK = 200  # tickets per statement, well within both databases' parameter limits


def _rewrite_targets(batch: Sequence[Prepared]) -> None:
    """Bring existing tickets' target rows to their new figures, writing only what changed: a
    row whose figures are the same is left alone, a new target inserted, a target the ticket no
    longer has deleted. One statement on PostgreSQL (the deletion in a WITH), two elsewhere."""
    if not batch:
        return
    qn = connection.ops.quote_name
    table = qn(TicketTarget._meta.db_table)
    fields = [TicketTarget._meta.get_field(name) for name in TARGET_COLUMNS]
    postgres = connection.vendor == "postgresql"
    columns = ["ticket_id", "target", *TARGET_COLUMNS]
    types = ["bigint", "varchar", *TARGET_COLUMNS.values()]
    placeholder = (
        "(" + ", ".join(f"%s::{t}" if postgres else "%s" for t in types) + ")"
    )  # typed on PostgreSQL, so a column of NULLs in the VALUES is not text
    names = ", ".join(qn(c) for c in columns)
    incoming = ", ".join(f"excluded.{qn(c)}" for c in TARGET_COLUMNS)
    differs = "IS DISTINCT FROM" if postgres else "IS NOT"
    upsert = (
        f"ON CONFLICT ({qn('ticket_id')}, {qn('target')}) DO UPDATE SET "
        + ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in TARGET_COLUMNS)
        + f" WHERE ({', '.join(f'{table}.{qn(c)}' for c in TARGET_COLUMNS)}) {differs} ({incoming})"
    )
    for start in range(0, len(batch), TARGET_CHUNK):
        chunk = batch[start : start + TARGET_CHUNK]
        rows = [row for p in chunk for row in target_rows(p.ticket, p.plan.clocks)]
        params: list[Any] = []
        for row in rows:
            params += [row.ticket.pk, row.target]
            params += [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]  # type: ignore[union-attr]
        ids = [p.ticket.pk for p in chunk]
        stale = " AND ".join(
            [f"{qn('ticket_id')} IN ({', '.join(['%s'] * len(ids))})"]
            + (
                [f"({qn('ticket_id')}, {qn('target')}) NOT IN (SELECT {qn('ticket_id')}, "  # noqa: S608
                 f"{qn('target')} FROM new)"]
                if rows
                else []
            )
        )  # fmt: skip
        values = ", ".join([placeholder] * len(rows))
        with connection.cursor() as cursor:
            if postgres and rows:
                cursor.execute(
                    f"WITH new ({names}) AS (VALUES {values}), "  # noqa: S608
                    f"gone AS (DELETE FROM {table} WHERE {stale}) "
                    f"INSERT INTO {table} ({names}) SELECT * FROM new {upsert}",
                    [*params, *ids],
                )
                continue
            keys = [(row.ticket.pk, row.target) for row in rows]
            gone = TicketTarget.objects.filter(ticket_id__in=ids)
            for ticket_id in ids:
                gone = gone.exclude(
                    ticket_id=ticket_id, target__in=[t for i, t in keys if i == ticket_id]
                )
            gone.delete()
            if rows:
                cursor.execute(
                    f"INSERT INTO {table} ({names}) VALUES {values} {upsert}",  # noqa: S608
                    params,
                )


def _write_spans(batch: Sequence[Prepared]) -> None:
    changed = [p for p in batch if p.spans is not None]
    if not changed:
        return
    TicketSpan.objects.filter(ticket__in=[p.ticket for p in changed if not p.creating]).delete()
    TicketSpan.objects.bulk_create(
        [
            TicketSpan(
                ticket=p.ticket,
                dimension=s.dimension,
                value=s.value,
                category=s.category,
                started_at=s.started_at,
                ended_at=s.ended_at,
                business_seconds=s.business_seconds,
                reopened=s.reopened,
            )
            for p in changed
            for s in p.spans or ()
        ]
    )


def append_many(
    ticket: Ticket,
    changes: Sequence[tuple[decide.Change, datetime]],
    *,
    actor: User | None,
    now: datetime,
    history: list[sla.ClockEvent] | None = None,
    outcome_keys: Sequence[str | None] = (),
) -> list[Event]:
    """Record `changes` as the ticket's next events and save everything that follows from them."""
    prepared = prepare(
        ticket, changes, actor=actor, now=now, history=history, outcome_keys=outcome_keys
    )
    write([prepared], now=now)
    return prepared.events


def append(ticket: Ticket, change: decide.Change, *, actor: User | None, now: datetime) -> Event:
    """Record one change made now."""
    return append_many(ticket, [(change, now)], actor=actor, now=now)[0]


def replace_content(event: Event, data: Mapping[str, Any]) -> None:
    """Replace a stored event's content by its redacted form, a tombstone naming one more
    redaction. Only the content changes; the database trigger refuses any other update, and the
    redaction event the caller appends next records the digests before and after."""
    tombstone = list(data.get(TOMBSTONE) or ())
    if len(tombstone) <= len(event.data.get(TOMBSTONE) or ()):
        raise ValueError("a redacted event's content must name one more redaction")
    Event.objects.filter(pk=event.pk).update(data=dict(data))
    event.data = dict(data)
