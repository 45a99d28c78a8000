"""The administration pages' forms: what an administrator types, before an action checks it.

The forms only shape the input (lengths, dates, choices); every rule about what may be saved is
the actions', and their refusals come back next to the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tierdesk import profiles, refusals
from tierdesk.domain.errors import DomainError
from tierdesk.domain.parties import OrganisationKind, Role
from tierdesk.web import words

ROLE_LABELS = {
    Role.PARTNER_USER: _("Partner user"),
    Role.PARTNER_ADMIN: _("Partner administrator"),
    Role.AGENT: _("Agent"),
    Role.SUPPLIER_CONTACT: _("Supplier contact"),
    Role.MANAGER: _("Manager"),
    Role.ADMINISTRATOR: _("Administrator"),
}
ROLES_OF = {
    OrganisationKind.PROVIDER: (Role.AGENT, Role.MANAGER, Role.ADMINISTRATOR),
    OrganisationKind.PARTNER: (Role.PARTNER_USER, Role.PARTNER_ADMIN),
    OrganisationKind.SUPPLIER: (Role.SUPPLIER_CONTACT,),
    OrganisationKind.CUSTOMER: (),
}
METHODS = [("email", _("E-mail")), ("portal", _("Support portal")), ("phone", _("Telephone"))]


def show_action_errors(form: forms.Form, exc: DomainError) -> None:
    """Each refused field's message next to that field ("severity_map.p1" is the form's
    `severity_map_p1`); what names no field of the form goes above it."""
    placed = False
    for name, message in refusals.fields(exc).items():
        field = name.replace(".", "_")
        if field in form.fields:
            form.add_error(field, message)
            placed = True
        else:
            form.add_error(None, f"{name}: {message}" if name else message)
            placed = True
    if not placed:
        form.add_error(None, refusals.message(exc))


class AdminForm(forms.Form):
    """Marks fields with errors for assistive technology and styling."""

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in getattr(self, "_errors", None) or {}:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = (
                    f"id_{self.prefix + '-' if self.prefix else ''}{name}-error"
                )


class OrganisationForm(AdminForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.CharField(
        label=_("Short name"),
        max_length=80,
        required=False,
        help_text=_("Used in addresses; made from the name when left empty."),
    )
    external_ref = forms.CharField(label=_("Reference"), max_length=100, required=False)
    contact_email = forms.CharField(label=_("Contact e-mail"), max_length=254, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)


class AccountForm(OrganisationForm):
    authorised_requesters = forms.CharField(
        label=_("Authorised requesters"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        required=False,
        help_text=_(
            "One e-mail address or @domain per line: the people who may raise requests for this "
            "account. Others are flagged for the desk to validate. Empty: nobody is checked."
        ),
    )


class SubscriptionForm(AdminForm):
    reference = forms.CharField(label=_("Subscription ID"), max_length=100)
    product = forms.CharField(label=_("Product"), max_length=200)
    starts_on = forms.DateField(
        label=_("Starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class DomainForm(AdminForm):
    domain = forms.CharField(label=_("E-mail domain (e.g. example.com)"), max_length=253)


def _level_choices(
    staffed_by: OrganisationKind = OrganisationKind.PROVIDER,
) -> list[tuple[str, str]]:
    profile = profiles.active()
    return [
        (key, level.label)
        for key, level in profile.levels.items()
        if level.staffed_by is staffed_by
    ]


class PersonForm(AdminForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=())
    role = forms.ChoiceField(label=_("Role"), choices=())
    levels = forms.MultipleChoiceField(
        label=_("Levels"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The support levels an agent works in."),
    )

    def __init__(self, *args: Any, kind: OrganisationKind, editing: bool = False, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["language"].choices = list(settings.LANGUAGES)  # type: ignore[attr-defined]
        self.fields["role"].choices = [(r.value, ROLE_LABELS[r]) for r in ROLES_OF[kind]]  # type: ignore[attr-defined]
        served = _level_choices(OrganisationKind.SUPPLIER)
        if kind is OrganisationKind.PROVIDER:
            self.fields["levels"].choices = _level_choices()  # type: ignore[attr-defined]
        elif kind is OrganisationKind.SUPPLIER and served:
            self.fields["levels"].choices = served  # type: ignore[attr-defined]
            self.fields["levels"].help_text = _(
                "The supplier-staffed levels this contact serves: tickets at them are shown and "
                "announced to them."
            )
        else:
            del self.fields["levels"]
        if editing:
            del self.fields["username"]


# The supplier's own desk (issue 18), as the support terms name them.
SUPPLIER_OWN_DESK = (
    "contacts",
    "response_target",
    "time_zone",
    "hours",
    "holiday_country",
    "severity_scale",
    "reference_pattern",
    "solved_phrases",
)


class SupplierForm(OrganisationForm):
    method = forms.ChoiceField(label=_("Request help"), choices=METHODS)
    contact = forms.CharField(
        label=_("Where"),
        max_length=300,
        help_text=_("An address, the portal's URL or a phone number, as the method needs."),
    )
    ola_target = forms.CharField(
        label=_("Promised answer within (OLA)"),
        max_length=60,
        required=False,
        help_text=_('For example "4h" or "1 business day".'),
    )
    calendar = forms.ChoiceField(label=_("On the calendar"), required=False, choices=())
    escalation_contacts = forms.CharField(
        label=_("Escalation contacts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: an address, a URL or a phone number."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contacts = forms.CharField(
        label=_("Other contacts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line. Their mails are threaded back too."),
    )
    response_target = forms.CharField(
        label=_("Their response within"),
        max_length=60,
        required=False,
        help_text=_('For example "2h".'),
    )
    time_zone = forms.CharField(
        label=_("Their time zone"),
        max_length=64,
        required=False,
        help_text=_('For example "America/New_York". Their targets run on their own hours.'),
    )
    hours = forms.CharField(
        label=_("Their hours"),
        max_length=200,
        required=False,
        help_text=_('For example "mon-fri 08:00-18:00; sat 09:00-12:00", or "24x7".'),
    )
    holiday_country = forms.CharField(
        label=_("Their public holidays"),
        max_length=12,
        required=False,
        help_text=_('The country (and region) code, for example "US" or "DE-BY".'),
    )
    severity_scale = forms.CharField(
        label=_("Their severity scale"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Their labels, one per line, most severe first."),
    )
    reference_pattern = forms.CharField(
        label=_("Their reference in subjects"),
        max_length=200,
        required=False,
        help_text=_("A regular expression; its group is the reference, e.g. “CASE-([0-9]+)”."),
    )
    solved_phrases = forms.CharField(
        label=_("Words that say it is solved"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: a phrase or status in their mails, such as “Status: Solved”."),
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        profile = profiles.active()
        self.fields["calendar"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (k, words.calendar_label(profile, k)) for k in profile.calendars
        ]
        for key, severity in profile.severities.items():
            self.fields[f"severity_map_{key}"] = forms.CharField(
                label=_("Their severity for “%(label)s”") % {"label": severity.label},
                max_length=60,
                required=False,
            )

    def organisation_values(self) -> dict[str, str]:
        d = self.cleaned_data
        return {k: d.get(k, "") for k in OrganisationForm.base_fields}

    def terms_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        profile = profiles.active()
        return {
            "method": d["method"],
            "contact": d["contact"],
            "ola_target": d.get("ola_target", ""),
            "calendar": d.get("calendar", ""),
            "escalation_contacts": d.get("escalation_contacts", ""),
            "notes": d.get("notes", ""),
            **{name: d.get(name, "") for name in SUPPLIER_OWN_DESK},
            "severity_map": {
                key: d[f"severity_map_{key}"]
                for key in profile.severities
                if d.get(f"severity_map_{key}")
            },
        }

    @staticmethod
    def initial_from(org: Any, terms: Any) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(org, k) for k in OrganisationForm.base_fields}
        if terms is not None:
            out.update(
                method=terms.method,
                contact=terms.contact,
                ola_target=terms.ola_target,
                calendar=terms.calendar,
                escalation_contacts="\n".join(terms.escalation_contacts),
                notes=terms.notes,
                contacts="\n".join(terms.contacts),
                severity_scale="\n".join(terms.severity_scale),
                solved_phrases="\n".join(terms.solved_phrases),
                response_target=terms.response_target,
                time_zone=terms.time_zone,
                hours=terms.hours,
                holiday_country=terms.holiday_country,
                reference_pattern=terms.reference_pattern,
            )
            for key, label in dict(terms.severity_map).items():
                out[f"severity_map_{key}"] = label
        return out


class TokenForm(AdminForm):
    owner = forms.CharField(label=_("For the user"), max_length=150, help_text=_("Their username."))
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What it is for."))
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        initial=90,
        help_text=_("Leave empty for a token that does not expire."),
    )
    scope = forms.ChoiceField(
        label=_("Opens"),
        required=False,
        choices=[
            ("", _("The whole API as this person")),
            ("monitoring", _("Only the Alertmanager receiver (monitoring)")),
            ("messages", _("Only the relayed-message webhook (chat and social bridges)")),
        ],
    )


IMPORT_KINDS = [
    ("organisations", _("Partner organisations")),
    ("accounts", _("End-customer accounts and subscriptions")),
    ("people", _("People")),
]


class ImportForm(AdminForm):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=IMPORT_KINDS)
    file = forms.FileField(label=_("CSV file (UTF-8, first row the column names)"))
