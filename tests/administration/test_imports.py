"""CSV imports: a dry run reports exactly what the apply then does; refused rows leave nothing;
a file that is not UTF-8 CSV is refused whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions.imports import MAX_ROWS, run_import
from tierdesk.domain.errors import Forbidden, Invalid
from tierdesk.persistence.models import AdminChange, Organisation, Subscription, User

TESTDATA = Path(__file__).resolve().parents[3] / "shared" / "testdata"


def naughty(limit: int = 60) -> list[str]:
    path = TESTDATA / "naughty-strings.txt"
    if not path.exists():
        pytest.skip(f"{path} is absent (a user's checkout); CI always has it")
    lines = path.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    strings = []
    for line in lines:
        if not line or line.startswith("#"):
            continue
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:
            continue
        strings.append(line)
    return strings[:: max(1, len(strings) // limit)]


def csv_bytes(rows: list[list[str]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def snapshot() -> tuple[int, int, int, int, list[str]]:
    return (
        Organisation.objects.count(),
        User.objects.count(),
        Subscription.objects.count(),
        AdminChange.objects.count(),
        sorted(Organisation.objects.values_list("name", flat=True)),
    )


ORGANISATIONS = [
    ["slug", "name", "external_ref", "contact_email"],
    ["fabrikam", "Fabrikam", "FAB-1", "ops@fabrikam.example"],  # 2 created
    ["northwind", "Northwind Traders", "", ""],  # 3 updated (name)
    ["contoso", "Contoso", "", ""],  # 4 unchanged
    ["bad slug!", "Bad", "", ""],  # 5 refused: slug
    ["tailwind", "Tailwind", "", "not-an-address"],  # 6 refused: contact_email
    ["fabrikam", "Fabrikam again", "", ""],  # 7 refused: repeats row 2
    ["vendor", "Vendor", "", ""],  # 8 refused: a supplier, not a partner
    ["emptyname", "", "", ""],  # 9 refused: name
]


def test_organisations_dry_run_then_apply(desk: Desk) -> None:
    data = csv_bytes(ORGANISATIONS)
    before = snapshot()
    dry = run_import(actor=desk.admin, kind="organisations", data=data, now=clock.now())
    assert snapshot() == before  # nothing written, the change log included
    outcomes = [(r.row, r.outcome, r.column) for r in dry.rows]
    assert outcomes == [
        (2, "created", ""),
        (3, "updated", ""),
        (4, "unchanged", ""),
        (5, "refused", "slug"),
        (6, "refused", "contact_email"),
        (7, "refused", "slug"),
        (8, "refused", "slug"),
        (9, "refused", "name"),
    ]
    assert "repeats row 2" in dry.rows[5].reason
    assert dry.summary() == {"created": 1, "updated": 1, "unchanged": 1, "refused": 5}

    applied = run_import(
        actor=desk.admin, kind="organisations", data=data, now=clock.now(), apply=True
    )
    assert [(r.row, r.outcome, r.column) for r in applied.rows] == outcomes
    assert Organisation.objects.get(slug="fabrikam").contact_email == "ops@fabrikam.example"
    assert Organisation.objects.get(slug="northwind").name == "Northwind Traders"
    assert not Organisation.objects.filter(slug__in=["tailwind", "emptyname"]).exists()
    kinds = list(AdminChange.objects.order_by("pk").values_list("object_kind", "verb"))
    assert kinds == [("organisation", "create"), ("organisation", "edit"), ("import", "import")]
    assert AdminChange.objects.get(verb="import").after == applied.summary()


def test_accounts_with_subscriptions(desk: Desk) -> None:
    data = csv_bytes(
        [
            ["partner", "slug", "name", "subscription", "product", "starts_on", "ends_on"],
            ["northwind", "tailspin", "Tailspin Toys", "SUB-1", "Exchange", "2026-01-01", ""],
            ["northwind", "tailspin", "Tailspin Toys", "SUB-2", "SharePoint", "", ""],
            ["northwind", "acme", "Acme", "", "", "", ""],
            ["northwind", "wingtip", "Wingtip", "SUB-3", "Backup", "first of May", ""],
            ["contoso", "litware", "Litware", "", "", "", ""],
            ["northwind", "contoso", "Clash", "", "", "", ""],
            ["northwind", "adatum", "Adatum", "", "Backup", "", ""],
        ]
    )
    dry = run_import(actor=desk.north_admin, kind="accounts", data=data, now=clock.now())
    expected = [
        (2, "created", ""),
        (3, "updated", ""),  # the account gains a second subscription
        (4, "unchanged", ""),
        (5, "refused", "starts_on"),
        (6, "refused", "partner"),  # another partner's: not Nora's to manage
        (7, "refused", "slug"),
        (8, "refused", "subscription"),
    ]
    assert [(r.row, r.outcome, r.column) for r in dry.rows] == expected
    assert not Organisation.objects.filter(slug="tailspin").exists()
    run_import(actor=desk.north_admin, kind="accounts", data=data, now=clock.now(), apply=True)
    tailspin = Organisation.objects.get(slug="tailspin")
    assert tailspin.parent == desk.north
    assert sorted(tailspin.subscriptions.values_list("reference", flat=True)) == ["SUB-1", "SUB-2"]
    # Refused rows left nothing, not even half: no Wingtip account without its subscription.
    assert not Organisation.objects.filter(slug__in=["wingtip", "litware", "adatum"]).exists()


def test_people(desk: Desk) -> None:
    data = csv_bytes(
        [
            ["username", "email", "role", "organisation", "first_name", "levels"],
            ["lena", "lena@democloud.example", "agent", desk.provider.slug, "Lena", "l1 l2"],
            ["agent1", "agent1@example.com", "agent", desk.provider.slug, "Alex", "l1"],
            ["ned", "ned@example.com", "partner_user", "northwind", "", ""],
            ["mallory", "mallory@x.example", "administrator", "northwind", "", ""],
            ["olaf", "olaf@x.example", "agent", desk.provider.slug, "", "l3"],
            ["carl", "carl@example.com", "partner_user", "northwind", "", ""],
            ["zed", "zed@x.example", "agent", "nowhere", "", ""],
        ]
    )
    report = run_import(actor=desk.admin, kind="people", data=data, now=clock.now(), apply=True)
    assert [(r.row, r.outcome, r.column) for r in report.rows] == [
        (2, "created", ""),
        (3, "updated", ""),  # first name given
        (4, "unchanged", ""),
        (5, "refused", "role"),
        (6, "refused", "levels"),
        (7, "refused", "organisation"),  # people do not move between organisations
        (8, "refused", "organisation"),
    ]
    assert User.objects.get(username="lena").level_keys() == ["l1", "l2"]
    assert User.objects.get(username="agent1").first_name == "Alex"


def test_a_partner_admin_imports_into_their_own_organisation_only(desk: Desk) -> None:
    data = csv_bytes(
        [
            ["username", "email", "role", "organisation"],
            ["nils", "nils@northwind.example", "partner_user", "northwind"],
            ["cleo", "cleo@contoso.example", "partner_user", "contoso"],
            ["ada", "ada@northwind.example", "agent", "northwind"],
        ]
    )
    report = run_import(
        actor=desk.north_admin, kind="people", data=data, now=clock.now(), apply=True
    )
    assert [r.outcome for r in report.rows] == ["created", "refused", "refused"]
    with pytest.raises(Forbidden):
        run_import(
            actor=desk.north_admin, kind="organisations", data=b"slug,name\n", now=clock.now()
        )
    for who in (desk.manager, desk.l1, desk.north_user):
        with pytest.raises(Forbidden):
            run_import(actor=who, kind="people", data=data, now=clock.now())


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("slug,name\nfab,Fabrik\xe4m\n".encode("latin-1"), "UTF-8"),
        (b"slug,name\nfab,Fab\x00rikam\n", "NUL"),
        (b"", "header"),
        (b"name\nFabrikam\n", "'slug'"),
        (b"slug,name,colour\nfab,Fab,red\n", "'colour'"),
        (b'slug,name\nfab,"Fab\n', "not CSV"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL"),
    ],
)
def test_a_file_that_is_not_utf8_csv_is_refused_whole(desk: Desk, data: bytes, words: str) -> None:
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        run_import(actor=desk.admin, kind="organisations", data=data, now=clock.now(), apply=True)
    assert words in refused.value.fields["file"]
    assert snapshot() == before


def test_too_many_rows_are_refused_whole(desk: Desk) -> None:
    data = b"slug,name\n" + b"".join(b"o%d,O %d\n" % (i, i) for i in range(MAX_ROWS + 1))
    with pytest.raises(Invalid) as refused:
        run_import(actor=desk.admin, kind="organisations", data=data, now=clock.now())
    assert "rows" in refused.value.fields["file"]


def test_a_bom_and_crlf_are_fine(desk: Desk) -> None:
    data = "\ufeffslug,name\r\nfabrikam,Fabrikam\r\n".encode()
    report = run_import(actor=desk.admin, kind="organisations", data=data, now=clock.now())
    assert [r.outcome for r in report.rows] == ["created"]


def test_hostile_names_are_created_or_refused_never_half_written(desk: Desk) -> None:
    strings = naughty()
    rows = [["slug", "name", "external_ref"]]
    rows += [[f"n{i}", text[:200], text[:100]] for i, text in enumerate(strings)]
    rows += [[text[:80], "Named by slug", ""] for text in strings]
    data = csv_bytes(rows)
    report = run_import(
        actor=desk.admin, kind="organisations", data=data, now=clock.now(), apply=True
    )
    assert len(report.rows) >= len(strings)
    for row in report.rows:
        assert row.outcome in ("created", "unchanged", "updated", "refused")
        if row.outcome == "refused":
            assert row.column in ("slug", "name", "external_ref", "file"), row
            assert row.reason
    created = {r.key for r in report.rows if r.outcome == "created"}
    for slug in created:
        org = Organisation.objects.get(slug=slug)
        assert org.name.strip() and "\x00" not in org.name
    # Every organisation created is logged; nothing else was written.
    assert AdminChange.objects.filter(verb="create").count() == len(created)
