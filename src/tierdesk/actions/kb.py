"""Writing the knowledge base: articles with their history, publishing, articles from tickets,
and the record of suggested articles opened (for deflection figures)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from django.db import IntegrityError, transaction

from tierdesk.domain.errors import Conflict, Forbidden, Invalid, NotFound
from tierdesk.domain.words import N_
from tierdesk.persistence.models import (
    Article,
    ArticleCategory,
    ArticleOpen,
    ArticleRevision,
    Event,
    Ticket,
    User,
)
from tierdesk.queries.kb import DEFLECTION_WINDOW, is_author
from tierdesk.queries.tickets import get_ticket

LANGUAGES = ("en", "de", "fr", "nl", "lb")


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100] or "article"


def _check(title: str, body: str, language: str, visibility: str) -> dict[str, str]:
    problems = {}
    if not title.strip():
        problems["title"] = N_("is required")
    elif len(title) > 200:
        problems["title"] = N_("is longer than 200 characters")
    if not body.strip():
        problems["body"] = N_("is required")
    elif len(body) > 200_000:
        problems["body"] = N_("is longer than 200,000 characters")
    if language not in LANGUAGES:
        problems["language"] = N_("expected one of %(choices)s", choices=", ".join(LANGUAGES))
    if visibility not in (Article.PUBLIC, Article.PARTNERS):
        problems["visibility"] = N_("expected public or partners")
    return problems


def _category(slug: str) -> ArticleCategory | None:
    if not slug:
        return None
    found = ArticleCategory.objects.filter(slug=slug).first()
    if found is None:
        raise Invalid(
            N_("no such category"),
            fields={"category": N_("%(value)r is not a category", value=slug[:60])},
        )
    return found


def save_category(*, actor: User, slug: str, name: str, position: int = 0) -> ArticleCategory:
    if not is_author(actor):
        raise Forbidden(N_("only the provider's staff edit the knowledge base"))
    if not name.strip():
        raise Invalid(N_("a category needs a name"), fields={"name": N_("is required")})
    category, _ = ArticleCategory.objects.update_or_create(
        slug=slug or slugify(name), defaults={"name": name.strip(), "position": position}
    )
    return category


def write_article(
    *,
    actor: User,
    title: str,
    body: str,
    now: datetime,
    slug: str = "",
    language: str = "en",
    visibility: str = Article.PARTNERS,
    category: str = "",
    note: str = "",
    source_ticket: Ticket | None = None,
    translation_of: str = "",
) -> Article:
    """A new article, as a draft, with its first revision."""
    if not is_author(actor):
        raise Forbidden(N_("only the provider's staff write articles"))
    problems = _check(title, body, language, visibility)
    if problems:
        raise Invalid(N_("the article cannot be saved"), fields=problems)
    original = None
    if translation_of:
        original = Article.objects.filter(slug=translation_of).first()
        if original is None:
            raise Invalid(N_("no such article"), fields={"translation_of": N_("is not an article")})
    with transaction.atomic():
        base = slugify(slug or title)
        chosen = base
        for n in range(2, 1000):
            if not Article.objects.filter(slug=chosen).exists():
                break
            chosen = f"{base}-{n}"
        article = Article.objects.create(
            slug=chosen,
            category=_category(category),
            language=language,
            translation_of=original,
            title=title.strip(),
            body=body,
            visibility=visibility,
            state=Article.DRAFT,
            version=1,
            author=actor,
            source_ticket=source_ticket,
            created_at=now,
            updated_at=now,
        )
        ArticleRevision.objects.create(
            article=article, version=1, title=article.title, body=body, author=actor, at=now,
            note=note or "created",
        )  # fmt: skip
    return article


def edit_article(
    *,
    actor: User,
    slug: str,
    title: str,
    body: str,
    now: datetime,
    version: int,
    visibility: str | None = None,
    category: str | None = None,
    note: str = "",
) -> Article:
    """Save a new version; `version` is the one the author started from (lost updates refused)."""
    if not is_author(actor):
        raise Forbidden(N_("only the provider's staff edit articles"))
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(slug=slug).first()
        if article is None:
            raise NotFound(N_("no article %(value)r", value=slug[:60]))
        problems = _check(title, body, article.language, visibility or article.visibility)
        if problems:
            raise Invalid(N_("the article cannot be saved"), fields=problems)
        if version != article.version:
            raise Conflict(
                N_(
                    "the article was changed meanwhile (now version %(version)s); reload it",
                    version=article.version,
                )
            )
        article.title, article.body = title.strip(), body
        if visibility is not None:
            article.visibility = visibility
        if category is not None:
            article.category = _category(category)
        article.version += 1
        article.updated_at = now
        article.save()
        try:
            ArticleRevision.objects.create(
                article=article, version=article.version, title=article.title, body=body,
                author=actor, at=now, note=note,
            )  # fmt: skip
        except IntegrityError as exc:  # pragma: no cover - the row lock prevents it
            raise Conflict(N_("the article was changed meanwhile; reload it")) from exc
    return article


def publish(*, actor: User, slug: str, now: datetime, published: bool = True) -> Article:
    if not is_author(actor):
        raise Forbidden(N_("only the provider's staff publish articles"))
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(slug=slug).first()
        if article is None:
            raise NotFound(N_("no article %(value)r", value=slug[:60]))
        article.state = Article.PUBLISHED if published else Article.DRAFT
        if published and article.published_at is None:
            article.published_at = now
        article.updated_at = now
        article.save(update_fields=["state", "published_at", "updated_at"])
    return article


def article_from_ticket(*, actor: User, number: str, now: datetime) -> Article:
    """A draft from a ticket's subject, description and the solution the desk gave (its last
    public reply from the provider). Nothing about the requester is copied."""
    ticket = get_ticket(actor, number)  # a ticket the actor may not see does not exist
    if not is_author(actor):
        raise Forbidden(N_("only the provider's staff write articles"))
    solution = (
        Event.objects.filter(ticket=ticket, kind="reply", public=True, data__by="provider")
        .order_by("-seq")
        .values_list("data", flat=True)
        .first()
    )
    if solution is None:
        raise Invalid(
            N_("this ticket has no public answer from the desk to turn into an article"),
            fields={"number": N_("has no solution yet")},
        )
    body = f"## Problem\n\n{ticket.description.strip() or ticket.subject}\n\n## Solution\n\n{solution['body'].strip()}\n"
    return write_article(
        actor=actor,
        title=ticket.subject,
        body=body,
        now=now,
        language=ticket.language if ticket.language in LANGUAGES else "en",
        note=f"from ticket {ticket.number}",
        source_ticket=ticket,
    )


def record_open(*, article: Article, reader: User | None, suggested: bool, now: datetime) -> None:
    ArticleOpen.objects.create(
        article=article,
        user=reader if reader is not None and reader.is_authenticated else None,
        organisation_id=getattr(reader, "organisation_id", None),
        suggested=suggested,
        opened_at=now,
    )


def ticket_followed(*, ticket: Ticket, now: datetime) -> int:
    """The requester opened a ticket after all: their recent suggested opens did not deflect it."""
    if ticket.requester_id is None:
        return 0
    return ArticleOpen.objects.filter(
        user_id=ticket.requester_id,
        suggested=True,
        ticket__isnull=True,
        opened_at__gte=now - DEFLECTION_WINDOW,
        opened_at__lte=now,
    ).update(ticket=ticket)
