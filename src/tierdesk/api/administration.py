"""Administration endpoints (/admin/...): thin handlers over the administration actions and
queries; who may do what is decided there, by the one authority rule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from tierdesk import clock
from tierdesk.actions import accounts as account_actions
from tierdesk.actions import imports, organisations, suppliers, tokens, users
from tierdesk.actions.organisations import Edited
from tierdesk.api import admin_schemas as s
from tierdesk.api import schemas
from tierdesk.api.auth import actor
from tierdesk.api.errors import PayloadTooLarge
from tierdesk.domain.errors import Invalid, NotFound
from tierdesk.domain.instants import aware
from tierdesk.domain.parties import OrganisationKind
from tierdesk.persistence.models import (
    AdminChange,
    ApiToken,
    Organisation,
    Subscription,
    SupportTerms,
    User,
)
from tierdesk.queries import administration as q
from tierdesk.queries.zones import zone_for

router = Router(tags=["administration"])
ERRORS: dict[int, type[Schema]] = {c: schemas.ErrorOut for c in (400, 401, 403, 404, 409, 413, 422)}


# Shapes ----------------------------------------------------------------------------------------


def organisation_out(org: Organisation) -> s.AdminOrganisationOut:
    return s.AdminOrganisationOut(
        slug=org.slug,
        name=org.name,
        kind=org.kind,
        external_ref=org.external_ref,
        contact_email=org.contact_email,
        contact_phone=org.contact_phone,
        active=org.is_active,
        partner=org.parent.slug if org.parent_id and org.parent else None,
        created_at=org.created_at,
        authorised_requesters=list(org.authorised_requesters),
    )


def terms_out(org: Organisation) -> s.AdminTermsOut | None:
    terms = SupportTerms.objects.filter(organisation=org).first()
    if terms is None:
        return None
    return s.AdminTermsOut(
        method=terms.method,
        contact=terms.contact,
        severity_map=terms.severity_map,
        ola_target=terms.ola_target,
        calendar=terms.calendar,
        escalation_contacts=terms.escalation_contacts,
        notes=terms.notes,
        contacts=terms.contacts,
        severity_scale=terms.severity_scale,
        response_target=terms.response_target,
        time_zone=terms.time_zone,
        hours=terms.hours,
        holiday_country=terms.holiday_country,
        reference_pattern=terms.reference_pattern,
        solved_phrases=terms.solved_phrases,
    )


def supplier_out(org: Organisation) -> s.AdminSupplierOut:
    return s.AdminSupplierOut(**dict(organisation_out(org)), terms=terms_out(org))


def subscription_out(sub: Subscription) -> s.AdminSubscriptionOut:
    return s.AdminSubscriptionOut(
        account=sub.account.slug,
        reference=sub.reference,
        product=sub.product,
        active=sub.is_active,
        starts_on=sub.starts_on,
        ends_on=sub.ends_on,
    )


def person_out(user: User) -> s.AdminPersonOut:
    return s.AdminPersonOut(
        username=user.username,
        name=user.get_full_name() or user.username,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        phone=user.phone,
        role=user.role,
        organisation=user.organisation.slug if user.organisation else None,
        levels=sorted(user.level_keys()),
        language=user.language,
        active=user.is_active,
    )


def token_out(token: ApiToken) -> s.AdminTokenOut:
    return s.AdminTokenOut(
        key_id=token.key_id,
        name=token.name,
        owner=token.user.username,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        scope=token.scope,
    )


def change_out(change: AdminChange) -> s.AdminChangeOut:
    return s.AdminChangeOut(
        id=change.pk,
        at=change.at,
        actor=change.actor.username if change.actor else None,
        object_kind=change.object_kind,
        object_id=change.object_id,
        object_label=change.object_label,
        verb=change.verb,
        before=change.before,
        after=change.after,
    )


def _changed(edited: Edited) -> dict[str, s.AdminFieldChangeOut]:
    return {k: s.AdminFieldChangeOut(before=b, after=a) for k, (b, a) in edited.changes.items()}


def _given(payload: Schema) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True)


def _of_kind(request: HttpRequest, slug: str, kind: OrganisationKind) -> Organisation:
    org = q.organisation(actor(request), slug)
    if org.kind != kind:
        raise NotFound("no such organisation")
    return org


class AdminListQuery(Schema):
    active: bool | None = None
    q: str | None = Field(None, max_length=200)


# Partner organisations -------------------------------------------------------------------------


@router.get(
    "/admin/organisations",
    response={200: list[s.AdminOrganisationOut], **ERRORS},
    summary="Partner organisations",
)
def list_organisations(request: HttpRequest, filters: Query[AdminListQuery]) -> Any:
    return [
        organisation_out(o) for o in q.partners(actor(request), active=filters.active, q=filters.q)
    ]


@router.post(
    "/admin/organisations",
    response={201: s.AdminOrganisationOut, **ERRORS},
    summary="Create a partner organisation",
)
def create_organisation(request: HttpRequest, payload: s.AdminOrganisationIn) -> Any:
    org = organisations.create_partner(actor=actor(request), now=clock.now(), **payload.dict())
    return Status(201, organisation_out(org))


@router.get(
    "/admin/organisations/{slug}",
    response={200: s.AdminOrganisationOut, **ERRORS},
    summary="A partner organisation",
)
def get_organisation(request: HttpRequest, slug: str) -> Any:
    return organisation_out(_of_kind(request, slug, OrganisationKind.PARTNER))


def _edit_org(request: HttpRequest, org: Organisation, changes: dict[str, Any]) -> Edited:
    return organisations.edit_organisation(
        actor=actor(request), organisation=org, now=clock.now(), changes=changes
    )


@router.patch(
    "/admin/organisations/{slug}",
    response={200: s.AdminOrganisationEditOut, **ERRORS},
    summary="Edit a partner organisation",
)
def edit_organisation(request: HttpRequest, slug: str, payload: s.AdminOrganisationPatch) -> Any:
    org = _of_kind(request, slug, OrganisationKind.PARTNER)
    edited = _edit_org(request, org, _given(payload))
    return s.AdminOrganisationEditOut(
        organisation=organisation_out(edited.obj), changed=_changed(edited)
    )


def _activation(request: HttpRequest, org: Organisation, active: bool) -> Edited:
    change = (
        organisations.reactivate_organisation if active else organisations.deactivate_organisation
    )
    return change(actor=actor(request), organisation=org, now=clock.now())


@router.post(
    "/admin/organisations/{slug}/deactivate",
    response={200: s.AdminOrganisationEditOut, **ERRORS},
    summary="Deactivate a partner: its people cannot sign in; its tickets stay",
)
def deactivate_organisation(request: HttpRequest, slug: str) -> Any:
    edited = _activation(request, _of_kind(request, slug, OrganisationKind.PARTNER), False)
    return s.AdminOrganisationEditOut(
        organisation=organisation_out(edited.obj), changed=_changed(edited)
    )


@router.post(
    "/admin/organisations/{slug}/reactivate",
    response={200: s.AdminOrganisationEditOut, **ERRORS},
    summary="Reactivate a partner and the people deactivated with it",
)
def reactivate_organisation(request: HttpRequest, slug: str) -> Any:
    edited = _activation(request, _of_kind(request, slug, OrganisationKind.PARTNER), True)
    return s.AdminOrganisationEditOut(
        organisation=organisation_out(edited.obj), changed=_changed(edited)
    )


@router.get(
    "/admin/organisations/{slug}/domains",
    response={200: list[s.AdminDomainOut], **ERRORS},
    summary="A partner's approved e-mail domains",
)
def list_domains(request: HttpRequest, slug: str) -> Any:
    org = _of_kind(request, slug, OrganisationKind.PARTNER)
    return [
        s.AdminDomainOut(domain=d.domain, created_at=d.created_at)
        for d in q.domains(actor(request), org)
    ]


@router.post(
    "/admin/organisations/{slug}/domains",
    response={201: s.AdminDomainOut, **ERRORS},
    summary="Approve an e-mail domain for self-registration",
)
def approve_domain(request: HttpRequest, slug: str, payload: s.AdminDomainIn) -> Any:
    org = _of_kind(request, slug, OrganisationKind.PARTNER)
    approved = account_actions.approve_domain(
        actor=actor(request), organisation=org, domain=payload.domain, now=clock.now()
    )
    return Status(201, s.AdminDomainOut(domain=approved.domain, created_at=approved.created_at))


@router.delete(
    "/admin/organisations/{slug}/domains/{domain}",
    response={204: None, **ERRORS},
    summary="Withdraw an approved domain",
)
def remove_domain(request: HttpRequest, slug: str, domain: str) -> Any:
    org = _of_kind(request, slug, OrganisationKind.PARTNER)
    name = domain.strip().lower()
    if "\x00" in name or not q.domains(actor(request), org).filter(domain=name).exists():
        raise NotFound("no such domain")
    account_actions.remove_domain(
        actor=actor(request), organisation=org, domain=domain, now=clock.now()
    )
    return Status(204, None)


# End-customer accounts -------------------------------------------------------------------------


class AdminAccountQuery(AdminListQuery):
    partner: str | None = None


@router.get(
    "/admin/accounts",
    response={200: list[s.AdminOrganisationOut], **ERRORS},
    summary="End-customer accounts",
)
def list_accounts(request: HttpRequest, filters: Query[AdminAccountQuery]) -> Any:
    user = actor(request)
    partner = (
        _of_kind(request, filters.partner, OrganisationKind.PARTNER) if filters.partner else None
    )
    found = q.accounts(user, partner=partner, active=filters.active, q=filters.q)
    return [organisation_out(o) for o in found]


@router.post(
    "/admin/accounts",
    response={201: s.AdminOrganisationOut, **ERRORS},
    summary="Create an end-customer account",
)
def create_account(request: HttpRequest, payload: s.AdminAccountIn) -> Any:
    user = actor(request)
    data = payload.dict()
    slug = data.pop("partner") or (user.organisation.slug if user.organisation else "")
    partner = Organisation.objects.filter(slug=slug, kind=OrganisationKind.PARTNER).first()
    if partner is None or not organisations.may_manage_accounts_of(user, partner):
        raise Invalid("no such partner", fields={"partner": f"no partner {slug!r} you manage"})
    org = organisations.create_account(actor=user, partner=partner, now=clock.now(), **data)
    return Status(201, organisation_out(org))


@router.get(
    "/admin/accounts/{slug}",
    response={200: s.AdminOrganisationOut, **ERRORS},
    summary="An end-customer account",
)
def get_account(request: HttpRequest, slug: str) -> Any:
    return organisation_out(_of_kind(request, slug, OrganisationKind.CUSTOMER))


@router.patch(
    "/admin/accounts/{slug}",
    response={200: s.AdminOrganisationEditOut, **ERRORS},
    summary="Edit an end-customer account",
)
def edit_account(request: HttpRequest, slug: str, payload: s.AdminOrganisationPatch) -> Any:
    edited = _edit_org(request, _of_kind(request, slug, OrganisationKind.CUSTOMER), _given(payload))
    return s.AdminOrganisationEditOut(
        organisation=organisation_out(edited.obj), changed=_changed(edited)
    )


@router.post(
    "/admin/accounts/{slug}/deactivate",
    response={200: s.AdminOrganisationEditOut, **ERRORS},
    summary="Deactivate an end-customer account (it leaves the new-ticket choices)",
)
def deactivate_account(request: HttpRequest, slug: str) -> Any:
    edited = _activation(request, _of_kind(request, slug, OrganisationKind.CUSTOMER), False)
    return s.AdminOrganisationEditOut(
        organisation=organisation_out(edited.obj), changed=_changed(edited)
    )


@router.post(
    "/admin/accounts/{slug}/reactivate",
    response={200: s.AdminOrganisationEditOut, **ERRORS},
    summary="Reactivate an end-customer account",
)
def reactivate_account(request: HttpRequest, slug: str) -> Any:
    edited = _activation(request, _of_kind(request, slug, OrganisationKind.CUSTOMER), True)
    return s.AdminOrganisationEditOut(
        organisation=organisation_out(edited.obj), changed=_changed(edited)
    )


@router.get(
    "/admin/accounts/{slug}/subscriptions",
    response={200: list[s.AdminSubscriptionOut], **ERRORS},
    summary="An account's subscriptions",
)
def list_subscriptions(request: HttpRequest, slug: str) -> Any:
    account = _of_kind(request, slug, OrganisationKind.CUSTOMER)
    return [subscription_out(x) for x in q.subscriptions(actor(request), account)]


@router.post(
    "/admin/accounts/{slug}/subscriptions",
    response={201: s.AdminSubscriptionOut, **ERRORS},
    summary="Add a subscription to an account",
)
def add_subscription(request: HttpRequest, slug: str, payload: s.AdminSubscriptionIn) -> Any:
    account = _of_kind(request, slug, OrganisationKind.CUSTOMER)
    sub = organisations.add_subscription(
        actor=actor(request), account=account, now=clock.now(), **payload.dict()
    )
    return Status(201, subscription_out(sub))


@router.patch(
    "/admin/accounts/{slug}/subscriptions/{reference}",
    response={200: s.AdminSubscriptionEditOut, **ERRORS},
    summary="Edit or end a subscription (active: false)",
)
def edit_subscription(
    request: HttpRequest, slug: str, reference: str, payload: s.AdminSubscriptionPatch
) -> Any:
    user = actor(request)
    account = _of_kind(request, slug, OrganisationKind.CUSTOMER)
    sub = q.subscription(user, account, reference)
    edited = organisations.edit_subscription(
        actor=user, subscription=sub, now=clock.now(), changes=_given(payload)
    )
    return s.AdminSubscriptionEditOut(
        subscription=subscription_out(edited.obj), changed=_changed(edited)
    )


# Suppliers -------------------------------------------------------------------------------------


@router.get(
    "/admin/suppliers",
    response={200: list[s.AdminSupplierOut], **ERRORS},
    summary="Suppliers with their support terms",
)
def list_suppliers(request: HttpRequest, filters: Query[AdminListQuery]) -> Any:
    return [
        supplier_out(o) for o in q.suppliers(actor(request), active=filters.active, q=filters.q)
    ]


@router.post(
    "/admin/suppliers",
    response={201: s.AdminSupplierOut, **ERRORS},
    summary="Create a supplier, with its support terms",
)
def create_supplier(request: HttpRequest, payload: s.AdminSupplierIn) -> Any:
    data = payload.dict()
    terms = payload.terms.model_dump(exclude_none=True) if payload.terms else None
    data.pop("terms")
    org = suppliers.create_supplier(actor=actor(request), now=clock.now(), terms=terms, **data)
    return Status(201, supplier_out(org))


def _supplier(request: HttpRequest, slug: str) -> Organisation:
    q.suppliers(actor(request))  # administrators only: 403 for anyone else
    return _of_kind(request, slug, OrganisationKind.SUPPLIER)


@router.get(
    "/admin/suppliers/{slug}",
    response={200: s.AdminSupplierOut, **ERRORS},
    summary="A supplier and its support terms",
)
def get_supplier(request: HttpRequest, slug: str) -> Any:
    return supplier_out(_supplier(request, slug))


@router.patch(
    "/admin/suppliers/{slug}",
    response={200: s.AdminSupplierEditOut, **ERRORS},
    summary="Edit a supplier's name, reference or contact",
)
def edit_supplier(request: HttpRequest, slug: str, payload: s.AdminOrganisationPatch) -> Any:
    edited = _edit_org(request, _supplier(request, slug), _given(payload))
    return s.AdminSupplierEditOut(supplier=supplier_out(edited.obj), changed=_changed(edited))


@router.patch(
    "/admin/suppliers/{slug}/terms",
    response={200: s.AdminSupplierEditOut, **ERRORS},
    summary="Set or change a supplier's support terms",
)
def edit_terms(request: HttpRequest, slug: str, payload: s.AdminTermsIn) -> Any:
    org = _supplier(request, slug)
    edited = suppliers.set_terms(
        actor=actor(request), supplier=org, now=clock.now(), changes=_given(payload)
    )
    return s.AdminSupplierEditOut(supplier=supplier_out(org), changed=_changed(edited))


@router.post(
    "/admin/suppliers/{slug}/deactivate",
    response={200: s.AdminSupplierEditOut, **ERRORS},
    summary="Deactivate a supplier (and its contacts)",
)
def deactivate_supplier(request: HttpRequest, slug: str) -> Any:
    edited = _activation(request, _supplier(request, slug), False)
    return s.AdminSupplierEditOut(supplier=supplier_out(edited.obj), changed=_changed(edited))


@router.post(
    "/admin/suppliers/{slug}/reactivate",
    response={200: s.AdminSupplierEditOut, **ERRORS},
    summary="Reactivate a supplier",
)
def reactivate_supplier(request: HttpRequest, slug: str) -> Any:
    edited = _activation(request, _supplier(request, slug), True)
    return s.AdminSupplierEditOut(supplier=supplier_out(edited.obj), changed=_changed(edited))


# People ----------------------------------------------------------------------------------------


class AdminPeopleQuery(AdminListQuery):
    organisation: str | None = None
    role: str | None = None


@router.get("/admin/people", response={200: list[s.AdminPersonOut], **ERRORS}, summary="People")
def list_people(request: HttpRequest, filters: Query[AdminPeopleQuery]) -> Any:
    user = actor(request)
    org = q.organisation(user, filters.organisation) if filters.organisation else None
    found = q.people(user, organisation=org, role=filters.role, active=filters.active, q=filters.q)
    return [person_out(p) for p in found[:1000]]


@router.post("/admin/people", response={201: s.AdminPersonOut, **ERRORS}, summary="Create a person")
def create_person(request: HttpRequest, payload: s.AdminPersonIn) -> Any:
    user = actor(request)
    try:
        # Scoped: another tenant's organisation answers as one that does not exist.
        org = q.organisation(user, payload.organisation)
    except NotFound:
        raise Invalid(
            "no such organisation",
            fields={"organisation": f"no organisation {payload.organisation!r}"},
        ) from None
    data = payload.dict()
    data.pop("organisation")
    invite = data.pop("invite")
    person = users.create_person(
        actor=user,
        organisation=org,
        now=clock.now(),
        base_url=request.build_absolute_uri("/").rstrip("/") if invite else "",
        **data,
    )
    return Status(201, person_out(person))


@router.get(
    "/admin/people/{username}", response={200: s.AdminPersonOut, **ERRORS}, summary="A person"
)
def get_person(request: HttpRequest, username: str) -> Any:
    return person_out(q.person(actor(request), username))


@router.patch(
    "/admin/people/{username}",
    response={200: s.AdminPersonEditOut, **ERRORS},
    summary="Edit a person: names, e-mail, phone, language, role, levels",
)
def edit_person(request: HttpRequest, username: str, payload: s.AdminPersonPatch) -> Any:
    user = actor(request)
    edited = users.edit_person(
        actor=user,
        person=q.person(user, username),
        now=clock.now(),
        changes=_given(payload),
    )
    return s.AdminPersonEditOut(person=person_out(edited.obj), changed=_changed(edited))


@router.post(
    "/admin/people/{username}/deactivate",
    response={200: s.AdminPersonEditOut, **ERRORS},
    summary="Deactivate a person: no login, no token; their name stays on what they did",
)
def deactivate_person(request: HttpRequest, username: str) -> Any:
    user = actor(request)
    edited = users.deactivate_person(actor=user, person=q.person(user, username), now=clock.now())
    return s.AdminPersonEditOut(person=person_out(edited.obj), changed=_changed(edited))


@router.post(
    "/admin/people/{username}/reactivate",
    response={200: s.AdminPersonEditOut, **ERRORS},
    summary="Reactivate a person",
)
def reactivate_person(request: HttpRequest, username: str) -> Any:
    user = actor(request)
    edited = users.reactivate_person(actor=user, person=q.person(user, username), now=clock.now())
    return s.AdminPersonEditOut(person=person_out(edited.obj), changed=_changed(edited))


# Tokens ----------------------------------------------------------------------------------------


class AdminTokenQuery(Schema):
    owner: schemas.Text | None = None
    include_revoked: bool = True


@router.get(
    "/admin/tokens",
    response={200: list[s.AdminTokenOut], **ERRORS},
    summary="API tokens (never their secret): anyone's for an administrator, else your own",
)
def list_tokens(request: HttpRequest, filters: Query[AdminTokenQuery]) -> Any:
    user = actor(request)
    owner = None
    if filters.owner:
        owner = User.objects.filter(username=filters.owner).first()
        if owner is None:
            return []
    found = q.tokens(user, owner=owner, include_revoked=filters.include_revoked)
    return [token_out(t) for t in found[:1000]]


@router.post(
    "/admin/tokens",
    response={201: s.AdminIssuedTokenOut, **ERRORS},
    summary="Create a token; its secret is in this answer once",
)
def create_token(request: HttpRequest, payload: s.AdminTokenIn) -> Any:
    user = actor(request)
    owner = user
    if payload.owner and payload.owner != user.username:
        named = User.objects.filter(username=payload.owner).select_related("organisation").first()
        if named is None:
            raise Invalid("no such person", fields={"owner": f"no person {payload.owner!r}"})
        owner = named
    expires: datetime | None = payload.expires_at
    if expires is not None:
        expires = aware(expires, zone_for(user))
    issued = tokens.issue_token(
        actor=user,
        owner=owner,
        name=payload.name,
        now=clock.now(),
        expires_at=expires,
        scope=payload.scope,
    )
    return Status(201, s.AdminIssuedTokenOut(**dict(token_out(issued.token)), secret=issued.secret))


@router.post(
    "/admin/tokens/{key_id}/revoke",
    response={200: s.AdminTokenOut, **ERRORS},
    summary="Revoke a token",
)
def revoke_token(request: HttpRequest, key_id: str) -> Any:
    token = tokens.withdraw_token(actor=actor(request), key_id=key_id, now=clock.now())
    return token_out(token)


# The change log and imports --------------------------------------------------------------------


class AdminChangeQuery(Schema):
    kind: str | None = None
    actor: str | None = Field(None, description="username of who made the change")
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    cursor: int | None = Field(None, description="next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=200)


@router.get(
    "/admin/changes",
    response={200: s.AdminChangePageOut, **ERRORS},
    summary="The administration change log, newest first",
)
def list_changes(request: HttpRequest, filters: Query[AdminChangeQuery]) -> Any:
    who = actor(request)
    since, until = (
        aware(v, zone_for(who)) if v is not None else None for v in (filters.since, filters.until)
    )
    page = q.changes(
        who,
        kind=filters.kind,
        by=filters.actor,
        object_id=filters.object_id,
        since=since,
        until=until,
        before=filters.cursor,
        limit=filters.limit,
    )
    return s.AdminChangePageOut(
        items=[change_out(c) for c in page.changes], next_cursor=page.next_cursor
    )


@router.post(
    "/admin/import/{kind}",
    response={200: s.AdminImportOut, **ERRORS},
    summary="Import organisations, accounts or people from CSV (a dry run unless dry_run=false)",
)
def import_csv(
    request: HttpRequest, kind: str, file: File[UploadedFile], dry_run: bool = True
) -> Any:
    if kind not in imports.KINDS:
        raise NotFound(f"no import of {kind!r}; expected one of {', '.join(imports.KINDS)}")
    if file.size is not None and file.size > imports.MAX_BYTES:
        raise PayloadTooLarge(imports.MAX_BYTES)
    report = imports.run_import(
        actor=actor(request), kind=kind, data=file.read(), now=clock.now(), apply=not dry_run
    )
    return s.AdminImportOut(
        kind=report.kind,
        applied=report.applied,
        summary=report.summary(),
        rows=[s.AdminImportRowOut(**vars(r)) for r in report.rows],
    )
