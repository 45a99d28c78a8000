"""The administration pages: partners with their end-customer accounts, subscriptions, domains
and people; suppliers with their support terms and contacts; the provider's staff; API tokens;
the change log; CSV import. Administrators only; every write is an action, which checks the
authority rule, keeps to one transaction and records the change."""

from __future__ import annotations

import base64
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tierdesk import clock, profiles, refusals
from tierdesk.actions import accounts as domains
from tierdesk.actions import imports, tokens
from tierdesk.actions import organisations as orgs
from tierdesk.actions import suppliers as sup
from tierdesk.actions import users as people
from tierdesk.domain.authority import Thing
from tierdesk.domain.errors import DomainError, NotFound
from tierdesk.domain.parties import OrganisationKind, Role
from tierdesk.persistence.models import Organisation, SupportTerms, User
from tierdesk.queries import administration as q
from tierdesk.web import admin_forms as f
from tierdesk.web.admin_forms import ROLE_LABELS, show_action_errors
from tierdesk.web.roles import administrator

PER_PAGE = 50
CHANGE_KINDS = [t.value for t in Thing]


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context.setdefault("admin_nav", True)
    return render(request, f"tierdesk/admin/{template}", context, status=status)


def _status(*forms_: Any) -> int:
    return 422 if any(form is not None and form.errors for form in forms_) else 200


def _state(request: HttpRequest) -> str:
    state = request.GET.get("state", "active")
    return state if state in ("active", "inactive", "all") else "active"


def _typed(data: Any, name: str, limit: int) -> str:
    """A typed filter or key, as the database can take it (PostgreSQL refuses NUL in text)."""
    return str(data.get(name, "")).replace("\x00", "").strip()[:limit]


def _paged(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page") or 1)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _active(state: str) -> bool | None:
    return {"active": True, "inactive": False}.get(state)


def _organisation(actor: User, slug: str, kind: OrganisationKind | None = None) -> Organisation:
    try:
        org = q.organisation(actor, slug)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if kind is not None and org.kind != kind:
        raise Http404("no such organisation")
    return org


def _person(actor: User, username: str) -> User:
    if "\x00" in username:
        raise Http404("no such person")
    try:
        return q.person(actor, username)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _changes(actor: User, **filters: Any) -> list[Any]:
    return q.changes(actor, limit=10, **filters).changes


def _terms(org: Organisation) -> SupportTerms | None:
    try:
        return org.support_terms
    except SupportTerms.DoesNotExist:
        return None


def _with_counts(rows: Any) -> Any:
    return rows.annotate(
        people_count=Count("users", filter=Q(users__is_active=True), distinct=True),
        account_count=Count("accounts", distinct=True),
    )


# Overview ------------------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    actor = administrator(request)
    staff = q.people(actor, active=True).filter(organisation__kind=OrganisationKind.PROVIDER)
    partner_people = q.people(actor, active=True).filter(
        organisation__kind=OrganisationKind.PARTNER
    )
    inactive = (
        q.partners(actor, active=False).count()
        + q.accounts(actor, active=False).count()
        + q.suppliers(actor, active=False).count()
    )
    counts = {
        "partners": q.partners(actor, active=True).count(),
        "accounts": q.accounts(actor, active=True).count(),
        "suppliers": q.suppliers(actor, active=True).count(),
        "staff": staff.count(),
        "partner_people": partner_people.count(),
        "tokens": _live(q.tokens(actor, include_revoked=False), clock.now()).count(),
        "inactive": inactive,
    }
    context = {"section": "overview", "counts": counts, "changes": _changes(actor)}
    return _page(request, "overview.html", context)


# Partners, accounts, subscriptions, domains -------------------------------------------------


@login_required
def partners(request: HttpRequest) -> HttpResponse:
    actor = administrator(request)
    state = _state(request)
    search = _typed(request.GET, "q", 100)
    rows = _with_counts(q.partners(actor, active=_active(state), q=search))
    context = {"section": "partners", "page": _paged(request, rows), "state": state, "q": search}
    return _page(request, "partners.html", context)


@login_required
def partner_new(request: HttpRequest) -> HttpResponse:
    actor = administrator(request)
    form = f.OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = orgs.create_partner(actor=actor, now=clock.now(), **form.cleaned_data)
        except DomainError as exc:
            show_action_errors(form, exc)
        else:
            return redirect("admin_partner", slug=org.slug)
    context = {
        "section": "partners",
        "form": form,
        "title": _("New partner"),
        "submit": _("Create the partner"),
        "back": reverse("admin_partners"),
    }
    return _page(request, "form.html", context, _status(form))


@login_required
def partner(request: HttpRequest, slug: str) -> HttpResponse:
    actor = administrator(request)
    org = _organisation(actor, slug, OrganisationKind.PARTNER)
    verb = request.POST.get("verb", "") if request.method == "POST" else ""
    edit = f.OrganisationForm(
        request.POST if verb == "edit" else None,
        initial={k: getattr(org, k) for k in f.OrganisationForm.base_fields},
        prefix="edit",
    )
    account = f.OrganisationForm(request.POST if verb == "account" else None, prefix="account")
    domain = f.DomainForm(request.POST if verb == "domain" else None, prefix="domain")
    now = clock.now()
    if verb:
        try:
            if verb == "edit" and edit.is_valid():
                changed = orgs.edit_organisation(
                    actor=actor, organisation=org, now=now, changes=edit.cleaned_data
                )
                return redirect("admin_partner", slug=changed.obj.slug)
            if verb == "account" and account.is_valid():
                created = orgs.create_account(
                    actor=actor, partner=org, now=now, **account.cleaned_data
                )
                return redirect("admin_account", slug=created.slug)
            if verb == "domain" and domain.is_valid():
                domains.approve_domain(
                    actor=actor, organisation=org, domain=domain.cleaned_data["domain"], now=now
                )
                return redirect(reverse("admin_partner", args=[org.slug]) + "#domains")
            if verb == "remove-domain":
                domains.remove_domain(
                    actor=actor,
                    organisation=org,
                    domain=_typed(request.POST, "domain", 253),
                    now=now,
                )
                return redirect(reverse("admin_partner", args=[org.slug]) + "#domains")
        except DomainError as exc:
            show_action_errors({"edit": edit, "account": account}.get(verb, domain), exc)
    context = {
        "section": "partners",
        "org": org,
        "edit": edit,
        "account_form": account,
        "domain_form": domain,
        "accounts": q.accounts(actor, partner=org).prefetch_related("subscriptions"),
        "people": q.people(actor, organisation=org),
        "domains": q.domains(actor, org),
        "changes": _changes(actor, kind=Thing.ORGANISATION, object_id=str(org.pk)),
        "roles": ROLE_LABELS,
    }
    return _page(request, "partner.html", context, _status(edit, account, domain))


@login_required
def account(request: HttpRequest, slug: str) -> HttpResponse:
    actor = administrator(request)
    org = _organisation(actor, slug, OrganisationKind.CUSTOMER)
    verb = request.POST.get("verb", "") if request.method == "POST" else ""
    initial = {k: getattr(org, k) for k in f.OrganisationForm.base_fields}
    initial["authorised_requesters"] = "\n".join(org.authorised_requesters)
    edit = f.AccountForm(request.POST if verb == "edit" else None, initial=initial, prefix="edit")
    subscription = f.SubscriptionForm(
        request.POST if verb == "subscription" else None, prefix="subscription"
    )
    now = clock.now()
    if verb:
        try:
            if verb == "edit" and edit.is_valid():
                changed = orgs.edit_organisation(
                    actor=actor, organisation=org, now=now, changes=edit.cleaned_data
                )
                return redirect("admin_account", slug=changed.obj.slug)
            if verb == "subscription" and subscription.is_valid():
                orgs.add_subscription(
                    actor=actor, account=org, now=now, **subscription.cleaned_data
                )
                return redirect(reverse("admin_account", args=[org.slug]) + "#subscriptions")
            if verb in ("end-subscription", "resume-subscription"):
                sub = q.subscription(actor, org, _typed(request.POST, "subscription", 100))
                orgs.edit_subscription(
                    actor=actor,
                    subscription=sub,
                    now=now,
                    changes={"active": verb == "resume-subscription"},
                )
                return redirect(reverse("admin_account", args=[org.slug]) + "#subscriptions")
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except DomainError as exc:
            show_action_errors(subscription if verb == "subscription" else edit, exc)
    context = {
        "section": "partners",
        "org": org,
        "partner": org.parent,
        "edit": edit,
        "subscription_form": subscription,
        "subscriptions": q.subscriptions(actor, org),
        "changes": _changes(actor, kind=Thing.ACCOUNT, object_id=str(org.pk)),
    }
    return _page(request, "account.html", context, _status(edit, subscription))


@login_required
def subscription(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    actor = administrator(request)
    org = _organisation(actor, slug, OrganisationKind.CUSTOMER)
    try:
        sub = q.subscription(actor, org, reference.replace("\x00", "")[:100])
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    initial = {
        "reference": sub.reference,
        "product": sub.product,
        "starts_on": sub.starts_on,
        "ends_on": sub.ends_on,
        "active": sub.is_active,
    }
    form = f.SubscriptionForm(request.POST or None, initial=initial)
    back = reverse("admin_account", args=[org.slug]) + "#subscriptions"
    if request.method == "POST" and form.is_valid():
        try:
            orgs.edit_subscription(
                actor=actor, subscription=sub, now=clock.now(), changes=form.cleaned_data
            )
        except DomainError as exc:
            show_action_errors(form, exc)
        else:
            return redirect(back)
    context = {
        "section": "partners",
        "form": form,
        "title": _("Subscription %(reference)s of %(account)s")
        % {"reference": sub.reference, "account": org.name},
        "submit": _("Save the changes"),
        "back": back,
    }
    return _page(request, "form.html", context, _status(form))


@login_required
def organisation_state(request: HttpRequest, slug: str) -> HttpResponse:
    """Deactivate or reactivate a partner, an account or a supplier, after a confirmation."""
    actor = administrator(request)
    org = _organisation(actor, slug)
    back = {
        OrganisationKind.PARTNER: "admin_partner",
        OrganisationKind.CUSTOMER: "admin_account",
        OrganisationKind.SUPPLIER: "admin_supplier",
    }.get(OrganisationKind(org.kind))
    if back is None:
        raise Http404("no such organisation")
    error = ""
    if request.method == "POST":
        action = orgs.reactivate_organisation if not org.is_active else orgs.deactivate_organisation
        try:
            action(actor=actor, organisation=org, now=clock.now())
        except DomainError as exc:
            error = refusals.message(exc)
        else:
            return redirect(back, slug=org.slug)
    context = {
        "section": "suppliers" if org.kind == OrganisationKind.SUPPLIER else "partners",
        "name": org.name,
        "active": org.is_active,
        "kind": org.kind,
        "people": q.people(actor, organisation=org, active=True).count() if org.is_active else 0,
        "back": reverse(back, args=[org.slug]),
        "error": error,
    }
    return _page(request, "confirm_state.html", context, 409 if error else 200)


# Suppliers -----------------------------------------------------------------------------------


@login_required
def suppliers(request: HttpRequest) -> HttpResponse:
    actor = administrator(request)
    state = _state(request)
    search = _typed(request.GET, "q", 100)
    rows = _with_counts(q.suppliers(actor, active=_active(state), q=search))
    context = {"section": "suppliers", "page": _paged(request, rows), "state": state, "q": search}
    return _page(request, "suppliers.html", context)


@login_required
def supplier_new(request: HttpRequest) -> HttpResponse:
    actor = administrator(request)
    form = f.SupplierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = sup.create_supplier(
                actor=actor,
                now=clock.now(),
                terms=form.terms_values(),
                **form.organisation_values(),
            )
        except DomainError as exc:
            show_action_errors(form, exc)
        else:
            return redirect("admin_supplier", slug=org.slug)
    context = {
        "section": "suppliers",
        "form": form,
        "title": _("New supplier"),
        "submit": _("Create the supplier"),
        "back": reverse("admin_suppliers"),
    }
    return _page(request, "form.html", context, _status(form))


@login_required
def supplier(request: HttpRequest, slug: str) -> HttpResponse:
    actor = administrator(request)
    org = _organisation(actor, slug, OrganisationKind.SUPPLIER)
    terms = _terms(org)
    form = f.SupplierForm(
        request.POST if request.method == "POST" else None,
        initial=f.SupplierForm.initial_from(org, terms),
    )
    if request.method == "POST" and form.is_valid():
        now = clock.now()
        try:
            # One change on the page, so one transaction: the details and the terms together.
            with transaction.atomic():
                orgs.edit_organisation(
                    actor=actor, organisation=org, now=now, changes=form.organisation_values()
                )
                sup.set_terms(actor=actor, supplier=org, now=now, changes=form.terms_values())
        except DomainError as exc:
            show_action_errors(form, exc)
        else:
            org.refresh_from_db()
            return redirect("admin_supplier", slug=org.slug)
    context = {
        "section": "suppliers",
        "org": org,
        "terms": terms,
        "form": form,
        "people": q.people(actor, organisation=org),
        "changes": _changes(actor, kind=Thing.SUPPLIER, object_id=str(org.pk)),
        "roles": ROLE_LABELS,
    }
    return _page(request, "supplier.html", context, _status(form))


# People --------------------------------------------------------------------------------------


@login_required
def staff(request: HttpRequest) -> HttpResponse:
    actor = administrator(request)
    state = _state(request)
    search = _typed(request.GET, "q", 100)
    role = request.GET.get("role", "")
    level = request.GET.get("level", "")
    profile = profiles.active()
    staffed = [
        (k, lv.label)
        for k, lv in profile.levels.items()
        if lv.staffed_by is OrganisationKind.PROVIDER
    ]
    staff_roles = [r.value for r in f.ROLES_OF[OrganisationKind.PROVIDER]]
    rows = q.people(
        actor,
        organisation=actor.organisation,
        role=role if role in staff_roles else None,
        active=_active(state),
        q=search,
    )
    if level in dict(staffed):
        rows = rows.filter(level_memberships__level=level)
    labels = dict(staffed)
    context = {
        "section": "staff",
        "page": _paged(request, rows),
        "state": state,
        "q": search,
        "role": role,
        "level": level,
        "roles": ROLE_LABELS,
        "staff_roles": [(r.value, ROLE_LABELS[r]) for r in f.ROLES_OF[OrganisationKind.PROVIDER]],
        "levels": staffed,
        "level_labels": labels,
    }
    return _page(request, "staff.html", context)


@login_required
def person_new(request: HttpRequest, slug: str = "") -> HttpResponse:
    """A new person: the provider's staff, or a partner's or supplier's people (by slug)."""
    actor = administrator(request)
    if slug:
        org = _organisation(actor, slug)
    elif actor.organisation is not None:
        org = actor.organisation
    else:
        raise Http404("no provider organisation")
    kind = OrganisationKind(org.kind)
    if not f.ROLES_OF[kind]:
        raise Http404("no people here")
    form = f.PersonForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            person = people.create_person(
                actor=actor,
                organisation=org,
                now=clock.now(),
                base_url=_base_url(request),
                **form.cleaned_data,
            )
        except DomainError as exc:
            show_action_errors(form, exc)
        else:
            return redirect("admin_person", username=person.username)
    back = _organisation_page(org)
    context = {
        "section": _section(org),
        "form": form,
        "title": _("New person at %(org)s") % {"org": org.name},
        "submit": _("Create the person"),
        "back": back,
        "note": _("They receive an e-mail with a link to choose their password."),
    }
    return _page(request, "form.html", context, _status(form))


def _section(org: Organisation | None) -> str:
    kind = org.kind if org is not None else ""
    return {"supplier": "suppliers", "partner": "partners", "customer": "partners"}.get(
        kind, "staff"
    )


def _organisation_page(org: Organisation | None) -> str:
    if org is None or org.kind == OrganisationKind.PROVIDER:
        return reverse("admin_staff")
    if org.kind == OrganisationKind.SUPPLIER:
        return reverse("admin_supplier", args=[org.slug])
    return reverse("admin_partner", args=[org.slug])


@login_required
def person(request: HttpRequest, username: str) -> HttpResponse:
    actor = administrator(request)
    who = _person(actor, username)
    org = who.organisation
    kind = OrganisationKind(org.kind) if org is not None else OrganisationKind.PROVIDER
    initial = {
        "first_name": who.first_name,
        "last_name": who.last_name,
        "email": who.email,
        "phone": who.phone,
        "language": who.language,
        "role": who.role,
        "levels": who.level_keys(),
    }
    form = f.PersonForm(
        request.POST if request.method == "POST" else None,
        kind=kind,
        editing=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            people.edit_person(actor=actor, person=who, now=clock.now(), changes=form.cleaned_data)
        except DomainError as exc:
            show_action_errors(form, exc)
        else:
            return redirect("admin_person", username=who.username)
    context = {
        "section": _section(org),
        "who": who,
        "org": org,
        "form": form,
        "role": ROLE_LABELS.get(Role(who.role), who.role) if who.role else "",
        "back": _organisation_page(org),
        "tokens": _marked(q.tokens(actor, owner=who), clock.now()),
        "changes": _changes(actor, kind=Thing.PERSON, object_id=str(who.pk)),
    }
    return _page(request, "person.html", context, _status(form))


@login_required
def person_state(request: HttpRequest, username: str) -> HttpResponse:
    actor = administrator(request)
    who = _person(actor, username)
    error = ""
    if request.method == "POST":
        action = people.reactivate_person if not who.is_active else people.deactivate_person
        try:
            action(actor=actor, person=who, now=clock.now())
        except DomainError as exc:
            error = refusals.message(exc)
        else:
            return redirect("admin_person", username=who.username)
    context = {
        "section": _section(who.organisation),
        "name": who.get_full_name() or who.username,
        "active": who.is_active,
        "kind": "person",
        "people": 0,
        "back": reverse("admin_person", args=[who.username]),
        "error": error,
    }
    return _page(request, "confirm_state.html", context, 409 if error else 200)


# API tokens ----------------------------------------------------------------------------------


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    actor = administrator(request)
    form = f.TokenForm(request.POST or None, initial={"owner": request.GET.get("owner", "")})
    issued = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            owner: User | None = q.person(actor, d["owner"].strip())
        except NotFound:
            owner = None
        if owner is None:
            form.add_error("owner", _("no such person"))
        else:
            now = clock.now()
            days = d.get("expires_in_days")
            try:
                issued = tokens.issue_token(
                    actor=actor,
                    owner=owner,
                    name=d["name"],
                    now=now,
                    expires_at=now + timedelta(days=days) if days else None,
                    scope=d.get("scope") or "",
                )
            except DomainError as exc:
                show_action_errors(form, exc)
            else:
                form = f.TokenForm()
    state = request.GET.get("state", "live")
    state = state if state in ("live", "revoked", "expired", "all") else "live"
    search = _typed(request.GET, "q", 100)
    now = clock.now()
    rows = q.tokens(actor)
    if state == "live":
        rows = _live(rows, now)
    elif state == "revoked":
        rows = rows.filter(revoked_at__isnull=False)
    elif state == "expired":
        rows = rows.filter(revoked_at__isnull=True, expires_at__lte=now)
    if search:
        rows = rows.filter(
            Q(name__icontains=search) | Q(user__username__icontains=search) | Q(key_id=search)
        )
    context = {
        "section": "tokens",
        "form": form,
        "issued": issued,
        "page": _marked(_paged(request, rows), now),
        "state": state,
        "q": search,
    }
    response = _page(request, "tokens.html", context, _status(form))
    if issued is not None:
        response["Cache-Control"] = "no-store"  # the secret is on this page alone
    return response


@login_required
def token_revoke(request: HttpRequest, key_id: str) -> HttpResponse:
    actor = administrator(request)
    token = q.tokens(actor).filter(key_id=key_id.replace("\x00", "")[:16]).first()
    if token is None:
        raise Http404("no such token")
    error = ""
    if request.method == "POST":
        try:
            tokens.withdraw_token(actor=actor, key_id=token.key_id, now=clock.now())
        except DomainError as exc:
            error = refusals.message(exc)
        else:
            return redirect("admin_tokens")
    context = {"section": "tokens", "token": token, "error": error}
    return _page(request, "confirm_revoke.html", context, 409 if error else 200)


# The change log ------------------------------------------------------------------------------


@login_required
def change_log(request: HttpRequest) -> HttpResponse:
    actor = administrator(request)
    g = request.GET
    kind = g.get("kind", "")
    kind = kind if kind in CHANGE_KINDS else ""
    who = _typed(g, "actor", 150)
    errors: dict[str, str] = {}
    since = _day(g.get("from", ""), "from", errors)
    until = _day(g.get("to", ""), "to", errors)
    try:
        before = int(g["before"]) if g.get("before") else None
    except ValueError:
        before = None
    page = q.changes(
        actor,
        kind=kind or None,
        by=who or None,
        since=since,
        until=until + timedelta(days=1) if until else None,
        before=before,
        limit=PER_PAGE,
    )
    older = request.GET.copy()
    if page.next_cursor is not None:
        older["before"] = str(page.next_cursor)
    context = {
        "section": "changes",
        "changes": page.changes,
        "older": older.urlencode() if page.next_cursor is not None else "",
        "kind": kind,
        "actor": who,
        "from": g.get("from", ""),
        "to": g.get("to", ""),
        "errors": errors,
        "kinds": CHANGE_KINDS,
    }
    return _page(request, "changes.html", context, 422 if errors else 200)


def _day(text: str, name: str, errors: dict[str, str]) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = _("is not a date such as 2026-01-31")
        return None
    zone = profiles.active().calendars[profiles.active().default_calendar].zone
    return datetime.combine(day, time.min, tzinfo=zone)


def _live(rows: Any, now: datetime) -> Any:
    return rows.filter(revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def _marked(rows: Any, now: datetime) -> Any:
    """Each token marked expired or not, for the list."""
    for token in rows:
        token.expired = token.expires_at is not None and token.expires_at <= now
    return rows


# CSV import ----------------------------------------------------------------------------------

IMPORT_SALT = "tierdesk.administration.import"
IMPORT_MAX_AGE = 3600  # seconds the dry run's copy of the file may be applied within


def _sealed(actor: User, kind: str, data: bytes) -> str:
    """The file as the dry run read it, signed for this administrator, so Apply runs exactly
    what was checked and nothing a browser could alter."""
    payload = {"kind": kind, "by": actor.pk, "data": base64.b64encode(data).decode("ascii")}
    return signing.dumps(payload, salt=IMPORT_SALT, compress=True)


def _unsealed(actor: User, sealed: str) -> tuple[str, bytes] | None:
    try:
        payload = signing.loads(sealed, salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("by") != actor.pk:
        return None
    return str(payload.get("kind", "")), base64.b64decode(payload.get("data", ""))


@login_required
def csv_import(request: HttpRequest) -> HttpResponse:
    actor = administrator(request)
    form = f.ImportForm(request.POST or None, request.FILES or None)
    report = None
    sealed = ""
    status = 200
    apply_error = ""
    if request.method == "POST" and request.POST.get("verb") == "apply":
        opened = _unsealed(actor, request.POST.get("sealed", ""))
        form = f.ImportForm()
        if opened is None:
            apply_error = _("The checked file has expired or was altered; upload it again.")
        else:
            kind, data = opened
            try:
                report = imports.run_import(
                    actor=actor, kind=kind, data=data, now=clock.now(), apply=True
                )
            except DomainError as exc:
                apply_error = refusals.message(exc)
        status = 422 if apply_error else 200
    elif request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kind = form.cleaned_data["kind"]
            if upload.size > imports.MAX_BYTES:
                form.add_error("file", _("is larger than 5 MB"))
            else:
                data = upload.read()
                try:
                    report = imports.run_import(
                        actor=actor, kind=kind, data=data, now=clock.now(), apply=False
                    )
                except DomainError as exc:
                    show_action_errors(form, exc)
                else:
                    sealed = _sealed(actor, kind, data)
        status = _status(form)
    context = {
        "section": "import",
        "form": form,
        "report": report,
        "sealed": sealed,
        "apply_error": apply_error,
        "columns": [
            {"kind": kind, "required": req, "optional": opt}
            for kind, (req, opt) in imports.COLUMNS.items()
        ],
    }
    return _page(request, "import.html", context, status)
