"""Which knowledge-base articles a reader may see, and the one search function over them.

Search is native to the database: PostgreSQL's full-text search (a stored tsvector per article,
stemmed in the article's language, ranked with ts_rank_cd) or SQLite's FTS5 (ranked with bm25).
Both take the words typed so far, any of which may match, the last one as a prefix, so
suggestions appear while a subject is being typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import QuerySet

from tierdesk.domain.errors import NotFound
from tierdesk.domain.parties import Party, Role, party_of
from tierdesk.domain.words import N_
from tierdesk.persistence.models import Article, User

WORD = re.compile(r"\w+", re.UNICODE)
PG_CONFIG = {"en": "english", "de": "german", "fr": "french", "nl": "dutch"}
MAX_TERMS = 12
# A suggested article opened this long before the same person opened a ticket did not deflect it.
DEFLECTION_WINDOW = timedelta(hours=2)


def is_author(actor: User | AnonymousUser) -> bool:
    """Provider staff write and publish articles."""
    return (
        bool(getattr(actor, "is_authenticated", False))
        and actor.is_active
        and bool(actor.role)
        and party_of(Role(actor.role)) is Party.PROVIDER
    )


def visible_articles(actor: User | AnonymousUser) -> QuerySet[Article]:
    """Authors see every article; signed-in partners and suppliers the published ones; anyone
    else the published public ones."""
    articles = Article.objects.select_related("category")
    if is_author(actor):
        return articles
    published = articles.filter(state=Article.PUBLISHED)
    if getattr(actor, "is_authenticated", False) and actor.is_active and actor.role:
        return published
    return published.filter(visibility=Article.PUBLIC)


def get_article(actor: User | AnonymousUser, slug: str) -> Article:
    found = visible_articles(actor).filter(slug=slug[:120]).first()
    if found is None:
        raise NotFound(N_("no article %(value)r", value=slug[:60]))
    return found


@dataclass(frozen=True)
class Hit:
    article: Article
    rank: float


def _terms(text: str) -> list[str]:
    return [w.casefold() for w in WORD.findall(text)][:MAX_TERMS]


def _postgres_ids(
    terms: list[str], languages: list[str] | None, limit: int
) -> list[tuple[int, float]]:
    # Each term is a plain word (\w+), quoted as a tsquery lexeme; the last may be a prefix.
    quoted = [f"'{t}'" for t in terms]
    quoted[-1] += ":*"
    query = " | ".join(quoted)
    configs = sorted(
        {PG_CONFIG.get(lang, "simple") for lang in languages or PG_CONFIG} | {"simple"}
    )
    # A stemmed vector only matches a stemmed query: ask in every configuration the articles use.
    tsquery = " || ".join("to_tsquery(%s::regconfig, %s)" for _ in configs)
    params: list[Any] = [p for c in configs for p in (c, query)]
    where = ""
    if languages:
        where = "AND language = ANY(%s)"
        params.append(languages)
    sql = (
        f"SELECT id, ts_rank_cd(search, q) AS rank FROM tierdesk_article, ({'SELECT ' + tsquery}) AS t(q) "  # noqa: S608
        f"WHERE search @@ q {where} ORDER BY rank DESC, id LIMIT %s"
    )
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(i), float(r)) for i, r in cursor.fetchall()]


def _sqlite_ids(
    terms: list[str], languages: list[str] | None, limit: int
) -> list[tuple[int, float]]:
    quoted = ['"' + t.replace('"', "") + '"' for t in terms]
    quoted[-1] += "*"
    match = " OR ".join(quoted)
    where, params = "", [match]
    if languages:
        where = f"AND a.language IN ({', '.join('%s' for _ in languages)})"
        params += languages
    sql = (
        "SELECT a.id, bm25(tierdesk_article_fts, 10.0, 1.0) AS rank FROM tierdesk_article_fts "  # noqa: S608
        f"JOIN tierdesk_article a ON a.id = tierdesk_article_fts.rowid "
        f"WHERE tierdesk_article_fts MATCH %s {where} ORDER BY rank, a.id LIMIT %s"
    )
    params.append(str(limit))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # bm25 is smaller for better matches; turn it around so that higher is better everywhere.
        return [(int(i), -float(r)) for i, r in cursor.fetchall()]


def search(
    actor: User | AnonymousUser,
    text: str,
    *,
    languages: list[str] | None = None,
    limit: int = 10,
) -> list[Hit]:
    """Articles the actor may see that match `text`, best first."""
    terms = _terms(text)
    if not terms:
        return []
    finder = _postgres_ids if connection.vendor == "postgresql" else _sqlite_ids
    # Ask for more than needed: some matches may be drafts or partners-only.
    ranked = finder(terms, languages, limit * 4)
    found = visible_articles(actor).filter(pk__in=[i for i, _ in ranked]).in_bulk()
    hits = [Hit(found[i], rank) for i, rank in ranked if i in found]
    return hits[:limit]


def article_filters(
    actor: User | AnonymousUser, *, category: str = "", language: str = ""
) -> QuerySet[Article]:
    articles = visible_articles(actor)
    if category:
        articles = articles.filter(category__slug=category)
    if language:
        articles = articles.filter(language=language)
    return articles.order_by("category__position", "title")
