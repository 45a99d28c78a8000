"""The organisation page's deactivate and activate go through the one authority rule: an agent
cannot deactivate the administrator, a manager or another agent through it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import ApiClient, Desk
from tierdesk.persistence.models import User


def post(actor: User, org: str, verb: str, target: User) -> int:
    client = Client()
    client.force_login(actor)
    response = client.post(f"/organisation/?org={org}", {"verb": verb, "user": str(target.pk)})
    return response.status_code


@pytest.mark.parametrize("victim", ["admin", "manager", "l2", "north_user"])
def test_an_agent_deactivates_nobody(desk: Desk, victim: str) -> None:
    target = getattr(desk, victim)
    token = ApiClient(target)
    assert post(desk.l1, desk.north.slug, "deactivate", target) in (403, 404)
    target.refresh_from_db()
    assert target.is_active
    assert token.get("/me").status_code == 200  # the victim's token still answers


def test_a_partner_admin_manages_its_own_people_only(desk: Desk) -> None:
    assert post(desk.north_admin, desk.north.slug, "deactivate", desk.contoso_user) in (403, 404)
    assert post(desk.north_admin, desk.north.slug, "deactivate", desk.admin) in (403, 404)
    desk.contoso_user.refresh_from_db()
    desk.admin.refresh_from_db()
    assert desk.contoso_user.is_active and desk.admin.is_active
    assert post(desk.north_admin, desk.north.slug, "deactivate", desk.north_user) == 302
    desk.north_user.refresh_from_db()
    assert not desk.north_user.is_active
    assert post(desk.north_admin, desk.north.slug, "activate", desk.north_user) == 302
    desk.north_user.refresh_from_db()
    assert desk.north_user.is_active
