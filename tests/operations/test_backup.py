"""Backup and restore: a desk with tickets, attachments, events and notifications is written to a
tar and restored into an empty database (SQLite, and PostgreSQL when the suite runs on it) by a
separate `tierdesk restore`, where `tierdesk audit verify` passes and the files are back."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from tierdesk import clock
from tierdesk.actions import tickets as act
from tierdesk.persistence.backup import BackupError, backup, restore
from tierdesk.persistence.models import Attachment, Event, Ticket


def _desk_with_history(desk, fixed_clock) -> list[Ticket]:  # type: ignore[no-untyped-def]
    made = []
    for i in range(3):
        t = desk.open(subject=f"Mailbox quota {i} not applied")
        fixed_clock.advance(timedelta(minutes=10))
        act.add_reply(actor=desk.l1, number=t.number, body="Looking at it", now=clock.now())
        act.add_note(
            actor=desk.l1, number=t.number, body="internal: quota service", now=clock.now()
        )
        content = f"log line {i}\n".encode() * 50
        act.attach_file(
            actor=desk.north_user,
            number=t.number,
            content=io.BytesIO(content),
            name=f"trace-{i}.log",
            size=len(content),
            now=clock.now(),
            content_type="text/plain",
        )
        made.append(t)
    return made


def _cli(
    data_dir: Path, *args: str, database: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TIERDESK_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(TIERDESK_DATA_DIR=str(data_dir), TIERDESK_PROFILE=settings.TIERDESK["PROFILE"])
    if database:
        env["TIERDESK_DATABASE_URL"] = database
    return subprocess.run(
        [sys.executable, "-m", "tierdesk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _restore_and_verify(archive: Path, target: Path, database: str | None, tickets: int) -> None:
    restored = _cli(target, "restore", str(archive), database=database)
    assert restored.returncode == 0, restored.stderr
    assert "restored" in restored.stdout
    verified = _cli(target, "audit", "verify", database=database)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith(f"ok: {tickets} tickets")
    # The files came back under the names the rows give.
    for a in Attachment.objects.all():
        assert (target / "files" / a.file.name).read_bytes() == a.file.read()
    # A second restore into the now filled database is refused and changes nothing.
    again = _cli(target, "restore", str(archive), database=database)
    assert again.returncode == 1
    assert "not empty" in again.stderr or "already holds" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_a_desk_restored_into_an_empty_sqlite_database_passes_audit_verify(
    desk, fixed_clock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    made = _desk_with_history(desk, fixed_clock)
    archive = tmp_path / "desk.tar.gz"
    done = backup(archive, now=clock.now())
    assert done.tables["tierdesk.ticket"] == 3
    assert done.tables["tierdesk.event"] == Event.objects.count() > 9
    assert done.files == 3
    assert archive.stat().st_mode & 0o777 == 0o600  # password hashes inside
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        names = tar.getnames()
    assert manifest["format"] == 1 and manifest["tables"]["tierdesk.attachment"] == 3
    assert "data/tierdesk.event.ndjson" in names
    assert not any("session" in n or "heartbeat" in n for n in names)

    target = tmp_path / "restored"
    _restore_and_verify(archive, target, None, len(made))
    # The restored desk goes on numbering after the last ticket.
    check = _cli(target, "sla", "explain", made[-1].number)
    assert check.returncode == 0, check.stderr


@pytest.mark.skipif(not os.environ.get("TIERDESK_TEST_DATABASE_URL"), reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_desk_restored_into_an_empty_postgresql_database_passes_audit_verify(
    desk, fixed_clock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    made = _desk_with_history(desk, fixed_clock)
    archive = tmp_path / "desk.tar"
    backup(archive, now=clock.now())
    base = os.environ["TIERDESK_TEST_DATABASE_URL"].rsplit("/", 1)[0]
    name = f"tierdesk_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _restore_and_verify(archive, tmp_path / "restored", f"{base}/{name}", len(made))
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db
def test_restore_refuses_a_database_that_holds_a_desk(desk, fixed_clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _desk_with_history(desk, fixed_clock)
    archive = tmp_path / "desk.tar"
    backup(archive, now=clock.now())
    events = Event.objects.count()
    with pytest.raises(BackupError, match=r"not empty|already holds"):
        restore(archive)
    assert Event.objects.count() == events


def test_restore_refuses_what_is_not_a_backup(tmp_path, db) -> None:  # type: ignore[no-untyped-def]
    bogus = tmp_path / "bogus.tar"
    with tarfile.open(bogus, "w") as tar:
        data = b"{}"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match=r"manifest\.json"):
        restore(bogus)
    (tmp_path / "plain.txt").write_text("not a tar")
    with pytest.raises(BackupError, match="cannot read"):
        restore(tmp_path / "plain.txt")
