"""The SMTP/LMTP listener (aiosmtpd): each accepted message goes through intake before 250 OK,
so a message the desk acknowledged is a message the desk has decided. One that failed (the
database away) is answered 451 and the sender resends it; one left pending by a killed
listener is taken up when a listener starts, by the resend, or by the scheduler's job.

`mail serve --workers N` runs N processes on the port (SO_REUSEPORT): the first takes up what
is pending and supervises the others (supervisor.py)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.db import close_old_connections

from tierdesk import clock
from tierdesk.actions.heartbeats import MAIL, pulse
from tierdesk.intake.mail import ingest, take_up_pending
from tierdesk.mail.sources.supervisor import Supervisor, watch_parent

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 50 * 1024 * 1024


class IntakeHandler:
    def __init__(self, *, lmtp: bool = False) -> None:
        self.lmtp = lmtp

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(
                None, self._ingest, raw, envelope.mail_from, list(envelope.rcpt_tos)
            )
        except Exception:
            log.exception("intake failed; the sender will retry")
            return "451 4.3.0 Temporary failure, please retry"
        status = f"250 2.0.0 {result.outcome}" + (f" {result.ticket}" if result.ticket else "")
        return "\r\n".join([status] * len(envelope.rcpt_tos)) if self.lmtp else status

    @staticmethod
    def _ingest(raw: bytes, mail_from: str | None, rcpt_tos: list[str]) -> Any:
        close_old_connections()
        pulse(MAIL).count("messages", clock.now())
        try:
            return ingest(
                raw,
                source="smtp",
                now=clock.now(),
                envelope_from=mail_from or "",
                envelope_to=rcpt_tos,
            )
        finally:
            close_old_connections()


class SMTPController(Controller):
    """Binds with SO_REUSEPORT, so several listener processes share one port (the kernel spreads
    connections over them) and intake uses every core."""

    def _create_server(self) -> Any:
        return self.loop.create_server(
            self._factory_invoker,
            host=self.hostname,
            port=self.port,
            ssl=self.ssl_context,
            reuse_port=True,
        )


class LMTPController(SMTPController):
    def factory(self) -> LMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def controller(*, host: str, port: int, lmtp: bool = False) -> Controller:
    cls = LMTPController if lmtp else SMTPController
    return cls(
        IntakeHandler(lmtp=lmtp),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        enable_SMTPUTF8=True,
        decode_data=False,
    )


def _child_command(host: str, port: int, lmtp: bool) -> Callable[[int], list[str]]:
    def command(watch_fd: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "tierdesk",
            "mail",
            "serve",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            "1",
            "--parent-fd",
            str(watch_fd),
            *(["--lmtp"] if lmtp else []),
        ]

    return command


def take_up_at_start() -> None:
    """Decide what an earlier listener stored and never decided (it was killed in between)."""
    close_old_connections()
    try:
        results = take_up_pending(clock.now(), older_than=timedelta(0))
    except Exception:
        log.exception("taking up pending messages failed; the scheduler's job will retry")
    else:
        if results:
            log.warning("took up %s message(s) left pending", len(results))
    finally:
        close_old_connections()


def serve_forever(
    *,
    host: str,
    port: int,
    lmtp: bool = False,
    workers: int = 1,
    parent_fd: int | None = None,
) -> None:
    """Listen until SIGTERM/SIGINT. The first process supervises workers - 1 children sharing
    the port; a child (`parent_fd` given) stops when its parent is gone."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if parent_fd is not None:
        watch_parent(parent_fd, stop)
    listener = controller(host=host, port=port, lmtp=lmtp)
    listener.start()
    supervisor = None
    if parent_fd is None:
        take_up_at_start()
        if workers > 1:
            supervisor = Supervisor(_child_command(host, port, lmtp), workers - 1)
            supervisor.start()
        print(
            f"Tierdesk mail intake ({'LMTP' if lmtp else 'SMTP'}) on {host}:{port}, "
            f"{max(workers, 1)} process(es)",
            flush=True,
        )
    while not stop.wait(0.5):
        if supervisor is not None:
            supervisor.check()
    listener.stop()
    if supervisor is not None:
        supervisor.stop()
