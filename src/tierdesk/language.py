"""The boundary to language identification: py3langid, whose model ships inside the package
(no download at run time). It covers Luxembourgish."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from tierdesk.domain.language import MIN_LETTERS, Detection, letters, strip_noise


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid import langid

    return langid.LanguageIdentifier.from_modelpath(
        langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True
    )


def detect(text: str) -> Detection:
    """The language of the prose in `text`, or None when there is too little of it."""
    prose = strip_noise(text)
    if letters(prose) < MIN_LETTERS:
        return Detection(None, 0.0)
    code, probability = _identifier().classify(prose)
    return Detection(str(code), float(probability))
