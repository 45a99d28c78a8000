"""Who may manage whom: the one rule every administrative action asks.

Administrators manage the provider's staff, partner organisations with their end-customer
accounts, people and domains, suppliers with their terms and contacts, and anyone's API tokens.
A partner administrator manages their own organisation's people, domains and end-customer
accounts, nothing else. Managers, agents, partner users and supplier contacts manage nobody;
everyone manages their own API tokens. Administration is for administrators: a manager's
screens are the desk's, not these.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tierdesk.domain.parties import ROLE_ORGANISATION, OrganisationKind, Role

PARTNER_ROLES = (Role.PARTNER_USER, Role.PARTNER_ADMIN)
STAFF_ROLES = (Role.AGENT, Role.MANAGER, Role.ADMINISTRATOR)


class Thing(StrEnum):
    """The kinds of object administration changes; also the change log's object kinds."""

    ORGANISATION = "organisation"  # a partner (or the provider itself)
    ACCOUNT = "account"  # an end-customer account of a partner
    SUBSCRIPTION = "subscription"
    SUPPLIER = "supplier"  # a supplier organisation with its support terms
    PERSON = "person"
    DOMAIN = "domain"
    TOKEN = "token"
    IMPORT = "import"  # a CSV import as a whole; its rows are logged as their own changes
    CANNED_REPLY = "canned_reply"  # who may manage one is `domain/macros.py`'s rule


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: Role | None
    organisation_id: int | None
    active: bool = True


@dataclass(frozen=True)
class Target:
    """What is to be managed, described by what the rule needs to know of it.

    `organisation_id` is the organisation the object lives in (for an end-customer account or
    its subscription: the partner it belongs to); `organisation_kind` that organisation's kind;
    `role` a person's role; `owner_id` a token's owner.
    """

    thing: Thing
    organisation_kind: OrganisationKind | None = None
    organisation_id: int | None = None
    role: Role | None = None
    owner_id: int | None = None


def administers(actor: Actor) -> bool:
    """Whether the actor has any administration at all (the admin pages, API and log)."""
    return actor.active and actor.role in (Role.ADMINISTRATOR, Role.PARTNER_ADMIN)


def may_manage(actor: Actor, target: Target) -> bool:
    if not actor.active or actor.role is None:
        return False
    if target.thing is Thing.TOKEN and target.owner_id == actor.user_id:
        return True
    if actor.role is Role.ADMINISTRATOR:
        return _consistent(target)
    if actor.role is Role.PARTNER_ADMIN:
        return (
            target.organisation_id == actor.organisation_id
            and target.organisation_kind is OrganisationKind.PARTNER
            and _partner_admin_manages(target)
        )
    return False


def _partner_admin_manages(target: Target) -> bool:
    if target.thing is Thing.PERSON:
        return target.role in PARTNER_ROLES
    return target.thing in (Thing.ACCOUNT, Thing.SUBSCRIPTION, Thing.DOMAIN)


def _consistent(target: Target) -> bool:
    """An administrator manages everything there is, so long as the target makes sense: a
    person's role fits their organisation, a supplier is a supplier."""
    if target.thing is Thing.PERSON:
        return (
            target.role is not None and ROLE_ORGANISATION[target.role] is target.organisation_kind
        )
    if target.thing is Thing.SUPPLIER:
        return target.organisation_kind is OrganisationKind.SUPPLIER
    if target.thing in (Thing.ACCOUNT, Thing.SUBSCRIPTION, Thing.DOMAIN):
        return target.organisation_kind is OrganisationKind.PARTNER
    return True


def keeps_an_administrator(active_administrators_after: int) -> bool:
    """The desk must never be left without an active administrator to run it."""
    return active_administrators_after >= 1
