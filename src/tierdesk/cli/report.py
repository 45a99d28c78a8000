"""`tierdesk report`: the reports on the command line, as text, JSON or CSV, and the what-if."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO


def _instant(text: str, name: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"error: --{name} {text!r} is not a date such as 2026-01-31") from None
    return datetime.combine(day, time(), tzinfo=UTC)


def _write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def _write_text(sections: dict[str, list[dict[str, Any]]], out: TextIO) -> None:
    for name, rows in sections.items():
        print(f"\n{name.replace('_', ' ')}", file=out)
        if not rows:
            print("  (nothing)", file=out)
            continue
        columns = list(dict.fromkeys(k for row in rows for k in row))
        widths = {c: max(len(c), *(len(_cell(r.get(c))) for r in rows)) for c in columns}
        print("  " + "  ".join(c.ljust(widths[c]) for c in columns), file=out)
        for row in rows:
            print("  " + "  ".join(_cell(row.get(c)).ljust(widths[c]) for c in columns), file=out)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def run(args: argparse.Namespace) -> int:
    from django.conf import settings

    from tierdesk import clock, profiles
    from tierdesk.domain.errors import Invalid
    from tierdesk.domain.profiles import ProfileError
    from tierdesk.queries import reports, what_if

    start = _instant(args.from_, "from")
    end = _instant(args.to, "to") + timedelta(days=1)  # --to names the last day included
    now = clock.now()
    try:
        period = reports.Period(start, end)
        current = profiles.active()
        if args.supplier or args.as_if:
            if not (args.supplier and args.as_if):
                raise Invalid(
                    "the supplier what-if names both suppliers",
                    fields={"supplier" if not args.supplier else "as_if": "is required"},
                )
            from tierdesk.queries import supplier_reports

            sections = {
                "supplier_what_if": supplier_reports.what_if(
                    None, period, current, now, supplier=args.supplier, as_if=args.as_if
                )
            }
        elif args.what_if:
            other = profiles.load(args.what_if)
            mine, theirs = what_if.compare(
                None, period, settings.TIERDESK["PROFILE"], args.what_if, now, workers=args.workers
            )
            sections = {
                "what_if": what_if.side_by_side(current, other, mine, theirs),
                "replayed": [
                    {"tickets": mine.tickets, "current": current.name, "other": other.name}
                ],
            }
        else:
            report = reports.full_report(None, period, current, now, by=args.by, every=args.every)
            sections = report.sections
    except ProfileError as exc:
        print(f"error: {exc.source}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except Invalid as exc:
        print(f"error: {exc}", file=sys.stderr)
        for name, message in exc.fields.items():
            print(f"  {name}: {message}", file=sys.stderr)
        return 1
    if args.format == "json":
        payload = {"from": start.date().isoformat(), "to": args.to, "sections": sections}
        json.dump(payload, sys.stdout, indent=2, default=str)
        print()
    elif args.format == "csv":
        _write_csv([{"section": n, **r} for n, rows in sections.items() for r in rows], sys.stdout)
    else:
        print(f"report {start.date()} to {args.to} ({current.name}), business time")
        _write_text(sections, sys.stdout)
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="tickets, SLA compliance and times in business hours for a period; --what-if PROFILE",
    )
    p.add_argument("--from", dest="from_", required=True, metavar="DATE", help="first day (UTC)")
    p.add_argument("--to", required=True, metavar="DATE", help="last day included (UTC)")
    p.add_argument("--format", choices=("text", "json", "csv"), default="text")
    p.add_argument(
        "--by",
        default="severity",
        help="group volumes by severity, level, queue, partner or channel",
    )
    p.add_argument("--every", default="month", help="day, week or month")
    p.add_argument(
        "--what-if",
        metavar="PROFILE",
        help="replay the period under another profile (name or file)",
    )
    p.add_argument("--workers", type=int, default=1, help="processes for the what-if replay")
    p.add_argument(
        "--supplier", metavar="SLUG", help="with --as-if: the period's hand-offs to this supplier"
    )
    p.add_argument(
        "--as-if",
        dest="as_if",
        metavar="SLUG",
        help="measure them on another supplier's terms (its targets, hours and holidays)",
    )
    p.set_defaults(handler="report")
