"""The new-ticket page: the profile's form, its severities with their definitions and examples,
the partner's end-customer accounts, an attachment; errors next to the field, nothing typed lost."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from tierdesk import clock, profiles
from tierdesk.actions import tickets as act
from tierdesk.domain.errors import DomainError
from tierdesk.domain.parties import Party, Role, party_of
from tierdesk.domain.profiles import Profile
from tierdesk.persistence.models import User
from tierdesk.queries.administration import choosable_accounts, choosable_subscriptions
from tierdesk.queries.status import notices_for
from tierdesk.web.forms import show_errors

ACCOUNT_FIELDS = ("account", "customer")
SUBSCRIPTION_FIELDS = ("subscription",)


def subscription_choice(spec: Any, subscriptions: Any, *, required: bool) -> forms.ChoiceField:
    """The profile's subscription field as a choice of the subscriptions that exist (the
    reference is what the ticket's form records), instead of an identifier typed from memory."""
    return forms.ChoiceField(
        label=spec.label,
        help_text=spec.help,
        required=required,
        choices=[("", "—")]
        + [(s.reference, f"{s.reference} · {s.product} ({s.account.name})") for s in subscriptions],
    )


def check_subscription(form: forms.Form, profile: Profile, subscriptions: Any) -> None:
    """A chosen subscription belongs to the chosen end-customer account (and so to the partner);
    the refusal is shown next to the subscription."""
    data = form.cleaned_data
    account = data.get("customer_account")
    partner = data.get("organisation")
    for spec in profile.form:
        name = f"form_{spec.key}"
        if spec.key not in SUBSCRIPTION_FIELDS or not data.get(name):
            continue
        if not isinstance(form.fields.get(name), forms.ChoiceField):
            continue  # no subscription registered: the reference is typed
        owners = [s.account for s in subscriptions if s.reference == data[name]]
        if account is not None and all(o.pk != account.pk for o in owners):
            form.add_error(name, _("is not a subscription of the chosen end-customer account"))
        elif partner is not None and all(o.parent_id != partner.pk for o in owners):
            form.add_error(name, _("is not a subscription of this partner"))


def ticket_form(
    profile: Profile,
    user: User,
    data: Any = None,
    files: Any = None,
    subscriptions: list[Any] | None = None,
) -> forms.Form:
    """The new-ticket form; `subscriptions` are the partner's choosable ones when the caller has
    already read them (the page checks the choice against the same list)."""
    form = forms.Form(data, files)
    form.fields["subject"] = forms.CharField(
        max_length=250,
        label=_("Subject"),
        help_text=_("A title that briefly describes the issue"),
        # As the subject is typed, matching knowledge-base articles are suggested (HTMX).
        widget=forms.TextInput(
            attrs={
                "hx-get": "/kb/suggest",
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#kb-suggestions",
                "autocomplete": "off",
            }
        ),
    )
    form.fields["severity"] = forms.ChoiceField(
        label=_("Severity"),
        widget=forms.RadioSelect(
            attrs={"hx-get": "/tickets/new/notices", "hx-target": "#status-notices"}
        ),
        initial=profile.default_severity,
        choices=[(k, s.label) for k, s in profile.severities.items()],
    )
    if len(profile.queues) > 1:
        form.fields["queue"] = forms.ChoiceField(
            label=_("Queue"),
            initial=profile.default_queue,
            choices=[(k, q.label) for k, q in profile.queues.items()],
        )
    accounts = choosable_accounts(user.organisation) if user.organisation is not None else None
    asked = account_field(profile)
    chosen = accounts is not None and accounts.exists()
    if chosen:
        # The end customer is chosen from the partner's accounts, not typed again in the
        # profile's own account field.
        form.fields["customer_account"] = forms.ModelChoiceField(
            accounts,
            required=asked is not None and asked.required,
            to_field_name="slug",
            label=asked.label if asked is not None else _("End-customer account"),
            help_text=_("One of your end-customer accounts"),
        )
    if subscriptions is None:
        subscriptions = (
            list(choosable_subscriptions(user.organisation))
            if user.organisation is not None
            else []
        )
    for spec in profile.form:
        if chosen and asked is not None and spec.key == asked.key:
            continue
        if spec.key in SUBSCRIPTION_FIELDS and subscriptions:
            form.fields[f"form_{spec.key}"] = subscription_choice(
                spec, subscriptions, required=spec.required
            )
            continue
        form.fields[f"form_{spec.key}"] = forms.CharField(
            label=spec.label,
            help_text=spec.help,
            required=spec.required,
            max_length=10_000,
            widget=forms.Textarea(attrs={"rows": 3}) if spec.multiline else forms.TextInput(),
        )
    form.fields["description"] = forms.CharField(
        label=_("Anything else"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    form.fields["file"] = forms.FileField(
        label=_("Attachment (error log, screenshot)"), required=False
    )
    return form


def account_field(profile: Profile) -> Any:
    """The profile's form field that names the end customer ("account", "customer"), if any."""
    return next((f for f in profile.form if f.key in ACCOUNT_FIELDS), None)


def _typed(profile: Profile, data: dict[str, Any]) -> dict[str, str]:
    """The profile's form as the partner filled it; the end customer chosen from the list fills
    the profile's own account field."""
    typed = {
        spec.key: data.get(f"form_{spec.key}", "")
        for spec in profile.form
        if data.get(f"form_{spec.key}")
    }
    asked, account = account_field(profile), data.get("customer_account")
    if asked is not None and account is not None and not typed.get(asked.key):
        ref = f" ({account.external_ref})" if account.external_ref else ""
        typed[asked.key] = f"{account.name}{ref}"
    return typed


@login_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if party_of(Role(user.role)) is not Party.REQUESTER:
        raise Http404("agents log tickets for a partner through the API or the desk")
    profile = profiles.active()
    subscriptions = (
        list(choosable_subscriptions(user.organisation)) if user.organisation is not None else []
    )
    form = ticket_form(profile, user, request.POST or None, request.FILES or None, subscriptions)
    if request.method == "POST" and form.is_valid() and user.organisation is not None:
        check_subscription(form, profile, subscriptions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("file")
        try:
            # Every part is checked before the ticket is written.
            checked = (
                act.check_upload(
                    name=upload.name or "file",
                    size=upload.size or 0,
                    content_type=upload.content_type,
                )
                if upload is not None
                else None
            )
            with transaction.atomic():  # the ticket and its file, or neither
                ticket = act.open_ticket(
                    actor=user,
                    now=clock.now(),
                    subject=data["subject"],
                    description=data["description"],
                    channel="portal",
                    severity=data["severity"],
                    queue=data.get("queue"),
                    customer_account=data.get("customer_account"),
                    form=_typed(profile, data),
                )
                if upload is not None and checked is not None:
                    act.attach_file(
                        actor=user,
                        number=ticket.number,
                        content=upload,
                        name=checked.name,
                        size=checked.size,
                        content_type=checked.content_type,
                        now=clock.now(),
                    )
            return redirect("ticket", number=ticket.number)
        except DomainError as exc:
            show_errors(form, exc)
    status = 422 if request.method == "POST" else 200
    severity = form["severity"].value() or profile.default_severity
    incidents, windows = notices_for(profile, str(severity), clock.now())
    context = {"form": form, "profile": profile, "incidents": incidents, "windows": windows}
    return render(request, "tierdesk/new_ticket.html", context, status=status)


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    """Current incidents and maintenance for the severity chosen (LuxCloud 2.4.1), as a fragment."""
    profile = profiles.active()
    severity = request.GET.get("severity", profile.default_severity)[:32]
    incidents, windows = notices_for(profile, severity, clock.now())
    context = {"incidents": incidents, "windows": windows}
    return render(request, "tierdesk/status_notices.html", context)
