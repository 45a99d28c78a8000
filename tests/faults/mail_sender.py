"""A sending mail server, as the desk meets one: each message is offered until it is answered
250, and a message not answered (the connection broke, or a 4xx) is offered again."""

from __future__ import annotations

import smtplib
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

SENDER = "ned@example.com"
DESK = "support@democloud.example.com"


def message(n: int) -> tuple[str, bytes]:
    """(subject, raw): every message its own subject, Message-ID and text."""
    subject = f"Fault delivery {n:03d}: router R{n} drops packets"
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f"Ned <{SENDER}>", DESK, subject
    msg["Message-ID"] = f"<fault-{n:03d}@partner.example.com>"
    msg.set_content(f"Router R{n} at site {n * 7} drops {n}% of packets since the firmware update.")
    return subject, msg.as_bytes()


@dataclass
class Sender:
    port: int
    count: int
    answers: dict[int, str] = field(default_factory=dict)  # message -> the 250 line
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def acknowledged(self) -> int:
        return len(self.answers)

    def _offer(self, raw: bytes) -> str | None:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=60) as client:
            client.ehlo()
            code, reply = client.mail(SENDER)
            if code != 250:
                return None
            code, reply = client.rcpt(DESK)
            if code not in (250, 251):
                return None
            code, reply = client.data(raw)
            return reply.decode(errors="replace") if code == 250 else None

    def run(self, deadline: float) -> None:
        try:
            for n in range(self.count):
                _, raw = message(n)
                while time.monotonic() < deadline:
                    try:
                        answer = self._offer(raw)
                    except (OSError, smtplib.SMTPException) as exc:
                        answer = None
                        self.errors.append(f"{n}: {type(exc).__name__}")
                    if answer is not None:
                        self.answers[n] = answer
                        break
                    self.retries += 1
                    time.sleep(0.05)  # a real sender waits longer; the listener restarts in seconds
        finally:
            self.done.set()

    def start(self, timeout: float) -> threading.Thread:
        thread = threading.Thread(
            target=self.run, args=(time.monotonic() + timeout,), name="sender", daemon=True
        )
        thread.start()
        return thread
