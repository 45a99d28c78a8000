"""Backup and restore of a whole desk: every table as portable ndjson and the stored files, in one
tar. A backup taken on SQLite restores into PostgreSQL and the other way round.

The dump is read in one transaction (on PostgreSQL a repeatable-read snapshot), so tickets,
their events and the figures derived from them agree. Restore only inserts: it refuses a
database that already holds a desk, and the append-only record (events, the change log) is
written the way the desk writes it, so `tierdesk audit verify` passes on the restored desk.

Layout of the tar:
  manifest.json                 format, when, from which backend, the applied migrations, counts
  data/<app>.<model>.ndjson     first line {"model", "fields"}, then one JSON array per row
  files/<path>                  the stored files (attachments), as in the storage directory

Left out on purpose: sessions (everyone signs in again), login-failure records (django-axes),
heartbeats (processes of the old machine), content types and permissions (made by `migrate`;
rows that point at a permission carry its natural key instead of its id).
"""

from __future__ import annotations

import base64
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
SKIPPED = frozenset(
    {
        "contenttypes.contenttype",
        "auth.permission",
        "sessions.session",
        "tierdesk.heartbeat",
        "axes.accessattempt",
        "axes.accesslog",
        "axes.accessfailurelog",
        "axes.accessattemptexpiration",
    }
)
# Filled by `tierdesk migrate` from the profile; replaced by the backup's own rows on restore.
FROM_PROFILE = frozenset({"tierdesk.service"})
CHUNK = 1000


class BackupError(Exception):
    """A backup that cannot be restored here, or a database that is not empty; says why."""


@dataclass(frozen=True)
class Summary:
    tables: dict[str, int]
    files: int
    missing_files: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _models() -> list[type[models.Model]]:
    """Every table to carry, parents before the tables that point at them."""
    candidates = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and _label(m) not in SKIPPED
    ]
    chosen = {_label(m) for m in candidates}
    ordered: list[type[models.Model]] = []
    placed: set[str] = set()

    def place(model: type[models.Model]) -> None:
        label = _label(model)
        if label in placed:
            return
        placed.add(label)
        for f in model._meta.concrete_fields:
            target = f.related_model if f.is_relation else None
            if isinstance(target, type) and target is not model and _label(target) in chosen:
                place(target)
        ordered.append(model)

    for m in sorted(candidates, key=_label):
        place(m)
    return ordered


def _is_permission(f: models.Field[Any, Any]) -> bool:
    return bool(f.is_relation and f.related_model and _label(f.related_model) == "auth.permission")  # type: ignore[arg-type]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def _permission_keys() -> dict[int, list[str]]:
    from django.contrib.auth.models import Permission

    return {
        p.pk: [p.content_type.app_label, p.content_type.model, p.codename]
        for p in Permission.objects.select_related("content_type")
    }


def _applied() -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def _ticket_numbers_taken() -> dict[str, int]:
    """On PostgreSQL the numbers are taken from sequences, not the TicketSequence rows: the last
    number each prefix gave, so the restored desk goes on after it."""
    from tierdesk.persistence.models import TicketSequence
    from tierdesk.persistence.numbers import sequence_name

    taken: dict[str, int] = {}
    if connection.vendor != "postgresql":
        return taken
    with connection.cursor() as cursor:
        for seq in TicketSequence.objects.all():
            name = sequence_name(seq.prefix)
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            row = cursor.fetchone()
            if row and row[0]:
                # The name is built from [a-z0-9_] only (numbers.sequence_name).
                query = f"SELECT last_value, is_called FROM {connection.ops.quote_name(name)}"  # noqa: S608
                cursor.execute(query)
                last_value, is_called = cursor.fetchone() or (0, False)
                taken[seq.prefix] = int(last_value) if is_called else int(last_value) - 1
    return taken


def _storage_root() -> Path:
    return Path(settings.STORAGES["default"]["OPTIONS"]["location"])  # type: ignore[index]


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o640
    tar.addfile(info, io.BytesIO(data))


def backup(path: Path, *, now: datetime) -> Summary:
    """Write the desk to `path` (a .tar, or gzipped when the name ends in .gz or .tgz)."""
    gzipped = path.name.endswith((".gz", ".tgz"))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory() as scratch:
        tables, dumps, applied, stored = _dump(Path(scratch))
        root = _storage_root()
        files = [root / name for name in stored if (root / name).is_file()]
        missing = sorted(set(stored) - {f.relative_to(root).as_posix() for f in files})
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": connection.vendor,
            "migrations": applied,
            "tables": tables,
            "files": len(files),
            # Files the rows name that the storage did not hold when the backup was taken.
            "missing_files": missing,
        }
        # Password hashes and second-factor secrets are in it: readable by the owner only.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        os.chmod(partial, 0o600)
        with tarfile.open(partial, "w:gz") if gzipped else tarfile.open(partial, "w") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
            for label, dump in dumps:
                tar.add(dump, arcname=f"data/{label}.ndjson")
            for file in files:
                tar.add(file, arcname=f"files/{file.relative_to(root).as_posix()}")
    os.replace(partial, path)
    return Summary(tables, len(files), missing)


def _dump(
    scratch: Path,
) -> tuple[dict[str, int], list[tuple[str, Path]], list[list[str]], list[str]]:
    """Every table into an ndjson file, read in one transaction, and the stored files the rows
    name (files left behind by an upload that was rolled back are not carried)."""
    tables: dict[str, int] = {}
    dumps = []
    stored: set[str] = set()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        permissions = _permission_keys()
        taken = _ticket_numbers_taken()
        for model in _models():
            label = _label(model)
            fields = list(model._meta.concrete_fields)
            names = [f.attname for f in fields]
            target = scratch / f"{label}.ndjson"
            count = 0
            with target.open("w", encoding="utf-8") as out:
                out.write(json.dumps({"model": label, "fields": names}) + "\n")
                rows = model._base_manager.order_by("pk").values_list(*names)
                for row in rows.iterator(chunk_size=CHUNK):
                    values = [_encode(v) for v in row]
                    for i, f in enumerate(fields):
                        if _is_permission(f) and values[i] is not None:
                            values[i] = permissions[values[i]]
                        if label == "tierdesk.ticketsequence" and f.attname == "last":
                            prefix = values[names.index("prefix")]
                            values[i] = max(int(values[i]), taken.get(prefix, 0))
                    for i, f in enumerate(fields):
                        if isinstance(f, models.FileField) and values[i]:
                            stored.add(str(values[i]))
                    out.write(json.dumps(values, ensure_ascii=False) + "\n")
                    count += 1
            tables[label] = count
            dumps.append((label, target))
        applied = _applied()
    return tables, dumps, applied, sorted(stored)


def _safe_member(name: str) -> PurePosixPath | None:
    """The path under files/ a member names, or None for anything that would leave it."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or len(path.parts) < 2:
        return None
    return PurePosixPath(*path.parts[1:])


def _manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile("manifest.json")
    except KeyError:
        member = None
    if member is None:
        raise BackupError("not a Tierdesk backup: it holds no manifest.json")
    manifest = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r}; this desk reads {FORMAT}")
    return dict(manifest)


def check_empty() -> None:
    """Refuse a database that already holds a desk (anything but what `migrate` puts there)."""
    held = [
        _label(m) for m in _models() if _label(m) not in FROM_PROFILE and m._base_manager.exists()
    ]
    if held:
        raise BackupError(
            "the database is not empty (it holds "
            + ", ".join(held[:5])
            + (", ..." if len(held) > 5 else "")
            + "); restore into an empty database"
        )


def _decoders(model: type[models.Model], names: list[str]) -> list[Any]:
    from django.contrib.auth.models import Permission

    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [n for n in names if n not in by_attname]
    if unknown:
        raise BackupError(f"{_label(model)}: the backup has fields this desk lacks: {unknown}")
    decoders: list[Any] = []
    for name in names:
        f = by_attname[name]
        if _is_permission(f):
            decoders.append(
                lambda v: (
                    None
                    if v is None
                    else Permission.objects.get_by_natural_key(v[2], v[0], v[1]).pk
                )
            )
        elif isinstance(f, models.JSONField):
            decoders.append(lambda v: v)
        else:
            column = f.target_field if f.is_relation else f  # type: ignore[attr-defined]
            decoders.append(lambda v, column=column: None if v is None else column.to_python(v))
    return decoders


def _rows(tar: tarfile.TarFile, label: str) -> Iterator[tuple[list[str], list[Any]]]:
    member = tar.extractfile(f"data/{label}.ndjson")
    if member is None:
        raise BackupError(f"the backup lacks the table {label}")
    stream = io.TextIOWrapper(member, encoding="utf-8")
    head = json.loads(stream.readline())
    names = head["fields"]
    for line in stream:
        if line.strip():
            yield names, json.loads(line)


def restore(path: Path) -> Summary:
    """Restore the desk in `path` into this (migrated, empty) database and storage directory."""
    try:
        tar = tarfile.open(path, "r:*")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read {path}: {exc}") from exc
    with tar:
        manifest = _manifest(tar)
        here = {tuple(m) for m in _applied()}
        there = {tuple(m) for m in manifest["migrations"]}
        if here != there:
            missing = sorted(there - here)
            newer = sorted(here - there)
            raise BackupError(
                "the backup was taken at another schema version"
                + (f"; migrations this desk lacks: {missing[:3]}" if missing else "")
                + (f"; migrations the backup predates: {newer[:3]}" if newer else "")
                + ". Restore with the version that took it, then upgrade"
            )
        root = _storage_root()
        members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith("files/")]
        for m in members:
            rel = _safe_member(m.name)
            if rel is None:
                raise BackupError(f"the backup names a file outside the storage: {m.name!r}")
            if (root / rel).exists():
                raise BackupError(
                    f"the storage directory already holds {rel}; restore into an empty one"
                )
        tables: dict[str, int] = {}
        with transaction.atomic():
            check_empty()
            for model in _models():
                label = _label(model)
                if label not in manifest["tables"]:
                    raise BackupError(f"the backup lacks the table {label}")
                if label in FROM_PROFILE:
                    model._base_manager.all().delete()
                batch: list[models.Model] = []
                decoders: list[Any] | None = None
                count = 0
                for names, values in _rows(tar, label):
                    if decoders is None:
                        decoders = _decoders(model, names)
                    row = {n: d(v) for n, d, v in zip(names, decoders, values, strict=True)}
                    batch.append(model(**row))
                    count += 1
                    if len(batch) >= CHUNK:
                        model._base_manager.bulk_create(batch)
                        batch = []
                if batch:
                    model._base_manager.bulk_create(batch)
                tables[label] = count
            _after_insert()
        for m in members:
            rel = _safe_member(m.name)
            assert rel is not None
            source = tar.extractfile(m)
            assert source is not None
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
            with open(target, "xb") as out:
                out.write(source.read())
            target.chmod(0o640)
    return Summary(tables, len(members))


def _after_insert() -> None:
    """Rows were inserted with their ids: PostgreSQL's id sequences and ticket-number sequences
    go on after them."""
    if connection.vendor != "postgresql":
        return
    from tierdesk.persistence.models import TicketSequence
    from tierdesk.persistence.numbers import sequence_name

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), _models()):
            cursor.execute(statement)
        for seq in TicketSequence.objects.all():
            name = sequence_name(seq.prefix)
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            row = cursor.fetchone()
            if row and row[0]:
                cursor.execute("SELECT setval(%s, %s, %s)", [name, max(seq.last, 1), seq.last > 0])
