"""Two administrators removing each other at once on PostgreSQL: one succeeds, the desk keeps
an active administrator."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.actions.test_concurrency import _in_threads
from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions.people import create_user
from tierdesk.actions.users import deactivate_person, edit_person
from tierdesk.domain.errors import Conflict, NotFound
from tierdesk.domain.parties import Role
from tierdesk.persistence.models import User

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks under concurrent connections are PostgreSQL's",
)


@pytest.mark.parametrize("how", ["deactivate", "demote"])
@pytest.mark.django_db(transaction=True)
def test_two_administrators_removing_each_other_leave_one(desk: Desk, how: str) -> None:
    other = create_user(
        username="admin2",
        email="admin2@example.com",
        organisation=desk.provider,
        role=Role.ADMINISTRATOR,
        now=clock.now(),
    )
    pairs = [(desk.admin, other), (other, desk.admin)]

    def work(i: int) -> None:
        actor, target = pairs[i]
        if how == "deactivate":
            deactivate_person(actor=actor, person=target, now=clock.now())
        else:
            edit_person(actor=actor, person=target, now=clock.now(), changes={"role": "manager"})

    errors = _in_threads(2, work)
    assert len(errors) == 1 and isinstance(errors[0], Conflict | NotFound), errors
    left = User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).count()
    assert left == 1
