"""`tierdesk backup PATH` and `tierdesk restore PATH`: the whole desk (every table as portable
ndjson, and the stored attachments) in one tar, restorable into an empty database of either
backend."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "backup", help="write the desk (tables and attachments) to a tar; .tar.gz compresses"
    )
    p.add_argument("path", metavar="PATH")
    p.set_defaults(handler="backup")
    p = sub.add_parser(
        "restore", help="restore a backup into an empty database (migrated first if need be)"
    )
    p.add_argument("path", metavar="PATH")
    p.set_defaults(handler="restore")


def run_backup(args: argparse.Namespace) -> int:
    from tierdesk import clock
    from tierdesk.persistence.backup import backup

    path = Path(args.path)
    try:
        done = backup(path, now=clock.now())
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"backed up {done.rows} rows of {len(done.tables)} tables and {done.files} files to {path}"
    )
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from tierdesk.persistence.backup import BackupError, restore

    path = Path(args.path)
    if not path.is_file():
        print(f"error: no file {path}", file=sys.stderr)
        return 1
    call_command("migrate", interactive=False, verbosity=0)
    try:
        done = restore(path)
    except BackupError as exc:
        print(f"error: {exc}; nothing was restored", file=sys.stderr)
        return 1
    print(
        f"restored {done.rows} rows of {len(done.tables)} tables and {done.files} files from {path}; "
        "check it with `tierdesk audit verify`"
    )
    return 0
