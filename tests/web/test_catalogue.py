"""Every word in the user's language: each message the code and templates mark for translation
has a German, French and Dutch translation (not empty, not fuzzy), the compiled catalogues are
the ones the .po files give, and each page, walked in each language, finds every message it
looks up in the catalogue."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils.translation import trans_real

import tierdesk
from tests.conftest import Desk
from tests.web.test_words_everywhere import _client, _world, pages

SOURCE = Path(tierdesk.__file__).resolve().parent
LOCALE = SOURCE / "locale"
LANGUAGES = ("de", "fr", "nl")


def _entries(po: Path) -> list[tuple[str, str, bool]]:
    """(msgid, the first msgstr, fuzzy) for each entry of a .po file; plural and context entries
    by their msgid."""
    out = []
    # An entry starts at its first comment or msgctxt/msgid line after a msgstr (a file whose
    # entries lack the blank line between them is still read entry by entry).
    text = re.sub(
        r'(\nmsgstr[^\n]*(?:\n"[^\n]*)*)\n(?=#|msgctxt |msgid )', r"\1\n\n", po.read_text("utf-8")
    )
    for block in text.split("\n\n"):
        lines = [ln for ln in block.splitlines() if not ln.startswith("#~")]
        fuzzy = any(ln.startswith("#,") and "fuzzy" in ln for ln in lines)
        fields: dict[str, str] = {}
        current = ""
        for ln in lines:
            m = re.match(
                r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[0\])?|msgstr\[\d+\]) "(.*)"$', ln
            )
            if m:
                current = m.group(1)
                fields[current] = m.group(2)
            elif ln.startswith('"') and current:
                fields[current] += ln[1:-1]
        if fields.get("msgid"):
            msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
            out.append((fields["msgid"], msgstr, fuzzy))
    return out


@pytest.fixture(scope="module")
def used(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every msgid the code and templates use, extracted by Django's makemessages from a copy of
    the package (so the catalogues in the tree are not touched)."""
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext (GNU gettext) is needed to extract the messages; apt install gettext")
    work = tmp_path_factory.mktemp("messages") / "tierdesk"
    shutil.copytree(
        SOURCE, work, ignore=shutil.ignore_patterns("locale", "__pycache__", "static", "*.toml")
    )
    (work / "locale").mkdir()
    import os

    from django.core.management.commands import makemessages

    here = os.getcwd()
    os.chdir(work)
    # The desk's modules also call gettext_lazy as `_l`, and the domain marks its words with `N_`.
    options = makemessages.Command.xgettext_options
    makemessages.Command.xgettext_options = [*options, "--keyword=_l", "--keyword=N_"]
    try:
        with override_settings(LOCALE_PATHS=[str(work / "locale")]):
            call_command(
                "makemessages", locale=["de"], verbosity=0, extensions=["html", "txt", "py"]
            )
    finally:
        os.chdir(here)
        makemessages.Command.xgettext_options = options
    return {m for m, _, _ in _entries(work / "locale" / "de" / "LC_MESSAGES" / "django.po")}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_used_is_translated(used: set[str], language: str) -> None:
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    entries = _entries(po)
    fuzzy = sorted(m for m, _, f in entries if f)
    assert not fuzzy, f"{language}: fuzzy entries {fuzzy[:20]}"
    translated = {m for m, s, _ in entries if s}
    missing = sorted(used - translated)
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:40]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_po_file(tmp_path: Path, language: str) -> None:
    folder = LOCALE / language / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(folder / "django.po")], check=True)
    with fresh.open("rb") as a, (folder / "django.mo").open("rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog, (  # type: ignore[attr-defined]
            f"{language}: django.mo is out of date; run msgfmt -o django.mo django.po"
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_finds_its_words_in_the_catalogue(
    desk: Desk, fixed_clock: Any, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page for each role, in the language: every message looked up while rendering is in
    the desk's or Django's catalogue."""
    world = _world(desk, fixed_clock)
    missed: set[str] = set()
    original = trans_real.DjangoTranslation.gettext

    def watched(self: Any, message: str) -> str:
        found = original(self, message)
        # A word the same in both languages is still in the catalogue.
        ours = self.language() == language and message not in self._catalog
        if found == message and message.strip() and ours:
            missed.add(message)
        return found

    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", watched)
    from tierdesk.persistence.models import User

    users = {u.username: u for u in User.objects.all()}
    for username, paths in pages(desk, world).items():
        client = _client(users[username], language)
        for path in paths:
            assert client.get(path).status_code == 200, (username, path)
    assert not missed, f"{language}: {sorted(missed)[:40]}"
