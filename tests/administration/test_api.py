"""The /api/v1/admin endpoints: the same actions behind them, the API's error shape, and
isolation (a partner admin sees only their own organisation; partner users, supplier contacts,
agents and managers get 403 or 404)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import ApiClient, Desk
from tierdesk import clock
from tierdesk.actions import tokens
from tierdesk.persistence.models import AdminChange, Organisation, User


def patch(client: ApiClient, path: str, payload: dict[str, Any]) -> Any:
    return client.client.patch(
        f"/api/v1{path}", json.dumps(payload), content_type="application/json"
    )


def delete(client: ApiClient, path: str) -> Any:
    return client.client.delete(f"/api/v1{path}")


def test_organisations_round_trip(desk: Desk) -> None:
    admin = ApiClient(desk.admin)
    created = admin.post(
        "/admin/organisations", {"name": "Fabrikam", "contact_phone": "+352 2612 3456"}
    )
    assert created.status_code == 201, created.content
    assert created.json()["slug"] == "fabrikam" and created.json()["active"] is True
    listed = admin.get("/admin/organisations").json()
    assert {o["slug"] for o in listed} == {"northwind", "contoso", "fabrikam"}
    edited = patch(admin, "/admin/organisations/fabrikam", {"external_ref": "FAB-9"})
    assert edited.status_code == 200
    assert edited.json()["changed"] == {"external_ref": {"before": "", "after": "FAB-9"}}
    gone = admin.post("/admin/organisations/fabrikam/deactivate")
    assert gone.status_code == 200 and gone.json()["organisation"]["active"] is False
    assert [o["slug"] for o in admin.get("/admin/organisations", active="false").json()] == [
        "fabrikam"
    ]
    assert admin.post("/admin/organisations/fabrikam/reactivate").json()["organisation"]["active"]


def test_errors_name_the_field(desk: Desk) -> None:
    admin = ApiClient(desk.admin)
    taken = admin.post("/admin/organisations", {"name": "X", "slug": "northwind"})
    assert taken.status_code == 422
    assert taken.json()["error"] == "invalid" and "slug" in taken.json()["fields"]
    missing = admin.post("/admin/organisations", {})
    assert missing.status_code == 422 and "name" in missing.json()["fields"]
    nul = admin.post("/admin/organisations", {"name": "a\x00b"})
    assert nul.status_code == 422 and "name" in nul.json()["fields"]
    terms = admin.post(
        "/admin/suppliers",
        {"name": "Odin", "terms": {"method": "email", "contact": "x", "ola_target": "soon"}},
    )
    assert terms.status_code == 422
    assert set(terms.json()["fields"]) == {"contact", "ola_target"}
    person = admin.post(
        "/admin/people",
        {
            "username": "lena",
            "organisation": desk.provider.slug,
            "role": "agent",
            "email": "lena@x.example",
            "levels": ["l3"],
        },
    )
    assert person.status_code == 422 and "levels" in person.json()["fields"]
    assert admin.get("/admin/accounts/nope").status_code == 404
    assert not AdminChange.objects.exists()


def test_accounts_and_subscriptions(desk: Desk) -> None:
    nora = ApiClient(desk.north_admin)
    made = nora.post("/admin/accounts", {"name": "Tailspin"})
    assert made.status_code == 201 and made.json()["partner"] == "northwind"
    sub = nora.post(
        "/admin/accounts/tailspin/subscriptions",
        {"reference": "SUB-1", "product": "Exchange", "starts_on": "2026-01-01"},
    )
    assert sub.status_code == 201, sub.content
    ended = patch(nora, "/admin/accounts/tailspin/subscriptions/SUB-1", {"active": False})
    assert ended.json()["changed"] == {"active": {"before": True, "after": False}}
    assert [s["reference"] for s in nora.get("/admin/accounts/tailspin/subscriptions").json()] == [
        "SUB-1"
    ]
    assert {a["slug"] for a in nora.get("/admin/accounts").json()} == {"acme", "tailspin"}
    bad = nora.post(
        "/admin/accounts/tailspin/subscriptions",
        {"reference": "S2", "product": "P", "starts_on": "tomorrow"},
    )
    assert bad.status_code == 422 and "starts_on" in bad.json()["fields"]


def test_suppliers_and_terms(desk: Desk) -> None:
    admin = ApiClient(desk.admin)
    made = admin.post(
        "/admin/suppliers",
        {
            "name": "Odin Systems",
            "terms": {
                "method": "phone",
                "contact": "+352 2612 3456",
                "severity_map": {"high": "P1"},
                "ola_target": "1 business day",
                "calendar": "desk",
            },
        },
    )
    assert made.status_code == 201, made.content
    assert made.json()["terms"]["severity_map"] == {"high": "P1"}
    changed = patch(admin, "/admin/suppliers/odin-systems/terms", {"ola_target": "4h"})
    assert changed.json()["changed"] == {"ola_target": {"before": "1 business day", "after": "4h"}}
    assert changed.json()["supplier"]["terms"]["ola_target"] == "4h"
    assert {s["slug"] for s in admin.get("/admin/suppliers").json()} == {"vendor", "odin-systems"}


def test_people_and_tokens(desk: Desk) -> None:
    admin = ApiClient(desk.admin)
    made = admin.post(
        "/admin/people",
        {
            "username": "lena",
            "organisation": desk.provider.slug,
            "role": "agent",
            "email": "lena@democloud.example",
            "first_name": "Lena",
            "levels": ["l2"],
        },
    )
    assert made.status_code == 201, made.content
    assert made.json()["levels"] == ["l2"]
    edited = patch(admin, "/admin/people/lena", {"levels": ["l1", "l2"]})
    assert edited.json()["changed"] == {"levels": {"before": ["l2"], "after": ["l1", "l2"]}}
    issued = admin.post("/admin/tokens", {"name": "lena's", "owner": "lena"})
    assert issued.status_code == 201 and issued.json()["secret"].startswith("tdk_")
    secret = issued.json()["secret"]
    listed = admin.get("/admin/tokens", owner="lena").json()
    assert [t["key_id"] for t in listed] == [issued.json()["key_id"]]
    assert "secret" not in listed[0] and secret not in json.dumps(listed)
    lena_api = ApiClient.__new__(ApiClient)
    from django.test import Client

    lena_api.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert lena_api.get("/me").status_code == 200
    assert admin.post("/admin/people/lena/deactivate").json()["person"]["active"] is False
    assert lena_api.get("/me").status_code == 401
    assert admin.post("/admin/people/lena/reactivate").status_code == 200
    revoked = admin.post(f"/admin/tokens/{issued.json()['key_id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert lena_api.get("/me").status_code == 401
    # Anyone lists and makes their own tokens, nobody else's.
    agent = ApiClient(desk.l1)
    own = agent.get("/admin/tokens").json()
    assert {t["owner"] for t in own} == {"agent1"}
    assert agent.post("/admin/tokens", {"name": "x", "owner": "lena"}).status_code == 404
    theirs = tokens.create_token(user=desk.l2, name="l2", now=clock.now()).token.key_id
    assert agent.post(f"/admin/tokens/{theirs}/revoke").status_code == 404
    # A time without a zone is the writer's, read in their zone (the desk's, Luxembourg).
    naive = agent.post("/admin/tokens", {"name": "x", "expires_at": "2030-01-01T00:00:00"})
    assert naive.status_code == 201 and naive.json()["expires_at"] == "2030-01-01T00:00:00+01:00"


def test_the_last_administrator_stays(desk: Desk) -> None:
    admin = ApiClient(desk.admin)
    lone = admin.post("/admin/people/admin/deactivate")
    assert lone.status_code == 409 and lone.json()["error"] == "conflict"
    assert User.objects.get(username="admin").is_active


def test_changes_and_domains(desk: Desk) -> None:
    admin = ApiClient(desk.admin)
    assert (
        admin.post(
            "/admin/organisations/northwind/domains", {"domain": "northwind.example"}
        ).status_code
        == 201
    )
    assert [d["domain"] for d in admin.get("/admin/organisations/northwind/domains").json()] == [
        "northwind.example"
    ]
    assert (
        delete(admin, "/admin/organisations/northwind/domains/northwind.example").status_code == 204
    )
    admin.post("/admin/organisations", {"name": "Fabrikam"})
    page = admin.get("/admin/changes", limit=2).json()
    assert [c["verb"] for c in page["items"]] == ["create", "remove"]
    assert page["items"][0]["actor"] == "admin" and page["next_cursor"] is not None
    older = admin.get("/admin/changes", limit=2, cursor=page["next_cursor"]).json()
    assert [c["verb"] for c in older["items"]] == ["approve"] and older["next_cursor"] is None
    assert [
        c["object_kind"] for c in admin.get("/admin/changes", kind="domain").json()["items"]
    ] == ["domain", "domain"]
    naive = admin.get("/admin/changes", since="2026-01-01T00:00:00")
    assert naive.status_code == 200


def test_import_endpoint_dry_run_then_apply(desk: Desk) -> None:
    admin = ApiClient(desk.admin)
    data = b"slug,name\nfabrikam,Fabrikam\nnorthwind,Northwind Traders\nbad slug,X\n"

    def send(dry: str) -> Any:
        return admin.client.post(
            f"/api/v1/admin/import/organisations?dry_run={dry}",
            {"file": SimpleUploadedFile("orgs.csv", data, content_type="text/csv")},
        )

    dry = send("true")
    assert dry.status_code == 200, dry.content
    assert dry.json()["summary"] == {"created": 1, "updated": 1, "unchanged": 0, "refused": 1}
    assert dry.json()["rows"][2] == {
        "row": 4,
        "key": "bad slug",
        "outcome": "refused",
        "column": "slug",
        "reason": dry.json()["rows"][2]["reason"],
    }
    assert not Organisation.objects.filter(slug="fabrikam").exists()
    applied = send("false")
    assert applied.json()["applied"] is True
    assert Organisation.objects.filter(slug="fabrikam").exists()
    broken = admin.client.post(
        "/api/v1/admin/import/organisations",
        {"file": SimpleUploadedFile("x.csv", b"slug,name\n\x00", content_type="text/csv")},
    )
    assert broken.status_code == 422 and "file" in broken.json()["fields"]
    assert (
        admin.client.post(
            "/api/v1/admin/import/tickets", {"file": SimpleUploadedFile("x.csv", data)}
        ).status_code
        == 404
    )


ADMIN_READS = [
    "/admin/organisations",
    "/admin/accounts",
    "/admin/suppliers",
    "/admin/people",
    "/admin/changes",
    "/admin/organisations/northwind",
    "/admin/accounts/acme",
    "/admin/people/ned",
    "/admin/suppliers/vendor",
]


@pytest.mark.parametrize("who", ["north_user", "contoso_user", "vendor", "l1", "manager"])
def test_no_administration_for_the_others(desk: Desk, who: str) -> None:
    client = ApiClient(getattr(desk, who))
    for path in ADMIN_READS:
        answer = client.get(path)
        assert answer.status_code in (403, 404), (path, answer.status_code)
        assert set(answer.json()) == {"error", "message", "fields"}
    writes = [
        ("post", "/admin/organisations", {"name": "Rogue"}),
        ("post", "/admin/accounts", {"name": "Rogue", "partner": "northwind"}),
        ("post", "/admin/people/admin/deactivate", None),
        ("post", "/admin/people/ned/deactivate", None),
        ("post", "/admin/organisations/northwind/deactivate", None),
        ("patch", "/admin/organisations/northwind", {"name": "Pwned"}),
        ("post", "/admin/suppliers", {"name": "Rogue"}),
        ("post", "/admin/organisations/northwind/domains", {"domain": "evil.example"}),
    ]
    for method, path, payload in writes:
        answer = (
            patch(client, path, payload or {}) if method == "patch" else client.post(path, payload)
        )
        assert answer.status_code in (403, 404, 422), (path, answer.status_code)
    assert not AdminChange.objects.exists()
    assert Organisation.objects.get(slug="northwind").name == "Northwind"
    assert User.objects.get(username="admin").is_active


def test_a_partner_admin_sees_and_touches_only_their_own(desk: Desk) -> None:
    nora = ApiClient(desk.north_admin)
    assert [o["slug"] for o in nora.get("/admin/organisations").json()] == ["northwind"]
    assert {p["organisation"] for p in nora.get("/admin/people").json()} == {"northwind"}
    assert [c["slug"] for c in nora.get("/admin/accounts").json()] == ["acme"]
    for path in (
        "/admin/organisations/contoso",
        "/admin/people/carl",
        "/admin/people/agent1",
        "/admin/accounts/nope",
    ):
        assert nora.get(path).status_code == 404, path
    assert nora.get("/admin/suppliers").status_code == 403
    assert patch(nora, "/admin/organisations/contoso", {"name": "Mine"}).status_code == 404
    assert nora.post("/admin/people/carl/deactivate").status_code == 404
    assert nora.post("/admin/accounts", {"name": "X", "partner": "contoso"}).status_code == 422
    assert (
        nora.post("/admin/organisations/contoso/domains", {"domain": "c.example"}).status_code
        == 404
    )
    # Her own organisation itself is the provider's to edit, her people hers.
    assert patch(nora, "/admin/organisations/northwind", {"name": "Mine"}).status_code == 404
    assert nora.post("/admin/people/ned/deactivate").status_code == 200
    assert nora.get("/admin/people", organisation="contoso").status_code == 404


def test_hostile_strings_in_every_admin_field_never_break_the_api(desk: Desk) -> None:
    from urllib.parse import quote

    from tests.administration.test_imports import naughty

    admin = ApiClient(desk.admin)
    failures = []
    strings = [*naughty(limit=50), "nul\x00byte"]
    for i, text in enumerate(strings):
        calls = [
            (
                "partner",
                lambda t: admin.post(
                    "/admin/organisations", {"name": t[:200], "external_ref": t[:100]}
                ),
            ),
            (
                "partner slug",
                lambda t: admin.post("/admin/organisations", {"name": "N", "slug": t[:80]}),
            ),
            (
                "edit",
                lambda t: patch(
                    admin, "/admin/organisations/northwind", {"contact_email": t[:254]}
                ),
            ),
            ("account", lambda t: admin.post("/admin/accounts", {"name": t[:200], "partner": t})),
            (
                "subscription",
                lambda t: admin.post(
                    "/admin/accounts/acme/subscriptions", {"reference": t[:100], "product": t[:200]}
                ),
            ),
            (
                "terms",
                lambda t: patch(
                    admin,
                    "/admin/suppliers/vendor/terms",
                    {
                        "method": t[:10],
                        "contact": t[:300],
                        "ola_target": t[:60],
                        "calendar": t[:40],
                        "severity_map": {t[:40]: t[:60]},
                    },
                ),
            ),
            (
                "person",
                lambda t, i=i: admin.post(
                    "/admin/people",
                    {
                        "username": t[:150],
                        "organisation": "northwind",
                        "role": "partner_user",
                        "email": f"p{i}@northwind.example",
                        "first_name": t[:150],
                        "last_name": t[:150],
                    },
                ),
            ),
            (
                "person role",
                lambda t: patch(admin, "/admin/people/ned", {"role": t, "levels": [t]}),
            ),
            (
                "domain",
                lambda t: admin.post("/admin/organisations/northwind/domains", {"domain": t[:253]}),
            ),
            ("token", lambda t: admin.post("/admin/tokens", {"name": t[:100], "owner": t})),
            ("changes", lambda t: admin.get("/admin/changes", kind=t, actor=t, object_id=t)),
            ("people", lambda t: admin.get("/admin/people", q=t[:200], role=t, organisation=t)),
            ("revoke", lambda t: admin.post(f"/admin/tokens/{quote(t, safe='')}/revoke")),
            (
                "domain path",
                lambda t: delete(
                    admin, f"/admin/organisations/northwind/domains/{quote(t, safe='')}"
                ),
            ),
            ("tokens", lambda t: admin.get("/admin/tokens", owner=t)),
            (
                "path",
                lambda t: admin.client.get(
                    "/api/v1/admin/people/"
                    + t.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
                ),
            ),
        ]
        for name, call in calls:
            response = call(text)
            if response.status_code not in (200, 201, 204, 404, 409, 422):
                failures.append((name, text, response.status_code))
            elif response.status_code >= 400 and set(response.json()) != {
                "error",
                "message",
                "fields",
            }:
                failures.append((name, text, "error shape"))
    assert failures == []
    # Whatever was stored is what was sent; nothing holds a NUL.
    names = [*Organisation.objects.values_list("name", flat=True)]
    names += [*User.objects.values_list("first_name", flat=True)]
    assert all("\x00" not in n for n in names)


def test_a_partner_admin_cannot_tell_other_organisations_from_none(desk: Desk) -> None:
    # Another tenant's organisation answers exactly as one that does not exist.
    nora = ApiClient(desk.north_admin)
    person = {"username": "zed", "role": "partner_user", "email": "zed@x.example"}
    answers = [
        nora.post("/admin/people", {**person, "organisation": slug})
        for slug in ("vendor", "contoso", "no-such-org")
    ]
    assert [a.status_code for a in answers] == [422, 422, 422]
    assert [list(a.json()["fields"]) for a in answers] == [["organisation"]] * 3
    assert not User.objects.filter(username="zed").exists()
    assert not AdminChange.objects.exists()
