"""The administration commands: org, account, supplier, user, import and changes, acting as a
named administrator so each change is logged with who made it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Desk
from tierdesk.cli.main import main
from tierdesk.persistence.models import AdminChange, Organisation, Subscription, User


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_org_commands(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "org", "create", "Fabrikam", "--ref", "FAB-1")
    assert code == 0 and "org fabrikam created" in out
    change = AdminChange.objects.get()
    assert change.actor == desk.admin  # the first active administrator by default
    code, out, _ = run(capsys, "org", "edit", "fabrikam", "--name", "Fabrikam Ltd")
    assert code == 0 and "name: 'Fabrikam' -> 'Fabrikam Ltd'" in out
    code, out, _ = run(capsys, "org", "list")
    assert "fabrikam" in out and "Fabrikam Ltd" in out and "northwind" in out
    assert run(capsys, "org", "deactivate", "fabrikam")[0] == 0
    assert not Organisation.objects.get(slug="fabrikam").is_active
    code, out, _ = run(capsys, "org", "list", "--inactive", "--json")
    assert '"slug": "fabrikam"' in out and "northwind" not in out
    assert run(capsys, "org", "reactivate", "fabrikam")[0] == 0
    code, _, err = run(capsys, "org", "create", "Other", "--slug", "northwind")
    assert code == 1 and "slug:" in err and "already used" in err


def test_acting_as_someone_who_may_not(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "org", "create", "Rogue", "--as", "agent1")
    assert code == 1 and "no such organisation" in err
    code, _, err = run(capsys, "org", "create", "Rogue", "--as", "ghost")
    assert code == 1 and "no active user 'ghost'" in err
    assert not AdminChange.objects.exists()
    # A partner admin acts on their own organisation.
    code, _, _ = run(
        capsys, "account", "create", "Tailspin", "--partner", "northwind", "--as", "nora"
    )
    assert code == 0
    assert AdminChange.objects.get().actor == desk.north_admin


def test_account_and_subscription_commands(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "account", "create", "Tailspin", "--partner", "northwind")[0] == 0
    code, out, _ = run(
        capsys,
        "account",
        "subscribe",
        "tailspin",
        "--reference",
        "SUB-1",
        "--product",
        "Exchange",
        "--starts",
        "2026-01-01",
    )
    assert code == 0, out
    code, out, _ = run(
        capsys, "account", "subscribe", "tailspin", "--reference", "SUB-1", "--inactive"
    )
    assert code == 0 and "active: True -> False" in out
    assert not Subscription.objects.get(reference="SUB-1").is_active
    code, out, _ = run(capsys, "account", "list", "--partner", "northwind")
    assert "tailspin" in out and "acme" in out
    code, _, err = run(
        capsys,
        "account",
        "subscribe",
        "tailspin",
        "--reference",
        "S2",
        "--product",
        "P",
        "--starts",
        "soon",
    )
    assert code == 1 and "--starts 'soon'" in err


def test_supplier_commands(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "supplier",
        "create",
        "Odin Systems",
        "--method",
        "email",
        "--contact",
        "support@odin.example",
        "--severity",
        "high=Sev 1",
        "--severity",
        "normal=Sev 2",
        "--ola",
        "4h",
        "--calendar",
        "desk",
        "--escalation",
        "boss@odin.example",
    )
    assert code == 0, err
    terms = Organisation.objects.get(slug="odin-systems").support_terms
    assert terms.severity_map == {"high": "Sev 1", "normal": "Sev 2"}
    assert terms.escalation_contacts == ["boss@odin.example"]
    code, out, _ = run(capsys, "supplier", "edit", "odin-systems", "--ola", "1 business day")
    assert code == 0 and "ola_target: '4h' -> '1 business day'" in out
    code, out, _ = run(capsys, "supplier", "list")
    assert "odin-systems" in out and "support@odin.example" in out
    code, _, err = run(capsys, "supplier", "edit", "odin-systems", "--ola", "whenever")
    assert code == 1 and "ola_target:" in err


def test_user_commands(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "user",
        "create",
        "lena",
        "--org",
        desk.provider.slug,
        "--role",
        "agent",
        "--email",
        "lena@democloud.example",
        "--first-name",
        "Lena",
        "--level",
        "l2",
    )
    assert code == 0, err
    code, out, _ = run(capsys, "user", "edit", "lena", "--level", "l1", "--level", "l2")
    assert code == 0 and "levels: ['l2'] -> ['l1', 'l2']" in out
    code, out, _ = run(capsys, "user", "list", "--role", "agent")
    assert "lena" in out and "l1 l2" in out
    assert run(capsys, "user", "deactivate", "lena")[0] == 0
    assert not User.objects.get(username="lena").is_active
    assert run(capsys, "user", "reactivate", "lena")[0] == 0
    code, _, err = run(capsys, "user", "deactivate", "admin")
    assert code == 1 and "deactivates themselves" in err
    code, _, err = run(
        capsys,
        "user",
        "create",
        "x",
        "--org",
        desk.provider.slug,
        "--role",
        "agent",
        "--email",
        "x@x.example",
        "--level",
        "l3",
    )
    assert code == 1 and "levels:" in err


def test_import_and_changes(desk: Desk, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    file = tmp_path / "orgs.csv"
    file.write_text("slug,name\nfabrikam,Fabrikam\nnorthwind,Northwind Traders\nbad slug,X\n")
    code, out, err = run(capsys, "import", "organisations", str(file))
    assert code == 0
    assert "row 2 fabrikam: created" in out and "row 4 bad slug: refused [slug]" in out
    assert "dry run" in err and not Organisation.objects.filter(slug="fabrikam").exists()
    code, out, err = run(capsys, "import", "organisations", str(file), "--apply")
    assert code == 0 and "applied" in err
    assert Organisation.objects.filter(slug="fabrikam").exists()
    code, out, _ = run(capsys, "changes")
    assert "admin import import CSV import of organisations" in out
    assert "admin create organisation Fabrikam" in out
    assert "name: 'Northwind' -> 'Northwind Traders'" in out
    code, out, _ = run(capsys, "changes", "--kind", "import", "--json")
    assert out.count("\n") == 1 and '"verb": "import"' in out
    code, _, err = run(capsys, "import", "people", str(tmp_path / "missing.csv"))
    assert code == 1 and "missing.csv" in err
    (tmp_path / "bad.csv").write_bytes(b"slug,name\n\xff\xfe\n")
    code, _, err = run(capsys, "import", "organisations", str(tmp_path / "bad.csv"))
    assert code == 1 and "UTF-8" in err


def test_token_commands_are_logged(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "token", "create", "--user", "agent1", "--name", "ci")
    assert code == 0
    secret = out.strip()
    change = AdminChange.objects.get()
    assert (change.actor, change.verb, change.object_kind) == (desk.l1, "create", "token")
    assert secret not in str(change.after)
    key_id = change.object_id
    run(capsys, "user", "deactivate", "agent1")
    code, out, err = run(capsys, "token", "revoke", "--user", "agent1", key_id)
    assert code == 0, err
    revoked = AdminChange.objects.filter(verb="revoke").get()
    assert revoked.actor == desk.admin  # the owner is deactivated: an administrator revokes
