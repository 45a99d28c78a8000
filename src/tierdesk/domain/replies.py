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


# A partner's answer that says the issue is solved, in the languages the seed processes accept.
_SOLVED = re.compile(
    r"\b(it works|works (now|again|fine)|working (now|again|fine)|(is|been|now|problem|issue) "
    r"(solved|resolved|fixed)|solved|fixed|(you|we) can close|can be closed|please close"
    r"|funktioniert (jetzt|wieder)|es funktioniert|klappt (jetzt|wieder)|gelöst|behoben"
    r"|kann geschlossen|(ça|ca) (marche|fonctionne)|fonctionne (maintenant|à nouveau|de nouveau)"
    r"|résolu|resolu|peut être fermé|het werkt|werkt (nu|weer)|opgelost|mag (dicht|gesloten)"
    r"|et geet (erëm|erem|elo)|geléist)\b"
)
# Words that turn "it works" into "it does not work".
_NEGATION = re.compile(
    r"n['\u2019]t\b|\b(not|no longer|still|never|nicht|kein|keine|noch immer|immer noch|pas|plus"
    r"|toujours|niet|nog steeds|geen|nach ëmmer|net méi)\b"
)


def confirms_solved(body: str) -> bool:
    """An answer to a request for confirmation that says the issue is solved ("thank you, it
    works now"); a question, or a reply that says it still fails, does not confirm."""
    text = own_text(body)
    if not text or len(text) > 500 or "?" in text:
        return False
    if is_thank_you(text):
        return True
    folded = unicodedata.normalize("NFC", text.casefold())
    return _NEGATION.search(folded) is None and _SOLVED.search(folded) is not None
