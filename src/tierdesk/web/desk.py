"""The agent desk: queues with SLA countdowns, saved views, logging a phone call, and who else
has a ticket open (the collision notice)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from tierdesk import clock, profiles, refusals
from tierdesk.actions import bulk, saved_views
from tierdesk.actions import tickets as act
from tierdesk.actions.presence import mark_present
from tierdesk.actions.routing import set_availability
from tierdesk.domain.errors import DomainError, NotFound
from tierdesk.domain.instants import read_instant
from tierdesk.domain.parties import OrganisationKind, Party, Role, party_of
from tierdesk.persistence.models import Organisation, SavedView, TicketPresence, User
from tierdesk.queries import desk as q
from tierdesk.queries.administration import (
    choosable_all_accounts,
    choosable_partners,
    choosable_subscriptions,
)
from tierdesk.queries.availability import desk_availability
from tierdesk.queries.tickets import assignable, get_ticket
from tierdesk.web import words
from tierdesk.web.forms import show_errors
from tierdesk.web.new_ticket import (
    SUBSCRIPTION_FIELDS,
    account_field,
    check_subscription,
    subscription_choice,
)

PRESENT = timedelta(seconds=60)  # a page that polled within this is "open"
FILTER_KEYS = ("level", "queue", "mine", "unassigned", "severity", "status", "q")


def _staff(request: HttpRequest) -> User:
    user = request.user
    if (
        not isinstance(user, User)
        or not user.role
        or party_of(Role(user.role)) is not Party.PROVIDER
    ):
        raise Http404("no such page")
    return user


def _queue_context(user: User, g: Any) -> dict[str, Any]:
    profile = profiles.active()
    # The agent's own tab in the viewer's language (the levels' tabs carry the profile's labels).
    tab_list = [
        replace(t, label=str(_("Assigned to me"))) if t.key == "mine" else t
        for t in q.tabs(user, profile)
    ]
    level = g.get("level", "")
    if not any(k in g for k in FILTER_KEYS):
        # The first of the agent's levels, or its own tickets.
        level = tab_list[0].key if tab_list and tab_list[0].key != "mine" else ""
    f = q.QueueFilter(
        level=level if level in profile.levels else "",
        queue=g.get("queue", "") if g.get("queue", "") in profile.queues else "",
        mine=g.get("mine") == "1",
        unassigned=g.get("unassigned") == "1",
        severity=g.get("severity", "") if g.get("severity", "") in profile.severities else "",
        status=g.get("status", "") if g.get("status", "") in profile.statuses else "",
        search=g.get("q", "")[:200],
    )
    try:
        page = max(1, int(g.get("page", "1")))
    except ValueError:
        page = 1
    now = clock.now()
    rows, more = q.queue(user, profile, f, now, page=page)
    zone = words.viewer_zone()
    for row in rows:
        # The countdowns in the viewer's language and zone, each target by the profile's label.
        row.countdowns = [
            replace(c, words=words.countdown(profile, c.target, c.state, c.due, now, zone))
            for c in row.countdowns
        ]
    query = {k: v for k, v in g.items() if k in FILTER_KEYS and v}
    return {
        "rows": rows,
        "more": more,
        "page": page,
        "next_query": urlencode({**query, "page": page + 1}),
        "filters": f,
        "tabs": tab_list,
        "profile": profile,
        "views": SavedView.objects.filter(user=user),
        "query": urlencode(query),
        "bulk": bulk_form(profile, query=urlencode(query)),
        "is_agent": user.role == Role.AGENT,
        "me_available": not user.away,
        "availability": desk_availability(profile),
        "routing": profile.routing,
    }


@login_required
@require_POST
def availability(request: HttpRequest) -> HttpResponse:
    """The agent's own "available" / "away" switch in the desk's header."""
    user = _staff(request)
    try:
        set_availability(actor=user, available=request.POST.get("available") == "1")
    except DomainError:
        raise Http404("only agents mark themselves available or away") from None
    return redirect("desk")


@login_required
def queue_page(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    return render(request, "tierdesk/desk.html", _queue_context(user, request.GET))


class BulkForm(forms.Form):
    operation = forms.ChoiceField(
        label=_l("Change"),
        choices=[
            ("assign", _l("Assign to")),
            ("status", _l("Set status")),
            ("level", _l("Hand to level")),
        ],
    )
    assignee = forms.ChoiceField(label=_l("Agent"), required=False)
    status = forms.ChoiceField(label=_l("Status"), required=False)
    level = forms.ChoiceField(label=_l("Level"), required=False)
    note = forms.CharField(
        label=_l("Hand-off note (for a level change)"), required=False, max_length=100_000
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)


def bulk_form(profile: Any, data: Any = None, query: str = "") -> BulkForm:
    form = BulkForm(data, prefix="bulk", initial={"query": query})
    form.fields["assignee"].choices = [("", _("Nobody"))] + [  # type: ignore[attr-defined]
        (a.username, a.get_full_name() or a.username) for a in assignable()
    ]
    form.fields["status"].choices = [(k, s.label) for k, s in profile.statuses.items()]  # type: ignore[attr-defined]
    form.fields["level"].choices = [(k, lv.label) for k, lv in profile.levels.items()]  # type: ignore[attr-defined]
    return form


def _refusal(outcome: bulk.Outcome, profile: Any, value: str) -> str:
    """Why a ticket was refused, in the viewer's words with the profile's labels."""

    def label(table: Any, key: str) -> str:
        return str(table[key].label) if key in table else key

    if outcome.code == "illegal_transition":
        return _("the process does not move a ticket from %(current)s to %(wanted)s") % {
            "current": label(profile.statuses, outcome.before),
            "wanted": label(profile.statuses, value),
        }
    if outcome.code == "conflict" and outcome.fields and "level" in outcome.fields:
        return _("the process does not hand a ticket from %(current)s to %(wanted)s") % {
            "current": label(profile.levels, outcome.before),
            "wanted": label(profile.levels, value),
        }
    if outcome.code == "not_found":
        return _("no such ticket, or not one you may see")
    if outcome.code == "forbidden":
        return _("you may not change this ticket")
    return _("refused: %(why)s") % {"why": refusals.say(outcome.message)}


@login_required
@require_POST
def bulk_change(request: HttpRequest) -> HttpResponse:
    """The queue's selected tickets, one change each; the page again with what was done and
    what was refused and why."""
    user = _staff(request)
    profile = profiles.active()
    form = bulk_form(profile, request.POST)
    filters = QueryDict(request.POST.get("bulk-query", "")[:500])
    outcomes: list[bulk.Outcome] = []
    value = ""
    if form.is_valid():
        d = form.cleaned_data
        value = {"assign": d["assignee"], "status": d["status"], "level": d["level"]}[
            d["operation"]
        ]
        try:
            outcomes = bulk.apply(
                actor=user, numbers=request.POST.getlist("tickets"), operation=d["operation"],
                value=value, note=d["note"], now=clock.now(),
            )  # fmt: skip
        except DomainError as exc:
            for name, message in refusals.fields(exc).items():
                field = {"value": d["operation"] if d["operation"] != "assign" else "assignee"}.get(
                    name, name
                )
                form.add_error(field if field in form.fields else None, message)
    context = _queue_context(user, filters)
    context["bulk"] = form
    context["outcomes"] = [
        {
            "number": o.number,
            "done": o.done,
            "unchanged": o.code == "unchanged",
            "why": "" if o.done else _refusal(o, profile, value),
        }
        for o in outcomes
    ]
    context["done_count"] = sum(1 for o in outcomes if o.code == "done")
    context["unchanged_count"] = sum(1 for o in outcomes if o.code == "unchanged")
    context["refused_count"] = sum(1 for o in outcomes if not o.done)
    return render(request, "tierdesk/desk.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    name = request.POST.get("name", "").strip()[:80]
    query = request.POST.get("query", "")[:500]
    if name:
        saved_views.save_view(user=user, name=name, query=query, now=clock.now())
    return redirect(f"/desk/?{query}")


@login_required
@require_POST
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    saved_views.delete_view(user=user, pk=pk)
    return redirect("desk")


class PhoneForm(forms.Form):
    organisation = forms.ModelChoiceField(
        Organisation.objects.none(), label=_l("Partner"), to_field_name="slug"
    )
    requester = forms.ModelChoiceField(
        User.objects.none(), label=_l("Caller"), required=False, to_field_name="username"
    )
    customer_account = forms.ModelChoiceField(
        Organisation.objects.none(),
        label=_l("End-customer account"),
        required=False,
        to_field_name="slug",
        help_text=_l("One of the partner's end-customer accounts"),
    )
    called_at = forms.CharField(
        label=_l("Call made at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_l("The clock starts at this instant, in your time zone"),
    )
    voicemail = forms.BooleanField(label=_l("Left as a voicemail"), required=False)
    # A voicemail needs only the profile's voicemail form: the desk checks the rest per kind.
    subject = forms.CharField(label=_l("Subject"), max_length=250, required=False)
    severity = forms.ChoiceField(label=_l("Severity"))
    description = forms.CharField(
        label=_l("What the caller said"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )


@login_required
def phone(request: HttpRequest) -> HttpResponse:
    """LuxCloud 2.7: the desk logs a call or a voicemail as a ticket with channel phone, and the
    clock starts when the call was made."""
    user = _staff(request)
    profile = profiles.active()
    zone = words.viewer_zone()  # a call's time is typed in the agent's own zone
    form = PhoneForm(
        request.POST or None,
        initial={
            "called_at": clock.now().astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            "severity": profile.default_severity,
        },
    )
    form.fields["organisation"].queryset = choosable_partners()  # type: ignore[attr-defined]
    accounts = choosable_all_accounts()
    form.fields["customer_account"].queryset = accounts  # type: ignore[attr-defined]
    form.fields["customer_account"].label_from_instance = lambda a: f"{a.name} ({a.parent.name})"  # type: ignore[attr-defined]
    subscriptions = list(choosable_subscriptions())
    asked = account_field(profile)
    form.fields["requester"].queryset = User.objects.filter(  # type: ignore[attr-defined]
        organisation__kind=OrganisationKind.PARTNER, is_active=True
    ).order_by("username")
    form.fields["severity"].choices = [(k, s.label) for k, s in profile.severities.items()]  # type: ignore[attr-defined]
    for spec in profile.voicemail:  # LuxCloud 2.7: what a voice message must carry
        form.fields[f"voicemail_{spec.key}"] = forms.CharField(
            label=spec.label,
            help_text=spec.help or _("Required for a voicemail"),
            required=False,
            max_length=250,
        )
    for spec in profile.form:  # the profile's ticket form applies to calls as well
        if spec.key in SUBSCRIPTION_FIELDS and subscriptions:
            form.fields[f"form_{spec.key}"] = subscription_choice(
                spec, subscriptions, required=False
            )
            continue
        form.fields[f"form_{spec.key}"] = forms.CharField(
            label=spec.label,
            help_text=spec.help,
            required=False,  # required for a call, asked later for a voicemail: the desk checks
            max_length=10_000,
            widget=forms.Textarea(attrs={"rows": 2}) if spec.multiline else forms.TextInput(),
        )
    if request.method == "POST" and form.is_valid():
        account, partner = form.cleaned_data["customer_account"], form.cleaned_data["organisation"]
        if account is not None and account.parent_id != partner.pk:
            form.add_error("customer_account", _("is not an end-customer account of this partner"))
        check_subscription(form, profile, subscriptions)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        typed = {s.key: d[f"form_{s.key}"] for s in profile.form if d.get(f"form_{s.key}")}
        if asked is not None and d["customer_account"] is not None and not typed.get(asked.key):
            # The account chosen fills the profile's own account field (typed only for an
            # end customer the desk does not know yet).
            chosen = d["customer_account"]
            typed[asked.key] = chosen.name + (
                f" ({chosen.external_ref})" if chosen.external_ref else ""
            )
        called = read_instant(d["called_at"], zone)
        if called is None:
            form.add_error("called_at", _("is not a date and time"))
        else:
            try:
                ticket = act.log_call(
                    actor=user, now=clock.now(), called_at=called, voicemail=d["voicemail"],
                    subject=d["subject"], description=d["description"], severity=d["severity"],
                    organisation=d["organisation"], requester=d["requester"],
                    customer_account=d["customer_account"], form=typed,
                    message={s.key: d[f"voicemail_{s.key}"] for s in profile.voicemail},
                )  # fmt: skip
            except DomainError as exc:
                show_errors(form, exc)
            else:
                return redirect("ticket", number=ticket.number)
    return render(
        request, "tierdesk/phone.html", {"form": form}, status=422 if form.errors else 200
    )


@login_required
def presence(request: HttpRequest, number: str) -> HttpResponse:
    """Mark the agent as having the ticket open; answer with the others who have it open now.
    The ticket page polls this (HTMX), and says so when someone else is typing a reply."""
    user = _staff(request)
    try:
        ticket = get_ticket(user, number)
    except NotFound as exc:
        raise Http404("no such ticket") from exc
    now = clock.now()
    editing = request.GET.get("editing") == "1"
    mark_present(ticket=ticket, user=user, now=now, editing=editing)
    others = (
        TicketPresence.objects.filter(ticket=ticket, seen_at__gte=now - PRESENT)
        .exclude(user=user)
        .select_related("user")
    )
    return render(request, "tierdesk/presence.html", {"others": list(others)})
