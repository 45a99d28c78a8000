"""One scheduler per desk: `tierdesk scheduler` (Celery beat, or the in-process runner) takes
this lock before it starts and refuses to start when another holds it.

On PostgreSQL the lock is a session advisory lock on a connection of its own (named after the
holder, so the refusal can say who holds it); on SQLite, whose desk lives on one machine, an
exclusive lock on a file beside the database. Either is released when its holder exits, however
it exits: the server ends a dead client's session (with TCP keepalives of a minute, for a
machine that vanished) and the kernel drops a dead process's file locks, so a lock is never
left stale. A holder whose connection was lost (the database restarted) takes the lock again,
and stops when another scheduler got it in the meantime.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)
# pg_try_advisory_lock key: "tierdesk" + "sched" folded into a signed 64-bit integer.
KEY = 0x74696572_64736B31 & 0x7FFF_FFFF_FFFF_FFFF
KEEPALIVE = (
    "SET tcp_keepalives_idle = 30",
    "SET tcp_keepalives_interval = 10",
    "SET tcp_keepalives_count = 3",
)


def _me() -> str:
    started = datetime.now(UTC).replace(microsecond=0).isoformat()
    return f"tierdesk scheduler pid {os.getpid()} on {socket.gethostname()} since {started}"


class SchedulerLock:
    def __init__(self) -> None:
        self.name = _me()
        self.vendor = connections["default"].vendor
        self._connection: Any = None
        self._file: IO[str] | None = None

    # -- PostgreSQL ------------------------------------------------------------------------
    def _pg_try(self) -> bool:
        conn = connections["default"].copy()  # its own session: never closed between ticks
        conn.inc_thread_sharing()  # checked from a watching thread beside Celery beat
        conn.ensure_connection()
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config('application_name', %s, false)", [self.name[:63]])
            for statement in KEEPALIVE:
                with contextlib.suppress(DatabaseError):  # not settable on a Unix socket
                    cursor.execute(statement)
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [KEY])
            got = bool(cursor.fetchone()[0])
        if got:
            self._connection = conn
        else:
            conn.close()
        return got

    def _pg_holder(self) -> str:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT a.application_name, a.client_addr, a.pid FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s "
                "AND l.objid = %s AND l.objsubid = 1 AND l.database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())",
                [KEY >> 32, KEY & 0xFFFF_FFFF],
            )
            row = cursor.fetchone()
        if row is None:
            return "unknown (it has just stopped?)"
        name, address, backend = row
        return f"{name or 'a session'} (from {address or 'a local socket'}, server pid {backend})"

    # -- SQLite ----------------------------------------------------------------------------
    def _path(self) -> Path:
        name = str(connections["default"].settings_dict["NAME"])
        if name.startswith("file:") or ":memory:" in name:
            return Path(settings.DATA_DIR) / "scheduler.lock"
        return Path(f"{name}.scheduler.lock")

    def _file_try(self) -> bool:
        handle = self._path().open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(self.name + "\n")
        handle.flush()
        self._file = handle
        return True

    def _file_holder(self) -> str:
        try:
            return self._path().read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            return "unknown"

    # -- the lock --------------------------------------------------------------------------
    def acquire(self) -> bool:
        return self._pg_try() if self.vendor == "postgresql" else self._file_try()

    def holder(self) -> str:
        """Who holds the lock now, in words."""
        return self._pg_holder() if self.vendor == "postgresql" else self._file_holder()

    def check(self) -> bool:
        """Still ours? A lost session (the database restarted) is taken again; False when
        another scheduler took the lock in the meantime. While the database cannot be reached
        the answer is yes: the jobs fail anyway and nobody else can take it either."""
        if self.vendor != "postgresql":
            return self._file is not None
        try:
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        except DatabaseError:
            log.warning("the scheduler lock's database session was lost; taking the lock again")
        with contextlib.suppress(DatabaseError):
            self._connection.close()
        try:
            if self._pg_try():
                log.warning("scheduler lock taken again")
                return True
        except DatabaseError:
            log.warning("the database cannot be reached; keeping on and trying again")
            return True
        return False

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DatabaseError), self._connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [KEY])
            with contextlib.suppress(DatabaseError):
                self._connection.close()
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
