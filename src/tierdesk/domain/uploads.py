"""The rule for a file the desk accepts: its size limit, a safe display name, a storable type."""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass

from tierdesk.domain.errors import Invalid
from tierdesk.domain.words import N_

# RFC 6838 type and subtype names; anything else a client declares is not kept.
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")


@dataclass(frozen=True)
class Upload:
    name: str  # safe to show and to put in a header
    content_type: str  # a bare media type, at most 255 characters
    size: int


def clean_filename(name: str) -> str:
    """A display name safe in any header or page: no paths, controls or bidi tricks, bounded length."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '<>:"|?*')
    name = name.strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 16 else name[:200]
    return name or "attachment"


def content_type_of(declared: str | None, name: str) -> str:
    """The declared media type without its parameters when it is well formed; else the one the
    name suggests; else application/octet-stream. Never raises: a client's label is a hint."""
    bare = (declared or "").split(";", 1)[0].strip().lower()
    if _MEDIA_TYPE.fullmatch(bare):
        return bare
    guessed = mimetypes.guess_type(name)[0]
    return guessed if guessed and _MEDIA_TYPE.fullmatch(guessed) else "application/octet-stream"


def check_upload(*, name: str, size: int, content_type: str | None, limit: int) -> Upload:
    """The upload as the desk stores it, or Invalid naming the `file` field."""
    if size > limit:
        raise Invalid(
            N_("the file is larger than the limit of %(limit)s bytes", limit=limit),
            fields={"file": N_("at most %(limit)s bytes", limit=limit)},
        )
    display = clean_filename(name)
    return Upload(display, content_type_of(content_type, display), size)
