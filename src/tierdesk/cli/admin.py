"""`tierdesk org|account|supplier|user|import|changes`: administration on the command line.

The commands act as a named administrator (`--as USERNAME`, by default the first active one),
through the same actions as the pages and the API, so each change is checked by the same rule
and logged with who made it.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tierdesk.actions.organisations import Edited
    from tierdesk.persistence.models import Organisation, User

HANDLER = "admin"
ORG_OPTIONS = (
    ("--name", "name"),
    ("--slug", "slug"),
    ("--ref", "external_ref"),
    ("--email", "contact_email"),
    ("--phone", "contact_phone"),
)
PERSON_OPTIONS = (
    ("--first-name", "first_name"),
    ("--last-name", "last_name"),
    ("--email", "email"),
    ("--phone", "phone"),
    ("--language", "language"),
    ("--role", "role"),
)
TERMS_OPTIONS = (
    ("--method", "method", "email, portal or phone"),
    ("--contact", "contact", "the address, URL or phone number the method needs"),
    ("--ola", "ola_target", 'the supplier\'s target, e.g. "4h" or "1 business day"'),
    ("--calendar", "calendar", "the profile's calendar the OLA counts on"),
    ("--notes", "notes", None),
    ("--response", "response_target", 'their response target, e.g. "2h"'),
    ("--time-zone", "time_zone", "their time zone, e.g. America/New_York"),
    ("--hours", "hours", 'their hours, e.g. "mon-fri 08:00-18:00" or "24x7"'),
    ("--holidays", "holiday_country", 'their country\'s public holidays, e.g. "US" or "DE-BY"'),
    ("--reference-pattern", "reference_pattern", "a regular expression finding their reference"),
)
# Repeatable options of the supplier's own desk: flag, the terms field.
TERMS_LISTS = (
    ("--also-contact", "contacts", "another address of their desk (repeatable)"),
    ("--scale", "severity_scale", "one of their severity labels, most severe first (repeatable)"),
    ("--solved", "solved_phrases", "a phrase or status saying it is solved (repeatable)"),
)


def _as(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as",
        dest="as_user",
        default=None,
        metavar="USERNAME",
        help="the administrator acting (default: the first active administrator)",
    )


def _org_fields(p: argparse.ArgumentParser, *, name_positional: bool) -> None:
    for flag, dest in ORG_OPTIONS:
        if flag == "--name" and name_positional:
            continue
        p.add_argument(flag, dest=f"f_{dest}", default=None)


def _terms_fields(p: argparse.ArgumentParser) -> None:
    for flag, dest, help_text in TERMS_OPTIONS:
        p.add_argument(flag, dest=f"t_{dest}", default=None, help=help_text)
    p.add_argument(
        "--severity",
        dest="t_severity",
        action="append",
        default=None,
        metavar="OURS=THEIRS",
        help="map one of the profile's severities to the supplier's label (repeatable)",
    )
    p.add_argument(
        "--escalation",
        dest="t_escalation",
        action="append",
        default=None,
        metavar="CONTACT",
        help="an escalation contact (repeatable)",
    )
    for flag, dest, help_text in TERMS_LISTS:
        p.add_argument(flag, dest=f"t_{dest}", action="append", default=None, help=help_text)


def _action(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
    _as(p)
    p.set_defaults(handler=HANDLER)
    return p


def add_parsers(sub: Any) -> None:
    """Add the administration commands to the `tierdesk` parser."""
    for noun, what in (("org", "partner organisations"), ("account", "end-customer accounts")):
        group = sub.add_parser(noun, help=what).add_subparsers(dest="admin_verb", required=True)
        p = _action(group, "create", f"create one of the {what}")
        if noun == "account":
            p.add_argument("--partner", required=True, help="the partner's slug")
        p.add_argument("name")
        _org_fields(p, name_positional=True)
        p.set_defaults(admin_noun=noun)
        p = _action(group, "edit", "change the fields given")
        p.add_argument("key", metavar="SLUG")
        _org_fields(p, name_positional=False)
        p.set_defaults(admin_noun=noun)
        for verb in ("deactivate", "reactivate"):
            p = _action(group, verb, f"{verb} (nothing is deleted)")
            p.add_argument("key", metavar="SLUG")
            p.set_defaults(admin_noun=noun)
        p = _action(group, "list", f"list {what}")
        p.add_argument("--inactive", action="store_true", help="only the deactivated")
        p.add_argument("--json", action="store_true")
        if noun == "account":
            p.add_argument("--partner", default=None)
        p.set_defaults(admin_noun=noun)
        if noun == "account":
            p = _action(group, "subscribe", "add or change a subscription of an account")
            p.add_argument("key", metavar="SLUG")
            p.add_argument("--reference", required=True)
            p.add_argument("--product", default=None)
            p.add_argument("--starts", default=None, metavar="YYYY-MM-DD")
            p.add_argument("--ends", default=None, metavar="YYYY-MM-DD")
            p.add_argument("--inactive", action="store_true", help="end the subscription")
            p.set_defaults(admin_noun=noun)

    group = sub.add_parser("supplier", help="suppliers and their support terms").add_subparsers(
        dest="admin_verb", required=True
    )
    p = _action(group, "create", "create a supplier with its support terms")
    p.add_argument("name")
    _org_fields(p, name_positional=True)
    _terms_fields(p)
    p.set_defaults(admin_noun="supplier")
    p = _action(group, "edit", "change a supplier's fields and support terms")
    p.add_argument("key", metavar="SLUG")
    _org_fields(p, name_positional=False)
    _terms_fields(p)
    p.set_defaults(admin_noun="supplier")
    for verb in ("deactivate", "reactivate"):
        p = _action(group, verb, f"{verb} a supplier")
        p.add_argument("key", metavar="SLUG")
        p.set_defaults(admin_noun="supplier")
    p = _action(group, "list", "list suppliers with their terms")
    p.add_argument("--inactive", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(admin_noun="supplier")

    group = sub.add_parser(
        "user", help="people: provider staff, partner users and admins, supplier contacts"
    ).add_subparsers(dest="admin_verb", required=True)
    p = _action(group, "create", "create a person (they get a link to choose a password)")
    p.add_argument("key", metavar="USERNAME")
    p.add_argument("--org", required=True, help="the organisation's slug")
    for flag, dest in PERSON_OPTIONS:
        p.add_argument(flag, dest=f"f_{dest}", default=None, required=flag in ("--role", "--email"))
    p.add_argument("--level", dest="levels", action="append", default=None, help="repeatable")
    p.add_argument("--base-url", default="", help="the desk's address, for the invitation link")
    p.set_defaults(admin_noun="user")
    p = _action(group, "edit", "change the fields given; --level replaces the levels")
    p.add_argument("key", metavar="USERNAME")
    for flag, dest in PERSON_OPTIONS:
        p.add_argument(flag, dest=f"f_{dest}", default=None)
    p.add_argument("--level", dest="levels", action="append", default=None)
    p.add_argument("--no-levels", action="store_true", help="remove every level")
    p.set_defaults(admin_noun="user")
    for verb in ("deactivate", "reactivate"):
        p = _action(group, verb, f"{verb} a person")
        p.add_argument("key", metavar="USERNAME")
        p.set_defaults(admin_noun="user")
    p = _action(group, "list", "list people")
    p.add_argument("--org", default=None)
    p.add_argument("--role", default=None)
    p.add_argument("--inactive", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(admin_noun="user")

    p = sub.add_parser(
        "import", help="import organisations, accounts or people from CSV (a dry run by default)"
    )
    _as(p)
    p.add_argument("admin_verb", choices=["organisations", "accounts", "people"])
    p.add_argument("file", metavar="FILE")
    p.add_argument("--apply", action="store_true", help="write the result (else a dry run)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=HANDLER, admin_noun="import")

    p = sub.add_parser("changes", help="the administration change log, newest first")
    _as(p)
    p.add_argument("--kind", default=None, help="organisation, account, supplier, person, ...")
    p.add_argument("--actor", default=None, metavar="USERNAME")
    p.add_argument("--since", default=None, metavar="YYYY-MM-DD")
    p.add_argument("--until", default=None, metavar="YYYY-MM-DD", help="the last day included")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=HANDLER, admin_noun="changes", admin_verb="list")


# Running --------------------------------------------------------------------------------------


class _Refused(Exception):
    pass


def _acting(name: str | None) -> User:
    from tierdesk.domain.parties import Role
    from tierdesk.persistence.models import User

    qs = User.objects.filter(is_active=True, role=Role.ADMINISTRATOR).select_related("organisation")
    if name:
        qs = User.objects.filter(username=name, is_active=True).select_related("organisation")
    found = qs.order_by("pk").first()
    if found is None:
        raise _Refused(
            f"no active user {name!r}"
            if name
            else "no active administrator; create one with `tierdesk createadmin`"
        )
    return found


def _given(args: argparse.Namespace, prefix: str = "f_") -> dict[str, Any]:
    return {
        k[len(prefix) :]: v for k, v in vars(args).items() if k.startswith(prefix) and v is not None
    }


def _org(actor: User, slug: str, kind: str) -> Organisation:
    from tierdesk.domain.errors import NotFound
    from tierdesk.queries import administration as q

    org = q.organisation(actor, slug)
    if org.kind != kind:
        raise NotFound(f"no such {kind} {slug!r}")
    return org


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Refused(f"--{name} {text!r} is not a date such as 2026-01-31") from None


def _terms(args: argparse.Namespace) -> dict[str, Any]:
    terms = _given(args, "t_")
    if "severity" in terms:
        terms["severity_map"] = ";".join(terms.pop("severity"))
    if "escalation" in terms:
        terms["escalation_contacts"] = terms.pop("escalation")
    return terms


def _print_edit(what: str, edited: Edited) -> None:
    if not edited.changes:
        print(f"{what}: nothing changed")
        return
    print(f"{what}:")
    for name, (before, after) in edited.changes.items():
        print(f"  {name}: {before!r} -> {after!r}")


def _table(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        for row in rows:
            print(json.dumps(row, default=str, ensure_ascii=False))
        return
    if not rows:
        print("(none)")
        return
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        print("  ".join(str(row[c]).ljust(widths[c]) for c in columns).rstrip())


def _org_row(org: Organisation) -> dict[str, Any]:
    return {
        "slug": org.slug,
        "name": org.name,
        "ref": org.external_ref,
        "partner": org.parent.slug if org.parent else "",
        "active": "yes" if org.is_active else "no",
    }


def run(args: argparse.Namespace) -> int:
    from tierdesk.domain.errors import DomainError

    try:
        actor = _acting(args.as_user)
        return _dispatch(args, actor)
    except _Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for name, message in exc.fields.items():
            print(f"  {name}: {message}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace, actor: User) -> int:
    noun, verb = args.admin_noun, args.admin_verb
    if noun in ("org", "account", "supplier"):
        return _organisations(args, actor, noun, verb)
    if noun == "user":
        return _people(args, actor, verb)
    if noun == "import":
        return _import(args, actor)
    return _changes(args, actor)


def _organisations(args: argparse.Namespace, actor: User, noun: str, verb: str) -> int:
    from tierdesk import clock
    from tierdesk.actions import organisations as orgs
    from tierdesk.actions import suppliers
    from tierdesk.domain.parties import OrganisationKind
    from tierdesk.queries import administration as q

    kind = {"org": "partner", "account": "customer", "supplier": "supplier"}[noun]
    now = clock.now()
    if verb == "list":
        active = not args.inactive
        if noun == "org":
            found = list(q.partners(actor, active=active))
        elif noun == "account":
            partner = _org(actor, args.partner, "partner") if args.partner else None
            found = list(q.accounts(actor, partner=partner, active=active))
        else:
            found = list(q.suppliers(actor, active=active))
        rows = [_org_row(o) for o in found]
        if noun == "supplier":
            for row, org in zip(rows, found, strict=True):
                terms = getattr(org, "support_terms", None)
                row["method"] = terms.method if terms else ""
                row["contact"] = terms.contact if terms else ""
                row["ola"] = terms.ola_target if terms else ""
        _table(rows, args.json)
        return 0
    if verb == "create":
        values = {"name": args.name, **_given(args)}
        if noun == "org":
            org = orgs.create_partner(actor=actor, now=now, **values)
        elif noun == "account":
            partner = _org(actor, args.partner, OrganisationKind.PARTNER)
            org = orgs.create_account(actor=actor, partner=partner, now=now, **values)
        else:
            org = suppliers.create_supplier(
                actor=actor, now=now, terms=_terms(args) or None, **values
            )
        print(f"{noun} {org.slug} created")
        return 0
    org = _org(actor, args.key, kind)
    if verb == "edit":
        edited = orgs.edit_organisation(
            actor=actor, organisation=org, now=now, changes=_given(args)
        )
        _print_edit(f"{noun} {org.slug}", edited)
        if noun == "supplier" and _terms(args):
            terms = suppliers.set_terms(actor=actor, supplier=org, now=now, changes=_terms(args))
            _print_edit(f"support terms of {org.slug}", terms)
        return 0
    if verb == "subscribe":
        return _subscribe(args, actor, org)
    change = orgs.deactivate_organisation if verb == "deactivate" else orgs.reactivate_organisation
    edited = change(actor=actor, organisation=org, now=now)
    print(f"{noun} {org.slug} {verb}d" if edited.changes else f"{noun} {org.slug}: no change")
    return 0


def _subscribe(args: argparse.Namespace, actor: User, account: Organisation) -> int:
    from tierdesk import clock
    from tierdesk.actions import organisations as orgs
    from tierdesk.persistence.models import Subscription

    now = clock.now()
    existing = Subscription.objects.filter(account=account, reference=args.reference).first()
    if existing is None:
        sub = orgs.add_subscription(
            actor=actor,
            account=account,
            reference=args.reference,
            product=args.product or "",
            now=now,
            starts_on=_day(args.starts, "starts"),
            ends_on=_day(args.ends, "ends"),
            active=not args.inactive,
        )
        print(f"subscription {sub.reference} of {account.slug} created")
        return 0
    changes: dict[str, Any] = {}
    if args.product is not None:
        changes["product"] = args.product
    if args.starts is not None:
        changes["starts_on"] = _day(args.starts, "starts")
    if args.ends is not None:
        changes["ends_on"] = _day(args.ends, "ends")
    if args.inactive:
        changes["active"] = False
    edited = orgs.edit_subscription(actor=actor, subscription=existing, now=now, changes=changes)
    _print_edit(f"subscription {existing.reference} of {account.slug}", edited)
    return 0


def _people(args: argparse.Namespace, actor: User, verb: str) -> int:
    from tierdesk import clock
    from tierdesk.actions import users
    from tierdesk.queries import administration as q

    now = clock.now()
    if verb == "list":
        org = q.organisation(actor, args.org) if args.org else None
        found = q.people(actor, organisation=org, role=args.role, active=not args.inactive)
        rows = [
            {
                "username": p.username,
                "name": p.get_full_name(),
                "email": p.email,
                "role": p.role,
                "organisation": p.organisation.slug if p.organisation else "",
                "levels": " ".join(sorted(p.level_keys())),
                "active": "yes" if p.is_active else "no",
            }
            for p in found
        ]
        _table(rows, args.json)
        return 0
    if verb == "create":
        org = q.organisation(actor, args.org)
        values = _given(args)
        person = users.create_person(
            actor=actor,
            organisation=org,
            username=args.key,
            now=now,
            levels=args.levels or [],
            base_url=args.base_url,
            **values,
        )
        print(f"user {person.username} created ({person.role} in {org.slug})")
        return 0
    person = q.person(actor, args.key)
    if verb == "edit":
        changes = _given(args)
        if args.levels is not None:
            changes["levels"] = args.levels
        elif args.no_levels:
            changes["levels"] = []
        _print_edit(
            f"user {person.username}",
            users.edit_person(actor=actor, person=person, now=now, changes=changes),
        )
        return 0
    change = users.deactivate_person if verb == "deactivate" else users.reactivate_person
    edited = change(actor=actor, person=person, now=now)
    print(
        f"user {person.username} {verb}d"
        if edited.changes
        else f"user {person.username}: no change"
    )
    return 0


def _import(args: argparse.Namespace, actor: User) -> int:
    from tierdesk import clock
    from tierdesk.actions.imports import MAX_BYTES, run_import

    path = Path(args.file)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise _Refused(f"{args.file}: larger than {MAX_BYTES} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise _Refused(f"{args.file}: {exc.strerror}") from None
    report = run_import(
        actor=actor, kind=args.admin_verb, data=data, now=clock.now(), apply=args.apply
    )
    if args.json:
        for row in report.rows:
            print(json.dumps(vars(row), ensure_ascii=False))
    else:
        for row in report.rows:
            where = f" [{row.column}]" if row.column else ""
            reason = f": {row.reason}" if row.reason else ""
            print(f"row {row.row} {row.key}: {row.outcome}{where}{reason}")
    summary = ", ".join(f"{n} {o}" for o, n in report.summary().items())
    what = "applied" if report.applied else "dry run, nothing written; add --apply to write"
    print(f"{summary} ({what})", file=sys.stderr)
    return 0


def _changes(args: argparse.Namespace, actor: User) -> int:
    from tierdesk.queries import administration as q

    def instant(text: str | None, name: str, *, next_day: bool = False) -> datetime | None:
        day = _day(text, name)
        if day is None:
            return None
        return datetime.combine(day, time(), tzinfo=UTC) + timedelta(days=1 if next_day else 0)

    page = q.changes(
        actor,
        kind=args.kind,
        by=args.actor,
        since=instant(args.since, "since"),
        until=instant(args.until, "until", next_day=True),
        limit=args.limit,
    )
    for c in page.changes:
        who = c.actor.username if c.actor else "-"
        if args.json:
            print(
                json.dumps(
                    {
                        "at": c.at.isoformat(),
                        "actor": who,
                        "kind": c.object_kind,
                        "id": c.object_id,
                        "label": c.object_label,
                        "verb": c.verb,
                        "before": c.before,
                        "after": c.after,
                    },
                    ensure_ascii=False,
                )
            )
            continue
        print(f"{c.at:%Y-%m-%d %H:%M} {who} {c.verb} {c.object_kind} {c.object_label}")
        before, after = c.before or {}, c.after or {}
        for name in dict.fromkeys([*before, *after]):
            if c.before is None:
                print(f"    {name}: {after.get(name)!r}")
            elif c.after is None:
                print(f"    {name}: was {before.get(name)!r}")
            else:
                print(f"    {name}: {before.get(name)!r} -> {after.get(name)!r}")
    return 0
