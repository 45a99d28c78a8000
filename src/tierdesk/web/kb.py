"""Knowledge-base pages: the list and search, an article, the editor, and the suggestions the
new-ticket form fetches as the subject is typed."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tierdesk import clock, profiles, refusals
from tierdesk.actions import kb as act
from tierdesk.domain.errors import DomainError, NotFound
from tierdesk.markup import plain_excerpt, render_markdown
from tierdesk.persistence.models import Article, ArticleCategory
from tierdesk.queries import kb as q
from tierdesk.web.forms import show_errors
from tierdesk.web.roles import signed_in


def _languages(request: HttpRequest) -> list[str]:
    profile = profiles.active()
    wanted = [getattr(request.user, "language", "") or profile.languages.standard]
    return list(dict.fromkeys([*wanted, *profile.languages.all()]))


def article_list(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")[:300]
    category = request.GET.get("category", "")[:80]
    if text.strip():
        hits = q.search(request.user, text, limit=50)
        articles = [h.article for h in hits]
    else:
        articles = list(q.article_filters(request.user, category=category)[:200])
    return render(
        request,
        "tierdesk/kb_list.html",
        {
            "articles": [(a, plain_excerpt(a.body)) for a in articles],
            "q": text,
            "category": category,
            "categories": ArticleCategory.objects.all(),
            "author": q.is_author(request.user),
        },
    )


def article_page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        article = q.get_article(request.user, slug)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if article.state == Article.PUBLISHED:
        act.record_open(
            article=article,
            reader=request.user if request.user.is_authenticated else None,
            suggested=request.GET.get("suggested") == "1",
            now=clock.now(),
        )
    return render(
        request,
        "tierdesk/kb_article.html",
        {
            "article": article,
            "html": render_markdown(article.body),
            "author": q.is_author(request.user),
            "revisions": article.revisions.select_related("author")[:20]
            if q.is_author(request.user)
            else [],
        },
    )


def suggestions(request: HttpRequest) -> HttpResponse:
    """The fragment the new-ticket form swaps in while the subject is typed (HTMX)."""
    text = request.GET.get("subject", "")[:300]
    hits = q.search(request.user, text, languages=None, limit=5) if len(text.strip()) >= 3 else []
    return render(
        request,
        "tierdesk/kb_suggestions.html",
        {"hits": [(h.article, plain_excerpt(h.article.body, 140)) for h in hits]},
    )


def language_name_local(code: str) -> str:
    try:
        return str(get_language_info(code)["name_local"])
    except KeyError:
        return code


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    body = forms.CharField(
        label=_("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 18}), max_length=200_000
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[(c, language_name_local(c)) for c in act.LANGUAGES]
    )
    visibility = forms.ChoiceField(
        label=_("Who may read it"),
        choices=[(Article.PARTNERS, _("Partners only")), (Article.PUBLIC, _("Everyone"))],
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    note = forms.CharField(label=_("What changed"), required=False, max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _form(data: QueryDict | None = None, initial: dict[str, object] | None = None) -> ArticleForm:
    form = ArticleForm(data, initial=initial)
    form.fields["category"].choices = [("", "None")] + [  # type: ignore[attr-defined]
        (c.slug, c.name) for c in ArticleCategory.objects.all()
    ]
    return form


def _save(request: HttpRequest, form: ArticleForm, slug: str | None) -> Article | None:
    if not form.is_valid():
        return None
    d = form.cleaned_data
    try:
        if slug is None:
            return act.write_article(
                actor=signed_in(request), title=d["title"], body=d["body"], language=d["language"],
                visibility=d["visibility"], category=d["category"], note=d["note"], now=clock.now(),
            )  # fmt: skip
        return act.edit_article(
            actor=signed_in(request), slug=slug, title=d["title"], body=d["body"],
            visibility=d["visibility"], category=d["category"], note=d["note"],
            version=d["version"] or 0, now=clock.now(),
        )  # fmt: skip
    except DomainError as exc:
        show_errors(form, exc)
        return None


@login_required
def article_new(request: HttpRequest) -> HttpResponse:
    if not q.is_author(request.user):
        raise Http404("no such page")
    form = _form(request.POST or None, initial={"language": "en", "visibility": Article.PARTNERS})
    if request.method == "POST" and (saved := _save(request, form, None)) is not None:
        return redirect("kb_article", slug=saved.slug)
    return render(request, "tierdesk/kb_edit.html", {"form": form, "article": None})


@login_required
def article_edit(request: HttpRequest, slug: str) -> HttpResponse:
    if not q.is_author(request.user):
        raise Http404("no such page")
    article = q.visible_articles(request.user).filter(slug=slug).first()
    if article is None:
        raise Http404("no such article")
    initial = {
        "title": article.title, "body": article.body, "language": article.language,
        "visibility": article.visibility, "version": article.version,
        "category": article.category.slug if article.category else "",
    }  # fmt: skip
    form = _form(request.POST or None, initial=initial)
    if request.method == "POST" and (saved := _save(request, form, slug)) is not None:
        return redirect("kb_article", slug=saved.slug)
    return render(request, "tierdesk/kb_edit.html", {"form": form, "article": article})


@login_required
@require_POST
def article_publish(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        act.publish(
            actor=signed_in(request),
            slug=slug,
            now=clock.now(),
            published=request.POST.get("publish") == "1",
        )
    except DomainError as exc:
        raise Http404(str(exc)) from exc
    return redirect("kb_article", slug=slug)


@login_required
@require_POST
def article_from_ticket(request: HttpRequest, number: str) -> HttpResponse:
    try:
        article = act.article_from_ticket(actor=signed_in(request), number=number, now=clock.now())
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except DomainError as exc:
        return render(request, "tierdesk/error.html", {"title": refusals.message(exc)}, status=400)
    return redirect("kb_edit", slug=article.slug)
