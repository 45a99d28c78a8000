"""Canned replies: create, edit, deactivate and reactivate, each checked against the rule in
`domain/macros.py` (managers and administrators the shared ones, an agent their own personal
ones) and logged in the administration change log in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from tierdesk import profiles
from tierdesk.actions import changes as log
from tierdesk.domain import macros
from tierdesk.domain.authority import Thing
from tierdesk.domain.errors import Forbidden, NotFound
from tierdesk.domain.parties import Role
from tierdesk.domain.words import N_
from tierdesk.persistence.models import CannedReply, CannedReplyText, User


def _role(user: User) -> Role | None:
    return Role(user.role) if user.role and user.is_active else None


def languages(profile_name: str) -> tuple[str, ...]:
    """The languages a canned reply of the profile may be written in: the reply language first,
    then the standard and accepted ones."""
    langs = profiles.for_ticket(profile_name).languages
    return tuple(dict.fromkeys((langs.reply, *langs.all())))


def snapshot(reply: CannedReply) -> log.Snapshot:
    return {
        "title": reply.title,
        "profile": reply.profile,
        "owner": reply.owner.username if reply.owner_id and reply.owner else None,
        "suggests": reply.suggests,
        "texts": {t.language: t.body for t in reply.texts.all()},
        "active": reply.is_active,
    }


def _require(actor: User, reply: CannedReply) -> None:
    role = _role(actor)
    if not macros.may_use(role) or reply.profile != profiles.active().name:
        raise NotFound(N_("no such canned reply"))
    if not macros.may_manage(role, actor.pk, reply.owner_id):
        if reply.owner_id is not None:  # someone else's personal reply: not even known
            raise NotFound(N_("no such canned reply"))
        raise Forbidden(N_("only managers and administrators change the shared canned replies"))


def _write_texts(reply: CannedReply, texts: Mapping[str, str]) -> None:
    kept = {lang: body for lang, body in texts.items() if body.strip()}
    reply.texts.exclude(language__in=list(kept)).delete()
    for lang, body in kept.items():
        CannedReplyText.objects.update_or_create(
            reply=reply, language=lang, defaults={"body": body}
        )


def create(
    *,
    actor: User,
    now: datetime,
    title: str,
    texts: Mapping[str, str],
    suggests: str = "",
    personal: bool = False,
) -> CannedReply:
    """A new canned reply of the active profile; `personal` keeps it the actor's own."""
    role = _role(actor)
    owner_id = actor.pk if personal else None
    if not macros.may_use(role):
        raise NotFound(N_("no such page"))
    if not macros.may_manage(role, actor.pk, owner_id):
        raise Forbidden(
            N_("only managers and administrators add shared canned replies; keep it as your own"),
            fields={"personal": N_("agents keep their canned replies as their own")},
        )
    profile = profiles.active().name
    draft = macros.Draft(title=title, texts=dict(texts), suggests=suggests)
    macros.require_valid(draft, languages=languages(profile))
    with transaction.atomic():
        reply = CannedReply.objects.create(
            profile=profile,
            title=title.strip(),
            owner=actor if personal else None,
            suggests=suggests,
            is_active=True,
            created_at=now,
            updated_at=now,
        )
        _write_texts(reply, texts)
        log.record(
            actor=actor, now=now, thing=Thing.CANNED_REPLY, obj_id=reply.pk, label=reply.title,
            verb="create", before=None, after=snapshot(reply),
        )  # fmt: skip
    return reply


def edit(
    *, actor: User, reply: CannedReply, now: datetime, changes: Mapping[str, Any]
) -> CannedReply:
    """Change the title, the texts (the whole set: a language left out is dropped) or the
    suggestion; what is not given stays."""
    _require(actor, reply)
    before = snapshot(reply)
    title = str(changes.get("title", reply.title))
    suggests = str(changes.get("suggests", reply.suggests))
    texts = dict(changes["texts"]) if "texts" in changes else dict(before["texts"])
    draft = macros.Draft(title=title, texts=texts, suggests=suggests)
    macros.require_valid(draft, languages=languages(reply.profile))
    with transaction.atomic():
        reply.title = title.strip()
        reply.suggests = suggests
        reply.updated_at = now
        reply.save(update_fields=["title", "suggests", "updated_at"])
        _write_texts(reply, texts)
        after = snapshot(reply)
        if log.changed(before, after):
            log.record(
                actor=actor, now=now, thing=Thing.CANNED_REPLY, obj_id=reply.pk,
                label=reply.title, verb="edit", before=before, after=after,
            )  # fmt: skip
    return reply


def set_active(*, actor: User, reply: CannedReply, now: datetime, active: bool) -> CannedReply:
    """Deactivate (it leaves the composer's picker; kept for the log) or reactivate."""
    _require(actor, reply)
    if reply.is_active == active:
        return reply
    before = snapshot(reply)
    with transaction.atomic():
        reply.is_active = active
        reply.updated_at = now
        reply.save(update_fields=["is_active", "updated_at"])
        log.record(
            actor=actor, now=now, thing=Thing.CANNED_REPLY, obj_id=reply.pk, label=reply.title,
            verb="reactivate" if active else "deactivate", before=before, after=snapshot(reply),
        )  # fmt: skip
    return reply
