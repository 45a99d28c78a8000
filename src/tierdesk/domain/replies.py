"""What a requester's reply does: reopen, return to Open, a follow-up, or nothing (a bare thank-you)."""

from __future__ import annotations

import re
import unicodedata

# Words that only thank, greet or sign off, in the languages the seed processes accept.
_THANKS = {
    "thanks",
    "thank",
    "you",
    "thx",
    "ty",
    "many",
    "much",
    "very",
    "a",
    "lot",
    "so",
    "again",
    "great",
    "perfect",
    "cheers",
    "regards",
    "best",
    "kind",
    "ok",
    "okay",
    "all",
    "good",
    "works",
    "now",
    "it",
    "for",
    "your",
    "help",
    "the",
    "quick",
    "fast",
    "reply",
    "support",
    "brilliant",
    "excellent",
    "appreciated",
    "hi",
    "hello",
    "dear",
    "team",
    "have",
    "nice",
    "day",
    "and",
    "that",
    "s",
    "is",
    "fine",
    "solved",
    "this",
    # German
    "danke",
    "vielen",
    "dank",
    "schön",
    "schoen",
    "sehr",
    "herzlichen",
    "besten",
    "grüße",
    "gruesse",
    "gruss",
    "gruß",
    "mfg",
    "super",
    "toll",
    "für",
    "fuer",
    "die",
    "hilfe",
    "schnelle",
    "antwort",
    "hallo",
    "klappt",
    "jetzt",
    "funktioniert",
    "wieder",
    "alles",
    "gut",
    "liebe",
    "freundliche",
    # French
    "merci",
    "beaucoup",
    "bien",
    "cordialement",
    "bonne",
    "journée",
    "journee",
    "pour",
    "votre",
    "aide",
    "parfait",
    "bonjour",
    "salut",
    "ça",
    "ca",
    "marche",
    "fonctionne",
    "de",
    "la",
    "rapide",
    "réponse",
    "mille",
    # Dutch
    "bedankt",
    "je",
    "wel",
    "hartelijk",
    "groeten",
    "met",
    "vriendelijke",
    "prima",
    "top",
    "voor",
    "hulp",
    "het",
    "werkt",
    "weer",
    "goed",
    "snelle",
    # Luxembourgish
    "villmools",
    "vill",
    "moien",
    "gréiss",
    "greiss",
    "schéin",
    "schein",
    "léif",
    "leif",
    "et",
    "geet",
    "erëm",
    "erem",
}
_THANK_STEMS = ("thank", "thx", "danke", "dank", "merci", "bedankt", "villmools")
_QUOTE = re.compile(
    r"^\s*>|^\s*(on .+ wrote:|am .+ schrieb .+:|le .+ a écrit\s*:|op .+ schreef .+:)\s*$",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^(--\s*|__+|sent from my .+)$", re.IGNORECASE)


def own_text(body: str) -> str:
    """The reply's own words: quoted history and the signature trimmed."""
    lines = []
    for line in body.splitlines():
        if _SIGNATURE.match(line.strip()):
            break
        if _QUOTE.match(line):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def is_thank_you(body: str) -> bool:
    """A short message that only thanks (in any of the accepted languages), which must not reopen."""
    text = own_text(body)
    if not text or len(text) > 160:
        return False
    folded = unicodedata.normalize("NFC", text.casefold())
    words = re.findall(r"[^\W\d_]+", folded)
    if not words or len(words) > 20:
        return False
    if not any(w.startswith(_THANK_STEMS) for w in words):
        return False
    # Every word must be thanks or politeness; a name at the end (a signature) is allowed.
    unknown = [w for w in words if w not in _THANKS and not w.startswith(_THANK_STEMS)]
    return len(unknown) <= 1 and (not unknown or words[-1] == unknown[0])
