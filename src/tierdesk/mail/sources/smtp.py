"""The SMTP/LMTP listener (aiosmtpd): each accepted message goes through intake before 250 OK,
so a message the desk acknowledged is a message the desk has stored."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.db import close_old_connections

from tierdesk import clock
from tierdesk.actions.heartbeats import MAIL, pulse
from tierdesk.mail.intake import ingest

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


def serve_forever(*, host: str, port: int, lmtp: bool = False, workers: int = 1) -> None:
    children = [
        subprocess.Popen(  # noqa: S603 - our own command, arguments from the command line
            [
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
                *(["--lmtp"] if lmtp else []),
            ]
        )
        for _ in range(max(workers, 1) - 1)
    ]
    listener = controller(host=host, port=port, lmtp=lmtp)
    listener.start()
    print(
        f"Tierdesk mail intake ({'LMTP' if lmtp else 'SMTP'}) on {host}:{port}, {max(workers, 1)} process(es)",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    listener.stop()
    for child in children:
        child.terminate()
    for child in children:
        child.wait(timeout=30)
