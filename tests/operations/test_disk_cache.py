"""What a short-lived process reads back from the data directory instead of rebuilding: parsed
profiles (with holidays and calendar tables) and the unpacked language model. Never stale: a
changed input is a different entry."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import override_settings

from tierdesk import disk_cache, language, profiles


@pytest.fixture
def data_dir(tmp_path: Path):  # type: ignore[no-untyped-def]
    with override_settings(DATA_DIR=tmp_path):
        yield tmp_path


@pytest.mark.parametrize("name", profiles.builtin_names())
def test_a_profile_read_back_from_the_cache_is_the_parsed_one(data_dir: Path, name: str) -> None:
    path = profiles.locate(name)
    parsed = profiles.load_file(path, cache=True)  # parsed and stored
    assert list((data_dir / "cache").glob("profile-*.pickle"))
    again = profiles.load_file(path, cache=True)  # read back
    assert again == parsed and again is not parsed
    assert again.digest == parsed.digest
    start = datetime(2026, 12, 24, 15, 0, tzinfo=UTC)
    for key, calendar in parsed.calendars.items():
        cached = again.calendars[key]
        assert cached.holidays == calendar.holidays
        assert cached.add(start, 20 * 3600) == calendar.add(start, 20 * 3600)
        assert cached._cache.get("table") is not None or cached.always_open  # built once, kept


def test_a_changed_profile_file_is_parsed_again(data_dir: Path, tmp_path: Path) -> None:
    source = profiles.locate("demo").read_text(encoding="utf-8")
    path = tmp_path / "desk.toml"
    path.write_text(source, encoding="utf-8")
    first = profiles.load_file(path, cache=True)
    path.write_text(source.replace('name = "demo"', 'name = "demo-changed"', 1), encoding="utf-8")
    second = profiles.load_file(path, cache=True)
    assert first.name == "demo" and second.name == "demo-changed"
    assert len(list((data_dir / "cache").glob("profile-*.pickle"))) == 2


def test_an_unreadable_cache_entry_is_rebuilt(data_dir: Path) -> None:
    path = profiles.locate("luxcloud")
    parsed = profiles.load_file(path, cache=True)
    (entry,) = (data_dir / "cache").glob("profile-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert profiles.load_file(path, cache=True) == parsed


def test_a_file_checked_once_is_not_kept(data_dir: Path) -> None:
    assert profiles.load_file(profiles.locate("zynstra")).name == "zynstra"
    assert not (data_dir / "cache").exists()


def test_without_a_writable_data_directory_nothing_is_cached(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    with override_settings(DATA_DIR=blocked):  # DATA_DIR/cache cannot be created
        assert profiles.load_file(profiles.locate("demo"), cache=True).name == "demo"


def test_the_unpacked_language_model_answers_as_the_shipped_one(data_dir: Path) -> None:
    from py3langid import langid

    shipped = langid.LanguageIdentifier.from_modelpath(
        langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True
    )
    language._identifier.cache_clear()
    try:
        unpacked = language._identifier()
        assert list((data_dir / "cache").glob("langid-*/ptc.npy"))
        texts = [
            "Our customer reports that the nightly backup of the mailbox fails since Monday.",
            "Bonjour, notre client ne peut plus se connecter au panneau depuis ce matin.",
            "Moien, mir hunn e Problem mat der Sécherung vun eisem Server zënter gëschter.",
            "Guten Tag, die Sicherung schlägt seit Montag jede Nacht mit einem Fehler fehl.",
        ]
        for text in texts:
            assert unpacked.classify(text) == shipped.classify(text)
    finally:
        language._identifier.cache_clear()


def test_the_package_version_is_read_without_importing_the_package() -> None:
    code = (
        "import sys; from tierdesk import disk_cache; "
        "v = disk_cache.package_version('holidays'); "
        "print(v.startswith('holidays-'), 'holidays' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
    assert disk_cache.zone_database_version() != ""
