"""How the administration pages show a change log entry: before and after, field by field, in
words."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from tierdesk.domain.parties import Role
from tierdesk.web.admin_forms import METHODS, ROLE_LABELS

register = template.Library()

FIELDS = {
    "kind": gettext_lazy("Kind"),
    "name": gettext_lazy("Name"),
    "slug": gettext_lazy("Short name"),
    "external_ref": gettext_lazy("Reference"),
    "parent": gettext_lazy("Partner"),
    "contact_email": gettext_lazy("Contact e-mail"),
    "contact_phone": gettext_lazy("Contact phone"),
    "authorised_requesters": gettext_lazy("Authorised requesters"),
    "active": gettext_lazy("Active"),
    "people": gettext_lazy("People"),
    "account": gettext_lazy("Account"),
    "reference": gettext_lazy("Subscription ID"),
    "product": gettext_lazy("Product"),
    "starts_on": gettext_lazy("Starts on"),
    "ends_on": gettext_lazy("Ends on"),
    "method": gettext_lazy("Request help"),
    "contact": gettext_lazy("Where"),
    "severity_map": gettext_lazy("Severity mapping"),
    "ola_target": gettext_lazy("Promised answer within (OLA)"),
    "calendar": gettext_lazy("Calendar"),
    "escalation_contacts": gettext_lazy("Escalation contacts"),
    "notes": gettext_lazy("Notes"),
    "contacts": gettext_lazy("Other contacts"),
    "severity_scale": gettext_lazy("Their severity scale"),
    "response_target": gettext_lazy("Their response within"),
    "time_zone": gettext_lazy("Their time zone"),
    "hours": gettext_lazy("Their hours"),
    "holiday_country": gettext_lazy("Their public holidays"),
    "reference_pattern": gettext_lazy("Their reference in subjects"),
    "solved_phrases": gettext_lazy("Words that say it is solved"),
    "username": gettext_lazy("Username"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "role": gettext_lazy("Role"),
    "organisation": gettext_lazy("Organisation"),
    "levels": gettext_lazy("Levels"),
    "language": gettext_lazy("Language"),
    "domain": gettext_lazy("Domain"),
    "key_id": gettext_lazy("Token ID"),
    "owner": gettext_lazy("For the user"),
    "expires_at": gettext_lazy("Expires"),
    "revoked_at": gettext_lazy("Revoked"),
    "title": gettext_lazy("Title"),
    "texts": gettext_lazy("Texts"),
    "suggests": gettext_lazy("Suggested status change"),
    "profile": gettext_lazy("Profile"),
}
KINDS = {
    "organisation": gettext_lazy("Partner"),
    "account": gettext_lazy("End-customer account"),
    "subscription": gettext_lazy("Subscription"),
    "supplier": gettext_lazy("Supplier"),
    "person": gettext_lazy("Person"),
    "domain": gettext_lazy("Domain"),
    "token": gettext_lazy("API token"),
    "terms": gettext_lazy("Support terms"),
    "canned_reply": gettext_lazy("Canned reply"),
}
ORGANISATION_KINDS = {
    "provider": gettext_lazy("Provider"),
    "partner": gettext_lazy("Partner"),
    "customer": gettext_lazy("End-customer account"),
    "supplier": gettext_lazy("Supplier"),
}
VERBS = {
    "create": gettext_lazy("created"),
    "edit": gettext_lazy("changed"),
    "deactivate": gettext_lazy("deactivated"),
    "reactivate": gettext_lazy("reactivated"),
    "revoke": gettext_lazy("revoked"),
    "remove": gettext_lazy("removed"),
    "import": gettext_lazy("imported"),
    "terms": gettext_lazy("support terms changed"),
    "create terms": gettext_lazy("support terms set"),
    "approve": gettext_lazy("approved"),
}


def _words(field: str, value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field == "levels" and isinstance(value, list):
        from tierdesk import profiles

        levels = profiles.active().levels
        return ", ".join(levels[v].label if v in levels else str(v) for v in value)
    if field == "kind":
        return str(ORGANISATION_KINDS.get(str(value), value))
    if field == "language":
        try:
            return str(get_language_info(str(value))["name_translated"])
        except KeyError:
            return str(value)
    if field == "severity_map" and isinstance(value, dict):
        from tierdesk import profiles

        severities = profiles.active().severities
        return "; ".join(
            f"{severities[k].label if k in severities else k} = {v}" for k, v in value.items()
        )
    if field == "method":
        return str(dict(METHODS).get(str(value), value))
    if field == "calendar":
        from tierdesk import profiles
        from tierdesk.web.words import calendar_label

        return calendar_label(profiles.active(), value)
    if field == "role":
        try:
            return str(ROLE_LABELS[Role(str(value))])
        except ValueError:
            return str(value)
    if isinstance(value, dict):
        return "; ".join(f"{k} = {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@register.filter
def change_diff(change: Any) -> list[dict[str, str]]:
    """Each field the change touched: its label, the value before and after."""
    before = change.before or {}
    after = change.after or {}
    rows = []
    for field in dict.fromkeys([*before, *after]):
        old, new = before.get(field), after.get(field)
        if change.verb != "create" and old == new:
            continue
        if change.verb.startswith("create") and new in (None, "", [], {}):
            continue
        rows.append(
            {
                "field": str(FIELDS.get(field, field.replace("_", " "))),
                "before": _words(field, old) if field in before else "",
                "after": _words(field, new) if field in after else "",
            }
        )
    return rows


@register.filter
def change_kind(kind: str) -> str:
    return str(KINDS.get(kind, kind))


@register.filter
def change_verb(verb: str) -> str:
    return str(VERBS.get(verb, verb.replace("_", " ")))


@register.filter
def role_label(role: str) -> str:
    try:
        return str(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


@register.filter
def level_names(person: Any) -> list[str]:
    """A person's levels by the profile's labels (memberships are prefetched by the query)."""
    from tierdesk import profiles

    levels = profiles.active().levels
    return [
        levels[m.level].label if m.level in levels else m.level
        for m in person.level_memberships.all()
    ]


@register.filter
def terms_hours(terms: Any) -> str:
    """On whose hours a supplier's targets run: its own (hours and zone), or a desk calendar."""
    if terms is None:
        return ""
    if terms.time_zone:
        return f"{terms.hours or '24x7'}, {terms.time_zone}"
    return _words("calendar", terms.calendar) if terms.calendar else ""
