"""The language rule (LuxCloud 2.5): which language a ticket is written in, as far as the
decision goes. Technical noise must not decide: URLs, addresses, paths, error codes, log lines
and stack traces are stripped so the prose decides. Detection itself is a boundary
(`tierdesk.language`); this module strips and decides."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tierdesk.domain.errors import Invalid
from tierdesk.domain.profiles import Profile
from tierdesk.domain.words import N_

_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PATH = re.compile(r"(?:[A-Za-z]:\\|/)[\w./\\-]+")
_CODE = re.compile(r"\b(?=\w*\d)[\w.:/-]+\b")  # tokens with digits: error codes, IPs, versions, ids
_LOG_LINE = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}|\[?(?:ERROR|WARN|WARNING|INFO|DEBUG|TRACE|FATAL)\b|at [\w.$]+\(|"
    r"Traceback|File \"|Exception|[\w.]+(?:Error|Exception):)",
    re.IGNORECASE,
)
_SYMBOLS = re.compile(r"[{}\[\]<>=;|#$%^*_~`\\]")
MIN_LETTERS = 25
CONFIDENT = 0.9
FAIRLY_SURE = 0.7


def strip_noise(text: str) -> str:
    """The prose of a ticket: log lines, quoted mail, URLs, addresses, paths and codes removed."""
    kept = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(">") or _LOG_LINE.match(stripped):
            continue
        symbols = len(_SYMBOLS.findall(stripped))
        if symbols > max(3, len(stripped) // 12):
            continue  # code, markup or a stack trace
        line = _URL.sub(" ", line)
        line = _EMAIL.sub(" ", line)
        line = _PATH.sub(" ", line)
        line = _CODE.sub(" ", line)
        kept.append(line)
    return re.sub(r"\s+", " ", " ".join(kept)).strip()


def letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


@dataclass(frozen=True)
class Detection:
    language: str | None  # None: too little prose, or not sure
    probability: float


@dataclass(frozen=True)
class Decision:
    language: str
    decision: str  # accepted | accepted_no_guarantee | rejected


def decide(profile: Profile, detected: Detection) -> Decision:
    """Standard language: accepted. Accepted others: no response-time guarantee (unless the profile
    guarantees them). Anything else, when the detector is sure: rejected. Unsure: the standard."""
    langs = profile.languages
    code = detected.language
    if code is None or code == langs.standard:
        return Decision(langs.standard, "accepted")
    if code in langs.accepted and detected.probability >= FAIRLY_SURE:
        return Decision(code, "accepted" if langs.accepted_guaranteed else "accepted_no_guarantee")
    if code not in langs.all() and detected.probability >= CONFIDENT:
        return Decision(code, "rejected")
    return Decision(langs.standard, "accepted")


# Languages the desk words alike: a reply language of Luxembourgish is worded in German.
_ALIKE = {"lb": "de"}


def off_reply_language(profile: Profile, detected: Detection) -> str | None:
    """LuxCloud 2.5: the desk replies in its reply language. The language a reply is written in
    when the detector is sure it is another one, else None (too little prose, unsure, or it is)."""
    wanted = profile.languages.reply
    code = detected.language
    if not wanted or code is None or detected.probability < CONFIDENT:
        return None
    if _ALIKE.get(code, code) == _ALIKE.get(wanted, wanted):
        return None
    return code


class OffReplyLanguage(Invalid):
    """A desk reply that is not in the reply language; sent only when the agent says so."""

    def __init__(self, written: str, wanted: str, field: str = "body") -> None:
        self.written = written
        self.wanted = wanted
        self.field = field
        super().__init__(
            N_(
                "the reply reads as %(written)r, not the desk's reply language %(wanted)r",
                written=written,
                wanted=wanted,
            ),
            fields={
                field: N_(
                    "written in %(written)r; this desk replies in %(wanted)r",
                    written=written,
                    wanted=wanted,
                ),
                "any_language": N_("set it to send the reply in this language anyway"),
            },
        )
