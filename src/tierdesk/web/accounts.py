"""Account pages: log in (with the optional second factor), self-registration with a confirmation
link, password reset by e-mail, the second factor's setup, and a partner administrator's page
for its organisation's users, domains and mass registration."""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from tierdesk import clock, refusals
from tierdesk.actions import accounts as act
from tierdesk.actions import second_factor
from tierdesk.actions.notify import system_notice
from tierdesk.domain.errors import DomainError, NotFound
from tierdesk.domain.parties import Party, Role, party_of
from tierdesk.persistence.models import Organisation, OrganisationDomain, User
from tierdesk.queries.zones import choosable, desk_zone
from tierdesk.web.forms import show_errors

PENDING = "tierdesk.pending_second_factor"
BACKEND = "django.contrib.auth.backends.ModelBackend"
MAX_CODE_TRIES = 5


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


class LoginView(auth_views.LoginView):
    """The password step; with the second factor on, the session waits for the code."""

    template_name = "tierdesk/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if second_factor.is_on(user):
            self.request.session[PENDING] = {"user": user.pk, "next": self.get_success_url()}
            return redirect("login_code")
        return super().form_valid(form)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a backup code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


WRONG_CODE = _("is not valid; check the time on your device")
THROTTLED = _("Too many wrong codes: wait a moment, then try again.")


def login_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not pending:
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = second_factor.check(user, form.cleaned_data["code"])
        if result is second_factor.Check.ACCEPTED:
            request.session.pop(PENDING, None)
            login(request, user, backend=BACKEND)
            target = pending.get("next") or "/"
            safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
            return redirect(target if safe else "/")
        tries = pending.get("tries", 0) + 1
        if tries >= MAX_CODE_TRIES:
            request.session.pop(PENDING, None)
            return redirect("login")
        request.session[PENDING] = {**pending, "tries": tries}
        form.add_error("code", THROTTLED if result is second_factor.Check.THROTTLED else WRONG_CODE)
    return render(
        request, "tierdesk/login_code.html", {"form": form}, status=422 if form.errors else 200
    )


class RegisterForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Work e-mail address"), max_length=254)


def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            act.request_registration(
                email=d["email"], first_name=d["first_name"], last_name=d["last_name"],
                base_url=_base(request), now=clock.now(),
            )  # fmt: skip
        except DomainError as exc:
            show_errors(form, exc)
        else:
            # The same answer whether or not the address already has an account.
            return render(request, "tierdesk/register_sent.html", {"email": d["email"]})
    return render(
        request, "tierdesk/register.html", {"form": form}, status=422 if form.errors else 200
    )


class PasswordForm(SetPasswordForm):
    pass


def register_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        pending = act.read_link(token)
    except NotFound as exc:
        raise Http404("no such registration") from exc
    except DomainError as exc:
        return render(request, "tierdesk/error.html", {"title": refusals.message(exc)}, status=410)
    # SetPasswordForm validates against a user; a stand-in with the registration's details.
    candidate = User(email=pending.email, username=pending.email, first_name=pending.first_name)
    form = PasswordForm(candidate, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = act.confirm_registration(
                token=token, password=form.cleaned_data["new_password1"], now=clock.now()
            )
        except DomainError as exc:
            show_errors(form, exc)
        else:
            login(request, user, backend=BACKEND)
            return redirect("home")
    context = {"form": form, "pending": pending}
    return render(
        request, "tierdesk/register_confirm.html", context, status=422 if form.errors else 200
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form (it never says whether an address is known), sending via the outbox."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        system_notice(
            recipient=to_email,
            key=f"password-reset:{context['uid']}:{context['token']}",
            subject=subject,
            body=body,
            now=clock.now(),
        )


password_reset = auth_views.PasswordResetView.as_view(
    form_class=OutboxPasswordResetForm,
    template_name="tierdesk/password_reset.html",
    email_template_name="tierdesk/password_reset_email.txt",
    subject_template_name="tierdesk/password_reset_subject.txt",
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="tierdesk/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="tierdesk/password_reset_confirm.html"
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="tierdesk/password_reset_complete.html"
)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = CodeForm(request.POST or None)
    codes: list[str] = []
    status = 200
    if request.method == "POST":
        verb = request.POST.get("verb")
        try:
            if verb == "start":
                second_factor.start(user=user)
                form = CodeForm()
            elif verb in ("enable", "disable", "backup-codes") and form.is_valid():
                code = form.cleaned_data["code"]
                if verb == "disable":
                    second_factor.disable(user=user, code=code)
                    return redirect("account")
                if verb == "enable":
                    codes = second_factor.enable(user=user, code=code)
                else:
                    codes = second_factor.regenerate(user=user, code=code)
                form = CodeForm()
        except second_factor.Throttled:
            form.add_error("code", THROTTLED)
        except second_factor.WrongCode:
            form.add_error("code", WRONG_CODE)
        except DomainError as exc:
            show_errors(form, exc)
        if form.errors:
            status = 422
    zone_form = ZoneForm(
        request.POST if request.POST.get("verb") == "zone" else None,
        initial={"time_zone": user.time_zone},
    )
    if request.POST.get("verb") == "zone" and zone_form.is_valid():
        try:
            act.set_time_zone(user=user, zone=zone_form.cleaned_data["time_zone"])
            return redirect("account")
        except DomainError as exc:
            show_errors(zone_form, exc)
    if zone_form.errors:
        status = 422
    on = second_factor.is_on(user)
    context = {
        "zone_form": zone_form,
        "desk_zone": desk_zone().key,
        "form": form,
        "on": on,
        "enrolment": None if on else second_factor.enrolment(user),
        "codes": codes,
        "codes_left": second_factor.backup_codes_left(user) if on else 0,
    }
    return render(request, "tierdesk/account.html", context, status=status)


def _organisation(request: HttpRequest) -> Organisation:
    user = request.user
    assert isinstance(user, User)
    staff = bool(user.role) and party_of(Role(user.role)) is Party.PROVIDER
    if staff and request.GET.get("org"):
        found = Organisation.objects.filter(slug=request.GET["org"][:80], kind="partner").first()
    elif user.role == Role.PARTNER_ADMIN:
        found = user.organisation
    else:
        found = None
    if found is None:
        raise Http404("no such organisation")
    return found


def _user_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise Http404("no such user")  # the same answer as for a user one may not manage
    return int(text)


class ZoneForm(forms.Form):
    time_zone = forms.ChoiceField(label=_("Show times in"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        desk = _("The desk's time zone (%(zone)s)") % {"zone": desk_zone().key}
        self.fields["time_zone"].choices = [("", desk)] + [(z, z) for z in choosable()]  # type: ignore[attr-defined]


class DomainForm(forms.Form):
    domain = forms.CharField(label=_("E-mail domain (e.g. example.com)"), max_length=253)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


@login_required
def organisation(request: HttpRequest) -> HttpResponse:
    org = _organisation(request)
    user = request.user
    assert isinstance(user, User)
    domain_form = DomainForm(request.POST if request.POST.get("verb") == "domain" else None)
    upload_form = UploadForm(
        request.POST if request.POST.get("verb") == "upload" else None,
        request.FILES if request.POST.get("verb") == "upload" else None,
    )
    report = None
    status = 200
    if request.method == "POST":
        verb = request.POST.get("verb")
        try:
            if verb == "domain" and domain_form.is_valid():
                act.approve_domain(
                    actor=user,
                    organisation=org,
                    domain=domain_form.cleaned_data["domain"],
                    now=clock.now(),
                )
                return redirect(request.get_full_path())
            if verb == "remove-domain":
                act.remove_domain(
                    actor=user, organisation=org, domain=request.POST.get("domain", "")
                )
                return redirect(request.get_full_path())
            if verb in ("deactivate", "activate"):
                try:
                    act.set_active(
                        actor=user,
                        user_id=_user_id(request.POST.get("user", "")),
                        active=verb == "activate",
                    )
                except DomainError as exc:  # someone one may not manage: as if not there
                    raise Http404("no such person") from exc
                return redirect(request.get_full_path())
            if verb == "upload" and upload_form.is_valid():
                upload = upload_form.cleaned_data["file"]
                if upload.size > 2 * 1024 * 1024:
                    upload_form.add_error("file", "is larger than 2 MB")
                else:
                    try:
                        text = upload.read().decode("utf-8-sig")
                    except UnicodeDecodeError:
                        upload_form.add_error("file", "is not UTF-8 text")
                    else:
                        report = act.mass_register(
                            actor=user,
                            text=text,
                            base_url=_base(request),
                            now=clock.now(),
                            organisation=org,
                        )
        except DomainError as exc:
            show_errors(upload_form if verb == "upload" else domain_form, exc)
        if domain_form.errors or upload_form.errors:
            status = 422
    if report is not None and request.POST.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="registration-report.csv"'
        writer = csv.DictWriter(
            response, fieldnames=["line", "email", "outcome", "reason"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(report.rows())
        return response
    context = {
        "org": org,
        "people": act.organisation_people(user, org),
        "domains": OrganisationDomain.objects.filter(organisation=org).order_by("domain"),
        "domain_form": domain_form,
        "upload_form": upload_form,
        "report": report,
    }
    return render(request, "tierdesk/organisation.html", context, status=status)
