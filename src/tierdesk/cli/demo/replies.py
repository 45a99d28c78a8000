"""The demo desk's canned replies, added through the action by the person the file names (a
manager's are shared, an agent's personal), so the change log shows them."""

from __future__ import annotations

from datetime import datetime

from tierdesk.actions import macros
from tierdesk.cli.demo.desk_file import Desk
from tierdesk.domain.parties import Role
from tierdesk.persistence.models import User


def write_canned_replies(desk: Desk, people: dict[str, User], now: datetime) -> None:
    for seed in desk.canned_replies:
        by = people[seed.by]
        macros.create(
            actor=by,
            now=now,
            title=seed.title,
            texts=seed.texts,
            suggests=seed.suggests,
            personal=by.role == Role.AGENT,
        )
