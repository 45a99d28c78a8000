"""The canned replies page: the list, a form to add or change one (a text per language of the
profile, the placeholders listed beside it), deactivate and reactivate. Managers and
administrators keep the shared ones; agents see them and keep personal ones of their own."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from tierdesk import clock, profiles, refusals
from tierdesk.actions import macros as act
from tierdesk.domain import macros
from tierdesk.domain.errors import DomainError, Forbidden, NotFound
from tierdesk.domain.parties import Role
from tierdesk.persistence.models import CannedReply, User
from tierdesk.queries import macros as q

PLACEHOLDER_WORDS = {
    "requester.name": _l("the requester's name"),
    "partner.name": _l("the partner organisation's name"),
    "account.name": _l("the end-customer account's name (the partner's when there is none)"),
    "ticket.number": _l("the ticket's number"),
    "ticket.subject": _l("the ticket's subject"),
    "ticket.severity": _l("the ticket's severity"),
    "due.response": _l("when the next response is due, with the time zone"),
    "due.resolution": _l("when the resolution is due, with the time zone"),
    "agent.name": _l("your name"),
}


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not macros.may_use(Role(user.role) if user.role else None):
        raise Http404("no such page")
    return user


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def suggestion_words(profile: Any) -> dict[str, str]:
    """The choices for "and set status", in the composer's own words for this profile."""
    waiting = next((s.label for s in profile.statuses.values() if s.category == "waiting"), None)
    words = {"": _("No status change"), "resolved": _("Send and resolve")}
    if waiting:
        words["waiting"] = _("Send and set %(status)s") % {"status": waiting}
    return words


class CannedReplyForm(forms.Form):
    title = forms.CharField(max_length=macros.TITLE_MAX, label=_l("Title"))
    suggests = forms.ChoiceField(
        required=False,
        label=_l("Suggested status change"),
        help_text=_l("The button the composer marks when this reply is picked"),
    )
    personal = forms.BooleanField(
        required=False,
        label=_l("Only for me (a personal canned reply)"),
    )

    def __init__(self, *args: Any, languages: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        profile = profiles.active()
        self.fields["suggests"].choices = list(suggestion_words(profile).items())  # type: ignore[attr-defined]
        self.languages = languages
        for i, code in enumerate(languages):
            self.fields[f"text_{code}"] = forms.CharField(
                required=False,
                max_length=macros.BODY_MAX,
                label=_("Text in %(language)s") % {"language": language_name(code)},
                help_text=_("Used for tickets in this language")
                if i
                else _(
                    "Used for tickets in this language and for any language without its own text"
                ),
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    def clean(self) -> dict[str, Any]:
        """The texts' placeholders checked with the rest, so every problem shows at once, in
        the viewer's language (the same rule as the action's, `domain/macros.py`)."""
        data = super().clean() or {}
        texts = self.texts()
        for code, body in texts.items():
            field = f"text_{code}"
            if field in self.errors:
                continue
            if unknown := macros.unknown_placeholders(body):
                self.add_error(
                    field,
                    _("Unknown placeholder %(names)s: use the ones listed beside the form.")
                    % {"names": ", ".join("{{" + name + "}}" for name in unknown)},
                )
            elif macros.unclosed(body):
                self.add_error(field, _("A '{{' is not closed with '}}'."))
        if self.languages and not any(body.strip() for body in texts.values()):
            first = f"text_{self.languages[0]}"
            if first not in self.errors:
                self.add_error(first, _("Write the text in at least one language."))
        return data

    def texts(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"text_{code}", "") for code in self.languages}

    def show(self, exc: DomainError) -> None:
        """Each refusal next to its field: `texts.de` is the German text's box."""
        for name, message in refusals.fields(exc).items():
            field = name.replace("texts.", "text_", 1) if name.startswith("texts.") else name
            if name == "texts" and self.languages:
                field = f"text_{self.languages[0]}"
            self.add_error(field if field in self.fields else None, message)
        if not refusals.fields(exc):
            self.add_error(None, refusals.message(exc))


def _context(user: User, **extra: Any) -> dict[str, Any]:
    return {
        "placeholders": [("{{" + k + "}}", PLACEHOLDER_WORDS[k]) for k in macros.PLACEHOLDERS],
        "manages_shared": q.may_manage(user),
        **extra,
    }


@login_required
def listing(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    state = request.GET.get("state", "active")
    active = {"active": True, "inactive": False}.get(state)
    search = request.GET.get("q", "")[:200]
    words = suggestion_words(profiles.active())
    rows = [
        {
            "reply": r,
            "languages": [language_name(t.language) for t in r.texts.all()],
            "suggests": words.get(r.suggests, "") if r.suggests else "",
            "may_manage": q.may_manage(user, r),
        }
        for r in q.listing(user, active=active, q=search)
    ]
    return render(
        request,
        "tierdesk/macros/list.html",
        _context(user, rows=rows, state=state if active is not None else "all", q=search),
    )


@login_required
def new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    languages = act.languages(profiles.active().name)
    form = CannedReplyForm(
        request.POST or None,
        languages=languages,
        initial={"personal": not q.may_manage(user)},
    )
    if not q.may_manage(user):
        form.fields["personal"].disabled = True
        form.fields["personal"].initial = True
    if request.method == "POST" and form.is_valid():
        try:
            reply = act.create(
                actor=user,
                now=clock.now(),
                title=form.cleaned_data["title"],
                texts=form.texts(),
                suggests=form.cleaned_data["suggests"] or "",
                personal=bool(form.cleaned_data["personal"]) or not q.may_manage(user),
            )
        except DomainError as exc:
            form.show(exc)
        else:
            return redirect("macro", pk=reply.pk)
    return render(
        request,
        "tierdesk/macros/form.html",
        _context(user, form=form, title=_("New canned reply"), submit=_("Add the canned reply")),
        status=422 if form.errors else 200,
    )


def _reply(user: User, pk: int) -> CannedReply:
    try:
        return q.get(user, pk)
    except NotFound:
        raise Http404("no such canned reply") from None


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    reply = _reply(user, pk)
    languages = act.languages(reply.profile)
    texts = q.texts(reply)
    initial = {
        "title": reply.title,
        "suggests": reply.suggests,
        "personal": reply.owner_id is not None,
        **{f"text_{code}": texts.get(code, "") for code in languages},
    }
    manages = q.may_manage(user, reply)
    form = CannedReplyForm(
        request.POST if request.method == "POST" and manages else None,
        languages=languages,
        initial=initial,
    )
    form.fields["personal"].disabled = True  # shared or personal is decided when it is added
    if not manages:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and manages and form.is_valid():
        try:
            act.edit(
                actor=user,
                reply=reply,
                now=clock.now(),
                changes={
                    "title": form.cleaned_data["title"],
                    "suggests": form.cleaned_data["suggests"] or "",
                    "texts": form.texts(),
                },
            )
        except DomainError as exc:
            form.show(exc)
        else:
            return redirect("macro", pk=reply.pk)
    return render(
        request,
        "tierdesk/macros/form.html",
        _context(
            user,
            form=form,
            reply=reply,
            manages=manages,
            title=reply.title,
            submit=_("Save the changes"),
        ),
        status=422 if form.errors else 403 if request.method == "POST" and not manages else 200,
    )


@login_required
@require_POST
def state(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    reply = _reply(user, pk)
    try:
        act.set_active(
            actor=user, reply=reply, now=clock.now(), active=request.POST.get("active") == "1"
        )
    except Forbidden as exc:
        raise PermissionDenied(refusals.message(exc)) from None
    return redirect("macro", pk=reply.pk)
