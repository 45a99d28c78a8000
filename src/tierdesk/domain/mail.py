"""Rules about e-mail that need no parsing library: machine mail, ticket tags, Message-ID lists."""

from __future__ import annotations

import re
from collections.abc import Mapping

_ID = re.compile(r"<([^<>\s]{1,900})>")
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")


def message_ids(value: str) -> list[str]:
    """The Message-IDs in a Message-ID, In-Reply-To or References header, in order."""
    found = _ID.findall(value or "")
    if not found and value and value.strip() and " " not in value.strip():
        found = [value.strip().strip("<>")]
    return [f"<{i}>" for i in found]


def ticket_tags(subject: str, prefix: str) -> list[str]:
    """Ticket numbers tagged in a subject, e.g. "[LC-000123]"."""
    return re.findall(rf"\[({re.escape(prefix)}-\d{{1,12}})\]", subject or "")


def machine_reason(
    headers: Mapping[str, str], *, sender: str, envelope_from: str | None, content_type: str
) -> str | None:
    """Why a message is machine mail that must never open a ticket nor be answered, or None.

    `headers` has lower-case names. RFC 3834 Auto-Submitted, Precedence bulk/junk/list, the
    vendor auto-reply headers, delivery and disposition reports, and the null sender.
    """
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"auto-submitted: {auto}"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"precedence: {precedence}"
    for name in ("x-autoreply", "x-autorespond", "x-auto-reply", "x-autoresponder"):
        if name in headers:
            return f"{name} header"
    if headers.get("x-auto-response-suppress", "").strip().lower() in (
        "all",
        "oof",
        "autoreply",
    ) and ("automatic reply" in headers.get("subject", "").lower()):
        return "automatic reply (Exchange)"
    if "list-id" in headers or "list-unsubscribe" in headers:
        return "mailing list"
    kind = content_type.lower()
    if kind.startswith("multipart/report"):
        return "delivery or disposition report"
    if envelope_from is not None and envelope_from.strip() in ("", "<>"):
        return "null sender (bounce)"
    if headers.get("return-path", "").strip() == "<>":
        return "null sender (bounce)"
    local = sender.split("@", 1)[0].lower()
    if local in _DAEMONS:
        return f"sent by {local}"
    return None


# Subjects that auto-responders put on their replies (RFC 3834 section 3.1.5 suggests "Auto:"),
# in the languages the desks serve. Only trusted for senders the desk does not know.
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto:|auto[- ]?reply|automatic reply|autoreply|out of (the )?office|"
    r"abwesenheit|automatische antwort|r[ée]ponse automatique|absence|afwezig|"
    r"automatisch antwoord|vacation|away from)",
    re.IGNORECASE,
)


def unknown_machine_reason(
    headers: Mapping[str, str], *, subject: str, part_types: list[str]
) -> str | None:
    """Why mail from a sender the desk does not know looks like machine mail, or None.

    Looser than `machine_reason`, because a wrong guess here only spares a stranger a
    registration notice (and the desk a mail loop with an auto-responder): ARF feedback
    reports in any wrapping, auto-reply subjects, and the auto-responder headers.
    """
    report_type = headers.get("content-type", "").lower()
    if (
        "feedback-report" in report_type
        or "message/feedback-report" in part_types
        or "feedback-type" in headers
    ):
        return "feedback report (ARF)"
    if "x-auto-response-suppress" in headers or "x-autoresponder" in headers:
        return "automatic reply (auto-responder header)"
    if _AUTO_SUBJECT.match(subject or ""):
        return "automatic reply (subject)"
    return None


def is_bounce(reason: str | None) -> bool:
    return bool(reason) and any(
        w in (reason or "") for w in ("report", "null sender", "daemon", "postmaster")
    )
