"""Text that arrives from other systems (monitoring alerts, relayed messages) made safe to keep
and show: no control characters but line breaks and tabs, normalised, bounded; links only when
they are plain http(s) addresses."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# C0 and C1 controls except tab and line feed, DEL, and the bidirectional overrides and
# isolates that can make a line read other than it is stored.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LINK_MAX = 2000


def clean_text(value: str, *, limit: int, single_line: bool = False) -> str:
    """`value` without control characters (a carriage return becomes a line break), in NFC,
    stripped and cut to `limit` characters; on one line when `single_line`."""
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROLS.sub("", text)
    if single_line:
        text = " ".join(text.split())
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def safe_link(value: str) -> str:
    """The address when it is an absolute http or https URL with a host and nothing a browser
    would read differently from how it is shown; otherwise ""."""
    if (
        not value
        or len(value) > LINK_MAX
        or _CONTROLS.search(value)
        or any(c.isspace() for c in value)
    ):
        return ""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        return ""
    return value
