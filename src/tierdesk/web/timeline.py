"""A ticket's events in words for the timeline: who acted and what happened, in the viewer's
language and the profile's labels, never an internal key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tierdesk.domain.durations import Duration
from tierdesk.domain.events import TOMBSTONE, EventKind
from tierdesk.domain.profiles import Profile
from tierdesk.domain.sanitise import safe_link
from tierdesk.persistence.models import Event


@dataclass(frozen=True)
class Entry:
    event: Event
    who: str
    what: str
    body: str  # the text the event carries (a reply, a note, a hand-off note), if any
    when: str = ""  # the moment in the desk's time zone, the zone named
    attachment: int | None = None  # the file this event added, shown with it
    link: str = ""  # an http(s) address the event names (an alert's source), shown as a link


def when(moment: datetime | None, zone: tzinfo | None) -> str:
    """A moment in words in `zone` (day and month names in the viewer's language), the zone named
    so that no reader takes it for their own."""
    if moment is None:
        return ""
    local = moment.astimezone(zone) if zone is not None else moment
    return dateformat.format(local, "D d M H:i T")


def _label(table: Any, key: object) -> str:
    item = table.get(str(key)) if key is not None else None
    return str(item.label) if item is not None else str(key or "")


def _target(profile: Profile, key: object) -> str:
    for severity in profile.severities.values():
        if str(key) in severity.targets:
            return str(severity.targets[str(key)].label)
    if key == "supplier_response":
        return _("supplier's first response")
    return _("supplier") if key == "supplier" else str(key).replace("_", " ")


REASONS = {
    "solution_provided": lambda: _("solution provided"),
    "requester_confirmed": lambda: _("confirmed by the requester"),
    "requester_reply": lambda: _("the requester replied"),
    "awaiting_confirmation": lambda: _("waiting for confirmation"),
    "awaiting_reply": lambda: _("waiting for an answer"),
    "no_reply": lambda: _("no reply within the closure time"),
    "confirmation_timeout": lambda: _("not confirmed within the closure time"),
    "resolved_timeout": lambda: _("closed automatically some time after the resolution"),
    "work_started": lambda: _("the desk started work on it"),
    "handed to supplier": lambda: _("handed to the supplier"),
    "supplier_solved": lambda: _("solved by the supplier"),
    "alert_resolved": lambda: _("the monitoring alert is resolved"),
}


def period(duration: Duration) -> str:
    """A profile's period in words: "5 business days", "4 hours", "1 business day and 2 hours"
    (days are the closure calendar's working days)."""
    parts = []
    if duration.days:
        days = duration.days
        count = int(days) if float(days).is_integer() else days
        parts.append(
            ngettext("%(count)s business day", "%(count)s business days", int(days) or 1)
            % {"count": count}
        )
    hours, rest = divmod(duration.seconds, 3600)
    if hours:
        parts.append(ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours})
    if rest // 60 or not parts:
        minutes = rest // 60
        parts.append(
            ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}
        )
    return _(" and ").join(parts)


def _timed(profile: Profile, reason: str) -> str | None:
    """A closure or resolution the desk made when the profile's own period ran out, worded with
    that period; None when the profile (no longer) names one."""
    closure = profile.closure
    if closure is None:
        return None
    if reason == "resolved_timeout" and closure.close_resolved_after is not None:
        return _("closed automatically: no answer within %(period)s of the resolution") % {
            "period": period(closure.close_resolved_after)
        }
    if reason == "no_reply" and closure.no_reply_timeout is not None:
        return _("resolved automatically: no answer to the question within %(period)s") % {
            "period": period(closure.no_reply_timeout)
        }
    if reason == "confirmation_timeout" and closure.confirmation_timeout is not None:
        return _("resolved automatically: not confirmed within %(period)s") % {
            "period": period(closure.confirmation_timeout)
        }
    return None


def _reason(profile: Profile, reason: object) -> str:
    text = str(reason or "")
    timed = _timed(profile, text)
    if timed is not None:
        return timed
    if text.startswith("rejected:"):
        return _("rejected: %(label)s") % {"label": _label(profile.invalid_reasons, text[9:])}
    maker = REASONS.get(text)
    return maker() if maker is not None else text


def describe(
    event: Event,
    profile: Profile,
    suppliers: Mapping[str, str] | None = None,
    zone: tzinfo | None = None,
) -> Entry:
    """`suppliers` names the supplier organisations by slug, for viewers who may know them;
    `zone` is the desk's time zone the moment is shown in."""
    d: dict[str, Any] = event.data
    kind = event.kind
    body = ""
    if kind == EventKind.CREATED:
        what = _("opened the ticket")
    elif kind == EventKind.REPLY:
        what = _("replied")
        if d.get("by") == "supplier":
            what = _("replied for the supplier")
        body = str(d.get("body", ""))
    elif kind == EventKind.NOTE:
        what = _("added an internal note")
        body = str(d.get("body", ""))
    elif kind == EventKind.STATUS_CHANGED:
        what = _("changed the status from %(from)s to %(to)s") % {
            "from": _label(profile.statuses, d.get("from")),
            "to": _label(profile.statuses, d.get("to")),
        }
        if d.get("supplier"):
            what += " · " + _("handed to %(supplier)s") % {
                "supplier": (suppliers or {}).get(str(d["supplier"]), d["supplier"])
            }
            if d.get("supplier_ref"):
                what += " (" + _("their reference %(ref)s") % {"ref": d["supplier_ref"]} + ")"
        if d.get("returned_by"):
            what += " · " + _("back from %(supplier)s") % {
                "supplier": (suppliers or {}).get(str(d["returned_by"]), d["returned_by"])
            }
        if d.get("reason"):
            what += f" ({_reason(profile, d.get('reason'))})"
        body = str(d.get("note", ""))
    elif kind == EventKind.SEVERITY_CHANGED:
        what = _("changed the severity from %(from)s to %(to)s") % {
            "from": _label(profile.severities, d.get("from")),
            "to": _label(profile.severities, d.get("to")),
        }
        body = str(d.get("reason", ""))
    elif kind == EventKind.ASSIGNED and d.get("rule"):
        rules = {"round_robin": _("in turn"), "least_open": _("fewest open tickets")}
        what = _("routed to an available agent of %(level)s (%(rule)s)") % {
            "level": _label(profile.levels, d.get("level")),
            "rule": rules.get(str(d.get("rule")), str(d.get("rule"))),
        }
    elif kind == EventKind.ASSIGNED:
        what = _("changed the assignee") if d.get("to") else _("removed the assignee")
    elif kind == EventKind.LEVEL_CHANGED:
        what = _("handed the ticket from %(from)s to %(to)s") % {
            "from": _label(profile.levels, d.get("from")),
            "to": _label(profile.levels, d.get("to")),
        }
        body = str(d.get("note", ""))
    elif kind == EventKind.LINKED:
        kinds = {
            "duplicate_of": _("marked it a duplicate of %(t)s"),
            "related": _("linked it to %(t)s"),
            "follow_up_of": _("opened it as a follow-up of %(t)s"),
            "possible_duplicate_of": _("flagged it as a possible duplicate of %(t)s"),
        }
        what = kinds.get(str(d.get("kind")), _("linked it to %(t)s")) % {"t": d.get("target")}
    elif kind == EventKind.ATTACHMENT_ADDED and d.get("supplier"):
        what = _("kept %(name)s from %(supplier)s's mail") % {
            "name": d.get("name", ""),
            "supplier": (suppliers or {}).get(str(d["supplier"]), d["supplier"]),
        }
    elif kind == EventKind.ATTACHMENT_ADDED:
        what = _("attached %(name)s") % {"name": d.get("name", "")}
    elif kind == EventKind.SLA_WARNING:
        what = _("%(percent)s %% of the %(target)s target is used") % {
            "percent": d.get("percent"),
            "target": _target(profile, d.get("target")),
        }
    elif kind == EventKind.SLA_BREACH:
        what = _("the %(target)s target was breached") % {
            "target": _target(profile, d.get("target"))
        }
    elif kind == EventKind.REJECTED:
        what = _("rejected the ticket: %(label)s") % {"label": d.get("label", "")}
        body = str(d.get("note", ""))
    elif kind == EventKind.FOLLOW_UP_OPENED:
        what = _("a reply after closure opened the follow-up %(number)s") % {
            "number": d.get("number")
        }
    elif kind == EventKind.MANAGEMENT_ESCALATED:
        what = _("escalated to management: %(role)s") % {
            "role": d.get("routed_to") or d.get("role")
        }
        body = str(d.get("reason", ""))
    elif kind == EventKind.CONTACT_ATTEMPTED:
        what = _("tried to reach %(role)s (attempt %(attempt)s)") % {
            "role": d.get("role", ""),
            "attempt": d.get("attempt", 1),
        }
        body = str(d.get("note", ""))
    elif kind == EventKind.DUPLICATE_SUSPECTED:
        what = _("may duplicate %(number)s") % {"number": d.get("of")}
    elif kind == EventKind.INCIDENT_LINKED:
        what = _("linked to the incident “%(title)s”") % {"title": d.get("title", "")}
    elif kind == EventKind.INCIDENT_RESOLVED:
        what = _("the incident “%(title)s” is resolved") % {"title": d.get("title", "")}
        body = str(d.get("message", ""))
    elif kind in (EventKind.ALERT_FIRING, EventKind.ALERT_RESOLVED):
        name = {"name": d.get("alert", "")}
        what = (
            _("the monitoring alert “%(name)s” is firing") % name
            if kind == EventKind.ALERT_FIRING
            else _("the monitoring alert “%(name)s” is resolved") % name
        )
        body = _alert_text(d)
    elif kind == EventKind.FORM_COMPLETED:
        labels = {f.key: f.label for f in profile.form}
        given = d.get("fields") or {}
        what = _("added the missing information: %(fields)s") % {
            "fields": ", ".join(labels.get(k, k) for k in given)
        }
        body = "\n".join(f"{labels.get(k, k)}: {v}" for k, v in given.items())
    elif kind == EventKind.SUPPLIER_MAIL:
        name = {"supplier": (suppliers or {}).get(str(d.get("supplier")), d.get("supplier", ""))}
        if d.get("machine"):
            what = _("%(supplier)s's mail system answered automatically") % name
            what += f" ({d['machine']})"
        elif d.get("solved"):
            what = _("%(supplier)s wrote that it is solved") % name
        else:
            what = _("%(supplier)s wrote") % name
        if d.get("supplier_ref"):
            what += " · " + _("their reference %(ref)s") % {"ref": d["supplier_ref"]}
        body = f"{d.get('subject', '')}\n\n{d.get('body', '')}".strip()
        for refused in d.get("refused_files") or ():
            body += "\n" + _(
                "The file %(name)s (%(size)s bytes) was over the %(limit)s-byte limit and was "
                "not kept."
            ) % {k: refused.get(k, "") for k in ("name", "size", "limit")}
    elif kind == EventKind.SUPPLIER_CHASED:
        name = {"supplier": (suppliers or {}).get(str(d.get("supplier")), d.get("supplier", ""))}
        if d.get("method") == "email":
            what = _("chased %(supplier)s by e-mail to %(to)s") % {**name, "to": d.get("to", "")}
        else:
            what = _("asked the agent to chase %(supplier)s (%(contact)s)") % {
                **name,
                "contact": d.get("contact", ""),
            }
    elif kind == EventKind.AUTHORITY_CHECKED:
        names = {"requester": d.get("requester") or _("the requester"),
                 "account": d.get("account_name") or d.get("account", "")}  # fmt: skip
        if d.get("by") == "desk":
            what = (
                _("validated the authority of %(requester)s for %(account)s")
                if d.get("authorised")
                else _("found that %(requester)s has no authority for %(account)s")
            ) % names
            body = str(d.get("note", ""))
        else:
            what = (
                _("%(requester)s is listed as authorised for %(account)s")
                if d.get("authorised")
                else _("%(requester)s is not listed as authorised for %(account)s")
            ) % names
    elif kind == EventKind.REDACTED:
        what, body = _redaction(d)
    else:  # a kind this page does not know yet; the test of every kind catches it
        what = kind
    actor = event.actor
    who = (actor.get_full_name() or actor.username) if actor is not None else _("the desk")
    if kind == EventKind.REDACTED and "reason" not in d:
        who = ""  # a partner reads that something was removed, not who removed it or why
    attachment = d.get("attachment") if kind == EventKind.ATTACHMENT_ADDED else None
    if d.get(TOMBSTONE):
        what += " · " + _("removed from the record")
        attachment = None  # the file is gone
    link = str(d.get("generator_url", "")) if kind in ALERT_KINDS else ""
    return Entry(
        event=event,
        who=who,
        what=what,
        body=body,
        when=when(event.at, zone),
        attachment=int(attachment) if isinstance(attachment, int) else None,
        link=safe_link(link),
    )


ALERT_KINDS = (EventKind.ALERT_FIRING, EventKind.ALERT_RESOLVED)


def _redaction(d: Mapping[str, Any]) -> tuple[str, str]:
    """A redaction in words: to the provider's staff which entry lost what and why; to everyone
    else only that a part of the conversation was removed (`disclosure` keeps the rest)."""
    if "reason" not in d:
        return _("A part of this conversation was removed."), ""
    words = (
        _("removed the file of entry %(seq)s from the record")
        if d.get("part") == "attachment"
        else _("removed the text of entry %(seq)s from the record")
    )
    return words % {"seq": d.get("event")}, str(d.get("reason", ""))


def _alert_text(d: Mapping[str, Any]) -> str:
    """An alert's annotations, then its labels, one per line (plain text: the page escapes it)."""
    annotations = d.get("annotations") or {}
    labels = d.get("labels") or {}
    lines = [f"{v}" for k, v in annotations.items() if k in ("summary", "description")]
    lines += [f"{k}: {v}" for k, v in labels.items()]
    return "\n".join(lines)
