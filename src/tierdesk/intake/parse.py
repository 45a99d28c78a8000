"""Turning raw bytes into what intake needs, whatever the sender's software did to them.

Lenient by design: the compat32 policy parses anything, and every header is decoded by hand
(RFC 2047 words, any charset, broken ones replaced), so no exception escapes for bad input.
"""

from __future__ import annotations

import email
import html
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses
from html.parser import HTMLParser

import nh3

from tierdesk.domain.mail import message_ids

MAX_PARTS = 500


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    sender: str = ""
    sender_name: str = ""
    recipients: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain"
    text: str = ""
    html: str = ""  # sanitised
    attachments: list[Attachment] = field(default_factory=list)
    reported_ids: list[str] = field(default_factory=list)  # Message-IDs a bounce reports on
    problems: list[str] = field(default_factory=list)
    part_types: list[str] = field(default_factory=list)  # every part's content type, in order
    sender_warning: str = ""  # a display name that looks like another address


def _clean(text: str) -> str:
    return text.replace("\x00", "")


def header_text(value: object) -> str:
    """A header as text: encoded words decoded, unknown charsets replaced, never an exception."""
    if value is None:
        return ""
    raw = str(value)
    try:
        return _clean(str(make_header(decode_header(raw))))
    except Exception:  # broken encoded words, unknown charsets
        return _clean(raw)


_ADDRESS_LIKE = re.compile(r"[^\s<>\"'@]+@[^\s<>\"'@]+\.[^\s<>\"'@]+")


def sender_of(value: object) -> tuple[str, str, str]:
    """(display name, address, warning) of a From header.

    The address is the header's addr-spec as sent, parsed before any encoded word is decoded:
    a display name can be made to decode to anything, including `<agent@desk.example>`, so it
    never supplies the address. A display name that looks like an address other than the
    sender's is named in the warning.
    """
    raw = _clean(str(value or ""))
    pairs = [(n, a) for n, a in getaddresses([raw]) if a]
    if not pairs:
        return "", "", ""
    name, address = pairs[0]
    address = address.strip().lower()
    if address.count("@") != 1 or address.startswith("=?") or any(c.isspace() for c in address):
        address = ""  # an encoded word or a bare name is not an address
    display = header_text(name)
    others = sorted({a.lower() for a in _ADDRESS_LIKE.findall(display)} - {address})
    warning = (
        f"the sender's display name {display[:200]!r} looks like another address"
        f" ({', '.join(others)[:200]}); the mail is from {address or 'no address'}"
        if others
        else ""
    )
    return display, address, warning


def _decode(payload: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8", "cp1252"):
        if not candidate:
            continue
        try:
            return _clean(payload.decode(candidate))
        except (LookupError, UnicodeDecodeError):
            continue
    return _clean(payload.decode("utf-8", errors="replace"))


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.skip += 1
        if tag in ("br", "p", "div", "li", "tr", "h1", "h2", "h3"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextOfHtml()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:
        return re.sub(r"<[^>]+>", " ", markup)
    return re.sub(r"\n{3,}", "\n\n", html.unescape("".join(parser.parts))).strip()


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    return header_text(name) if name else None


def _tnef(data: bytes) -> list[Attachment]:
    from tnefparse import TNEF

    found = []
    for item in TNEF(data).attachments:
        payload = item.data if isinstance(item.data, bytes) else bytes(item.data or b"")
        found.append(
            Attachment(
                header_text(
                    getattr(item, "long_filename", lambda: None)() or item.name or "attachment"
                ),
                "application/octet-stream",
                payload,
            )
        )
    return found


def parse(raw: bytes) -> ParsedMail:
    mail = ParsedMail()
    msg = email.message_from_bytes(raw)  # compat32: parses anything
    if msg.defects:
        mail.problems += [type(d).__name__ for d in msg.defects][:20]
    for header_name, value in msg.items():
        key = header_name.lower()
        if key not in mail.headers:
            mail.headers[key] = header_text(value)[:2000]
    mail.message_id = (message_ids(mail.headers.get("message-id", "")) or [""])[0]
    mail.in_reply_to = message_ids(mail.headers.get("in-reply-to", ""))
    mail.references = message_ids(mail.headers.get("references", ""))
    mail.subject = re.sub(r"\s+", " ", mail.headers.get("subject", "")).strip()[:250]
    mail.sender_name, mail.sender, mail.sender_warning = sender_of(msg.get("From"))
    addresses = [
        msg.get_all(h, []) for h in ("to", "cc", "delivered-to", "x-original-to", "envelope-to")
    ]
    mail.recipients = [
        a.strip().lower()
        for _, a in getaddresses([header_text(v) for vs in addresses for v in vs])
        if a
    ]
    mail.content_type = msg.get_content_type()

    texts: list[str] = []
    markups: list[str] = []
    for count, part in enumerate(msg.walk()):
        if count > MAX_PARTS:
            mail.problems.append(f"more than {MAX_PARTS} parts; the rest were not read")
            break
        kind = part.get_content_type()
        mail.part_types.append(kind)
        if part.is_multipart():
            continue
        disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        name = _filename(part)
        try:
            decoded = part.get_payload(decode=True)
        except Exception:
            decoded = None
        payload: bytes = decoded if isinstance(decoded, bytes) else b""
        if kind in ("message/delivery-status",):
            continue
        if kind == "text/rfc822-headers":
            mail.reported_ids += (
                message_ids(
                    re.findall(rb"(?im)^message-id:\s*(.+)$", payload)[0].decode("ascii", "replace")
                )
                if re.search(rb"(?im)^message-id:", payload)
                else []
            )
            continue
        if (
            kind in ("application/ms-tnef", "application/vnd.ms-tnef")
            or (name or "").lower() == "winmail.dat"
        ):
            try:
                mail.attachments += _tnef(payload)
            except Exception as exc:  # keep the container when it cannot be unpacked
                mail.problems.append(f"TNEF not unpacked: {exc}")
                mail.attachments.append(Attachment(name or "winmail.dat", kind, payload))
            continue
        if kind == "text/plain" and disposition != "attachment" and not name:
            texts.append(_decode(payload, part.get_content_charset()))
        elif kind == "text/html" and disposition != "attachment" and not name:
            markups.append(_decode(payload, part.get_content_charset()))
        else:
            mail.attachments.append(
                Attachment(name or f"part-{count}.{kind.split('/')[-1][:10]}", kind, payload)
            )
    # message/rfc822 parts (forwarded mails) are walked into above; keep each one whole as well.
    for part in msg.walk():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                enclosed: Message = inner[0]
                try:
                    data = enclosed.as_bytes()
                except Exception:
                    data = str(enclosed).encode("utf-8", "replace")
                mail.reported_ids += message_ids(header_text(enclosed.get("Message-ID")))
                subject = header_text(enclosed.get("Subject")) or "forwarded message"
                mail.attachments.append(Attachment(f"{subject[:80]}.eml", "message/rfc822", data))
    mail.html = nh3.clean("\n".join(markups)) if markups else ""
    mail.text = "\n\n".join(t.strip() for t in texts if t.strip()) or html_to_text(mail.html)
    return mail
