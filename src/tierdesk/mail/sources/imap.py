"""The IMAP poller: fetch unseen messages, hand each to intake, and only after it is committed
mark it seen (or move it), so a crash in between means the message is fetched again, and the
intake's dedupe makes that harmless.

Mailboxes come from TIERDESK_IMAP_URLS: imap://user:password@host:143/INBOX?move=Processed,
imaps://... for TLS; several separated by spaces.
"""

from __future__ import annotations

import imaplib
import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings

from tierdesk.intake.mail import IntakeResult, ingest

log = logging.getLogger(__name__)
BATCH = 200


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    tls: bool
    user: str
    password: str
    folder: str
    move_to: str | None

    @classmethod
    def from_url(cls, url: str) -> Mailbox:
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise ValueError(
                f"{url!r} is not imap://user:password@host[:port]/MAILBOX or imaps://..."
            )
        query = parse_qs(parts.query)
        return cls(
            parts.hostname,
            parts.port or (993 if parts.scheme == "imaps" else 143),
            parts.scheme == "imaps",
            unquote(parts.username or ""),
            unquote(parts.password or ""),
            unquote(parts.path.lstrip("/")) or "INBOX",
            query["move"][0] if query.get("move") else None,
        )


def poll(box: Mailbox, *, now: datetime) -> list[IntakeResult]:
    client = imaplib.IMAP4_SSL(box.host, box.port) if box.tls else imaplib.IMAP4(box.host, box.port)
    results = []
    try:
        client.login(box.user, box.password)
        client.select(f'"{box.folder}"')
        status, data = client.uid("SEARCH", "UNSEEN")
        uids = data[0].split() if status == "OK" and data and data[0] else []
        for uid in uids[:BATCH]:
            status, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = (
                next((item[1] for item in fetched if isinstance(item, tuple)), None)
                if status == "OK"
                else None
            )
            if raw is None:
                continue
            result = ingest(
                bytes(raw), source=f"imap:{box.folder}"[:40], now=now
            )  # committed on return
            results.append(result)
            if box.move_to:
                client.uid("COPY", uid, f'"{box.move_to}"')
                client.uid("STORE", uid, "+FLAGS", "(\\Deleted \\Seen)")
            else:
                client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        if box.move_to:
            client.expunge()
    finally:
        try:
            client.logout()
        except Exception:  # the connection may already be gone
            log.debug("IMAP logout failed", exc_info=True)
    return results


def poll_all(*, now: datetime) -> list[IntakeResult]:
    results: list[IntakeResult] = []
    for url in settings.TIERDESK["IMAP"].split():
        try:
            results += poll(Mailbox.from_url(url), now=now)
        except (OSError, imaplib.IMAP4.error) as exc:
            log.warning("polling %s failed: %s; will try again", url.split("@")[-1], exc)
    return results
