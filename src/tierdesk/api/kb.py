"""Knowledge-base endpoints: articles, their history, search, and articles from tickets."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from tierdesk import clock
from tierdesk.actions import kb as act
from tierdesk.api.auth import actor, anonymous_allowed
from tierdesk.api.schemas import ErrorOut, Text
from tierdesk.markup import plain_excerpt, render_markdown
from tierdesk.persistence.models import Article, User
from tierdesk.queries import kb as q

router = Router(tags=["knowledge base"])
ERRORS: dict[int, type[Schema]] = {c: ErrorOut for c in (400, 401, 403, 404, 409, 422)}


class ArticleOut(Schema):
    slug: str
    title: str
    category: str | None
    language: str
    visibility: str
    state: str
    version: int
    excerpt: str
    body: str | None = None
    html: str | None = None
    updated_at: Any
    published_at: Any = None
    url: str


class ArticleIn(Schema):
    title: Text = Field(max_length=200)
    body: Text
    language: Text = "en"
    visibility: Text = "partners"
    category: Text = ""
    slug: Text = ""
    note: Text = ""
    translation_of: Text = ""


class ArticleEdit(Schema):
    title: Text = Field(max_length=200)
    body: Text
    version: int = Field(description="the version the edit started from")
    visibility: Text | None = None
    category: Text | None = None
    note: Text = ""


class RevisionOut(Schema):
    version: int
    title: str
    author: str | None
    at: Any
    note: str


class SearchQuery(Schema):
    q: str = Field("", max_length=300)
    language: str = Field("", max_length=8)
    limit: int = Field(10, ge=1, le=50)


class HitOut(Schema):
    article: ArticleOut
    rank: float


def article_out(request: HttpRequest, a: Article, *, full: bool = False) -> ArticleOut:
    return ArticleOut(
        slug=a.slug,
        title=a.title,
        category=a.category.slug if a.category else None,
        language=a.language,
        visibility=a.visibility,
        state=a.state,
        version=a.version,
        excerpt=plain_excerpt(a.body),
        body=a.body if full else None,
        html=render_markdown(a.body) if full else None,
        updated_at=a.updated_at,
        published_at=a.published_at,
        url=request.build_absolute_uri(f"/kb/{a.slug}/"),
    )


def _reader(request: HttpRequest) -> User | AnonymousUser:
    user = getattr(request, "auth", None)  # set by django-ninja's authentication
    return user if isinstance(user, User) else AnonymousUser()


@router.get(
    "/kb/articles",
    response=list[ArticleOut],
    auth=anonymous_allowed,
    summary="Articles the caller may read",
)
def articles(request: HttpRequest, category: str = "", language: str = "") -> Any:
    found = q.article_filters(_reader(request), category=category[:80], language=language[:8])
    return [article_out(request, a) for a in found[:500]]


@router.get(
    "/kb/search",
    response=list[HitOut],
    auth=anonymous_allowed,
    summary="Search articles, best first",
)
def search(request: HttpRequest, params: Query[SearchQuery]) -> Any:
    q_, language, limit = params.q, params.language, params.limit
    hits = q.search(
        _reader(request), q_, languages=[language[:8]] if language else None, limit=limit
    )
    return [{"article": article_out(request, h.article), "rank": h.rank} for h in hits]


@router.get(
    "/kb/articles/{slug}",
    response={200: ArticleOut, **ERRORS},
    auth=anonymous_allowed,
    summary="One article, rendered",
)
def article(request: HttpRequest, slug: str) -> Any:
    return article_out(request, q.get_article(_reader(request), slug), full=True)


@router.get(
    "/kb/articles/{slug}/revisions",
    response={200: list[RevisionOut], **ERRORS},
    summary="An article's history (staff)",
)
def revisions(request: HttpRequest, slug: str) -> Any:
    user = actor(request)
    found = q.get_article(user, slug)
    if not q.is_author(user):
        return []
    return [
        {
            "version": r.version,
            "title": r.title,
            "author": r.author.username if r.author else None,
            "at": r.at,
            "note": r.note,
        }
        for r in found.revisions.select_related("author")
    ]


@router.post(
    "/kb/articles", response={201: ArticleOut, **ERRORS}, summary="Write an article (a draft)"
)
def create(request: HttpRequest, payload: ArticleIn) -> Any:
    a = act.write_article(actor=actor(request), now=clock.now(), **payload.dict())
    return Status(201, article_out(request, a, full=True))


@router.put(
    "/kb/articles/{slug}", response={200: ArticleOut, **ERRORS}, summary="Save a new version"
)
def edit(request: HttpRequest, slug: str, payload: ArticleEdit) -> Any:
    a = act.edit_article(actor=actor(request), slug=slug, now=clock.now(), **payload.dict())
    return article_out(request, a, full=True)


@router.post("/kb/articles/{slug}/publish", response={200: ArticleOut, **ERRORS}, summary="Publish")
def publish(request: HttpRequest, slug: str) -> Any:
    return article_out(
        request, act.publish(actor=actor(request), slug=slug, now=clock.now()), full=True
    )


@router.post(
    "/kb/articles/{slug}/unpublish", response={200: ArticleOut, **ERRORS}, summary="Back to draft"
)
def unpublish(request: HttpRequest, slug: str) -> Any:
    a = act.publish(actor=actor(request), slug=slug, now=clock.now(), published=False)
    return article_out(request, a, full=True)


@router.post(
    "/tickets/{number}/article",
    response={201: ArticleOut, **ERRORS},
    summary="Draft an article from a ticket's solution",
)
def from_ticket(request: HttpRequest, number: str) -> Any:
    a = act.article_from_ticket(actor=actor(request), number=number, now=clock.now())
    return Status(201, article_out(request, a, full=True))
