"""Ticket numbers: unique per prefix and never reused, taken without making creations wait.

On PostgreSQL each prefix has a database sequence: `nextval` takes no lock that lasts the
transaction, so concurrent creations do not queue behind each other; a creation that rolls back
leaves a gap (numbers are unique and never reused, not gapless). The sequence is created on a
prefix's first use, starting after the `TicketSequence` row's `last` (which the desk kept before
sequences, and which stays the sequence's starting point afterwards). Other databases (SQLite,
which runs one writer at a time anyway) increment the `TicketSequence` row: no gaps there.
"""

from __future__ import annotations

import hashlib
import re

from django.db import DatabaseError, connection, transaction

from tierdesk.persistence.models import TicketSequence

# Sequences this process has seen committed; others are ensured before use (a savepoint, once).
_known: set[str] = set()


def sequence_name(prefix: str) -> str:
    """A safe identifier for the prefix's sequence (prefixes may hold any character)."""
    readable = re.sub(r"[^a-z0-9]+", "_", prefix.lower()).strip("_")
    return f"tierdesk_number_{readable}_{hashlib.sha256(prefix.encode()).hexdigest()[:8]}"


def take(prefix: str) -> int:
    """The next number for `prefix`, to be formatted by the profile."""
    if connection.vendor != "postgresql":
        return _counter(prefix)
    name = sequence_name(prefix)
    if name not in _known:
        _ensure(prefix, name)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [name])
            row = cursor.fetchone()
    except DatabaseError:
        _known.discard(name)  # dropped behind the desk's back: ensured again by the next creation
        raise
    assert row is not None
    return int(row[0])


def _ensure(prefix: str, name: str) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Two processes creating the same sequence at once: the second waits for the first's
        # commit, then finds it.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        exists = cursor.fetchone()
        if not (exists and exists[0]):
            cursor.execute("SELECT last FROM tierdesk_ticketsequence WHERE prefix = %s", [prefix])
            row = cursor.fetchone()
            start = int(row[0]) + 1 if row else 1
            # The start is an integer read just above; the name is built from [a-z0-9_] only.
            cursor.execute(f"CREATE SEQUENCE {qn(name)} START WITH {start}")
    # Remembered only once committed: a rolled-back creation takes its sequence with it.
    transaction.on_commit(lambda: _known.add(name))


def _counter(prefix: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tierdesk_ticketsequence SET last = last + 1 WHERE prefix = %s RETURNING last",
            [prefix],
        )
        row = cursor.fetchone()
    if row is None:
        TicketSequence.objects.get_or_create(prefix=prefix)
        return _counter(prefix)
    return int(row[0])
