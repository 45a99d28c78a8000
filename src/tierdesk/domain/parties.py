"""Who acts on a ticket: roles of people, and the side of the support chain each speaks for."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PARTNER_USER = "partner_user"
    PARTNER_ADMIN = "partner_admin"
    AGENT = "agent"
    SUPPLIER_CONTACT = "supplier_contact"
    MANAGER = "manager"
    ADMINISTRATOR = "administrator"


class Party(StrEnum):
    """The side of the chain an actor speaks for; rules are written in these terms."""

    PROVIDER = "provider"
    REQUESTER = "requester"
    SUPPLIER = "supplier"
    SYSTEM = "system"


class OrganisationKind(StrEnum):
    PROVIDER = "provider"
    PARTNER = "partner"
    CUSTOMER = "customer"
    SUPPLIER = "supplier"


ROLE_PARTY: dict[Role, Party] = {
    Role.PARTNER_USER: Party.REQUESTER,
    Role.PARTNER_ADMIN: Party.REQUESTER,
    Role.AGENT: Party.PROVIDER,
    Role.SUPPLIER_CONTACT: Party.SUPPLIER,
    Role.MANAGER: Party.PROVIDER,
    Role.ADMINISTRATOR: Party.PROVIDER,
}

ROLE_ORGANISATION: dict[Role, OrganisationKind] = {
    Role.PARTNER_USER: OrganisationKind.PARTNER,
    Role.PARTNER_ADMIN: OrganisationKind.PARTNER,
    Role.AGENT: OrganisationKind.PROVIDER,
    Role.SUPPLIER_CONTACT: OrganisationKind.SUPPLIER,
    Role.MANAGER: OrganisationKind.PROVIDER,
    Role.ADMINISTRATOR: OrganisationKind.PROVIDER,
}


def party_of(role: Role) -> Party:
    return ROLE_PARTY[role]


def sees_everything(role: Role) -> bool:
    """Managers and administrators see every ticket; agents see their levels' and their own."""
    return role in (Role.MANAGER, Role.ADMINISTRATOR)


def sees_internal(role: Role) -> bool:
    """Internal notes are for the provider's people only."""
    return party_of(role) is Party.PROVIDER
