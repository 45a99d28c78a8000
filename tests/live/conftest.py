"""The sockets' tests give back every database connection they borrow.

Channels' test communicator turns `close_old_connections` into a no-op while it talks to the
application, for tests that run inside one transaction. These tests commit, and on PostgreSQL the
desk borrows connections from a pool per process: a worker thread whose connection is never
closed never gives it back, and after a few dozen sockets every later test waits 30 s for a
connection and fails. Here the communicator closes what a worker thread used, outside any
transaction, as the server does; and each test checks that the pool has its connections back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import channels.testing.application
import pytest
from django.db import connections


def close_outside_transactions() -> None:
    """`close_old_connections` for the threads the sockets' work runs on; the test's own thread
    keeps its connection (it may be inside the test's transaction)."""
    if threading.current_thread() is threading.main_thread():
        return
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def borrowed() -> int:
    """Connections of the pool now lent out, on PostgreSQL (0 elsewhere)."""
    connection = connections["default"]
    if connection.vendor != "postgresql" or "default" not in connection._connection_pools:
        return 0
    stats = connection.pool.get_stats()
    return int(stats["pool_size"]) - int(stats["pool_available"])


@pytest.fixture(autouse=True)
def _sockets_give_their_connections_back(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(channels.testing.application, "no_op", close_outside_transactions)
    before = borrowed()
    yield
    # The test's own thread may hold one; every other thread's connection is back.
    assert borrowed() <= max(before, 1), "a socket's worker thread kept a pooled connection"
