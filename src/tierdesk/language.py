"""The boundary to language identification: py3langid, whose model ships inside the package
(no download at run time). It covers Luxembourgish.

The model ships compressed (LZMA, 4.5 MB; unpacking it takes about half a second). The first
process to need it unpacks it once into the data directory's cache (`disk_cache`), one `.npy`
file per array; later processes map the large score table from there (reading only the rows a
text uses) and copy the small automaton in, a few tens of milliseconds. It is loaded only when
a text has enough prose to need it: `detect` returns before loading it otherwise."""

from __future__ import annotations

import os
import shutil
import tempfile
from array import array
from functools import lru_cache
from pathlib import Path
from typing import Any

from tierdesk import disk_cache
from tierdesk.domain.language import MIN_LETTERS, Detection, letters, strip_noise

_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")


def _unpacked(model: Path) -> Path | None:
    """The cache folder holding the model's arrays, unpacked on first use; None without one."""
    folder = disk_cache.directory()
    if folder is None:
        return None
    target = folder / disk_cache.key(
        "langid", [model.read_bytes(), disk_cache.package_version("py3langid")]
    )
    if all((target / f"{name}.npy").is_file() for name in _ARRAYS):
        return target
    import lzma

    import numpy as np

    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=".langid-"))
        with tempfile.TemporaryFile(suffix=".npz") as unpacked:
            with lzma.open(model) as source:
                shutil.copyfileobj(source, unpacked, length=1 << 20)
            unpacked.seek(0)
            with np.load(unpacked, allow_pickle=False) as data:
                for name in _ARRAYS:
                    np.save(staging / f"{name}.npy", data[name], allow_pickle=False)
        try:
            os.replace(staging, target)
        except OSError:  # another process got there first
            shutil.rmtree(staging, ignore_errors=True)
    except OSError:
        return None
    return target


_TYPECODES = {2: "H", 4: "I", 8: "L"}


def _as_array(values: Any) -> array[int]:
    out = array(_TYPECODES[values.dtype.itemsize])
    out.frombytes(memoryview(values).cast("B"))
    return out


def _as_view(values: Any) -> Any:
    """A mapped array as a memoryview of plain integers: indexed like a list, nothing copied."""
    view: Any = memoryview(values).cast("B")
    return view.cast(_TYPECODES[values.dtype.itemsize])


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid import langid

    model = langid.MODEL_DIR / langid.MODEL_FILE
    folder = _unpacked(model)
    if folder is None:
        return langid.LanguageIdentifier.from_modelpath(model, norm_probs=True)
    import numpy as np

    def load(name: str, mmap: bool = False) -> Any:
        return np.load(folder / f"{name}.npy", mmap_mode="r" if mmap else None)

    return langid.LanguageIdentifier(
        load("ptc", mmap=True),  # 100,000 x 142 scores, of which a text reads a few rows
        load("pc"),
        load("classes").tolist(),
        _as_view(load("nextmove", mmap=True)),  # the automaton: 39 MB, a text visits a few
        load("out_feat").tolist(),
        norm_probs=True,
        tk_row=_as_array(load("nextmove_row")),
    )


def detect(text: str) -> Detection:
    """The language of the prose in `text`, or None when there is too little of it."""
    prose = strip_noise(text)
    if letters(prose) < MIN_LETTERS:
        return Detection(None, 0.0)
    code, probability = _identifier().classify(prose)
    return Detection(str(code), float(probability))
