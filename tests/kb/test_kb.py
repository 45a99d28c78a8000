"""The knowledge base: articles with history, sanitised Markdown, native search, deflections."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from typing import ClassVar

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from tests.conftest import Desk
from tierdesk import clock
from tierdesk.actions import kb, process
from tierdesk.domain.errors import Conflict, Forbidden
from tierdesk.persistence.models import ArticleOpen, ArticleRevision
from tierdesk.queries import kb as q
from tierdesk.queries import reports


def _article(
    desk: Desk,
    title: str,
    body: str,
    *,
    visibility: str = "partners",
    language: str = "en",
    publish: bool = True,
):  # type: ignore[no-untyped-def]
    a = kb.write_article(
        actor=desk.l1,
        title=title,
        body=body,
        language=language,
        visibility=visibility,
        now=clock.now(),
    )
    if publish:
        kb.publish(actor=desk.l1, slug=a.slug, now=clock.now())
    return a


def test_search_ranks_by_relevance_and_matches_word_prefixes(desk: Desk) -> None:
    _article(
        desk, "Mailbox quota exceeded", "When a mailbox is full, raise the quota in the panel."
    )
    _article(
        desk,
        "Resetting a password",
        "Users reset passwords from the login page. The mailbox is unaffected.",
    )
    _article(desk, "DNS records for hosting", "Point the A record at the hosting address.")
    hits = q.search(desk.north_user, "mailbox quota")
    assert [h.article.title for h in hits][:2] == ["Mailbox quota exceeded", "Resetting a password"]
    assert hits[0].rank > hits[1].rank
    # As the subject is typed, the last word is a prefix.
    typed = q.search(desk.north_user, "dns reco")
    assert typed[0].article.title == "DNS records for hosting"
    assert q.search(desk.north_user, "") == []
    assert (
        q.search(desk.north_user, "'\" OR 1=1 -- NEAR(") == []
    )  # query syntax is not passed through


def test_search_stems_in_the_articles_language(desk: Desk) -> None:
    _article(
        desk,
        "Postfach voll",
        "Wenn die Postfächer voll sind, erhöhen Sie das Kontingent.",
        language="de",
    )
    found = q.search(desk.north_user, "postfach", languages=["de"])
    assert [h.article.title for h in found] == ["Postfach voll"]


def test_visibility_drafts_and_partners_only(desk: Desk) -> None:
    _article(desk, "Public backup guide", "Backups run nightly.", visibility="public")
    _article(desk, "Partner backup pricing", "Backups cost extra.", visibility="partners")
    _article(desk, "Draft backup notes", "Backups not yet.", publish=False)
    anonymous = [h.article.title for h in q.search(AnonymousUser(), "backup")]
    assert anonymous == ["Public backup guide"]
    partner = {h.article.title for h in q.search(desk.north_user, "backup")}
    assert partner == {"Public backup guide", "Partner backup pricing"}
    staff = {h.article.title for h in q.search(desk.l1, "backup")}
    assert "Draft backup notes" in staff


def test_markdown_is_rendered_and_sanitised(desk: Desk) -> None:
    a = _article(
        desk,
        "Hostile",
        "# Title\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1)) and **bold**\n\n<img src=x onerror=alert(1)>",
        visibility="public",
    )
    page = Client().get(f"/kb/{a.slug}/").content.decode()
    body = page[page.index('<article class="card kb">') : page.index("</article>")]
    assert "<strong>bold</strong>" in body

    class Tags(HTMLParser):
        found: ClassVar[list[tuple[str, list[tuple[str, str | None]]]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found.append((tag, attrs))

    Tags().feed(body)
    assert "script" not in {t for t, _ in Tags.found} and "img" not in {t for t, _ in Tags.found}
    for _, attrs in Tags.found:
        for name, value in attrs:
            assert not name.startswith("on")
            assert not (value or "").strip().lower().startswith("javascript:")


def test_history_and_lost_updates(desk: Desk) -> None:
    a = _article(desk, "Quota", "v1 text")
    kb.edit_article(
        actor=desk.l2, slug=a.slug, title="Quota limits", body="v2 text", version=1, now=clock.now()
    )
    with pytest.raises(Conflict):
        kb.edit_article(
            actor=desk.l1, slug=a.slug, title="Quota", body="stale", version=1, now=clock.now()
        )
    revisions = list(ArticleRevision.objects.filter(article=a).order_by("version"))
    assert [(r.version, r.title, r.author.username) for r in revisions] == [
        (1, "Quota", "agent1"),
        (2, "Quota limits", "agent2"),
    ]
    with pytest.raises(Forbidden):
        kb.write_article(actor=desk.north_user, title="x", body="y", now=clock.now())


def test_article_from_a_ticket_solution(desk: Desk) -> None:
    t = desk.open(
        subject="Autodiscover fails for new domain", description="Outlook cannot find the server"
    )
    process.resolve(
        actor=desk.l1,
        number=t.number,
        solution="Add the autodiscover CNAME record",
        now=clock.now(),
    )
    a = kb.article_from_ticket(actor=desk.l1, number=t.number, now=clock.now())
    assert a.state == "draft" and a.source_ticket_id == t.pk and a.title == t.subject
    assert "autodiscover CNAME" in a.body and "Outlook cannot find" in a.body
    assert desk.north_user.username not in a.body and "@" not in a.body


def test_api_articles_and_search(desk: Desk, as_user) -> None:  # type: ignore[no-untyped-def]
    agent = as_user(desk.l1)
    created = agent.post(
        "/kb/articles",
        {"title": "VPN drops", "body": "Renew the **certificate**.", "visibility": "public"},
    )
    assert created.status_code == 201, created.content
    slug = created.json()["slug"]
    assert agent.post(f"/kb/articles/{slug}/publish").status_code == 200
    found = Client().get("/api/v1/kb/search", {"q": "vpn"}).json()
    assert [h["article"]["slug"] for h in found] == [slug]
    one = Client().get(f"/api/v1/kb/articles/{slug}").json()
    assert "<strong>certificate</strong>" in one["html"]
    bad = agent.post("/kb/articles", {"title": "", "body": "x", "language": "xx"})
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {"title", "language"}
    assert (
        as_user(desk.north_user).post("/kb/articles", {"title": "t", "body": "b"}).status_code
        == 403
    )
    assert (
        Client(HTTP_AUTHORIZATION="Bearer nonsense")
        .get("/api/v1/kb/search", {"q": "vpn"})
        .status_code
        == 401
    )


def test_a_suggested_article_not_followed_by_a_ticket_is_a_deflection(
    desk: Desk, fixed_clock
) -> None:  # type: ignore[no-untyped-def]
    a = _article(desk, "Mailbox quota exceeded", "Raise the quota.")
    client = Client()
    client.force_login(desk.north_user)
    assert client.get(f"/kb/{a.slug}/?suggested=1").status_code == 200
    client.force_login(desk.contoso_user)
    client.get(f"/kb/{a.slug}/?suggested=1")
    # Contoso's user opens a ticket anyway: that suggestion did not deflect it.
    fixed_clock.advance(timedelta(minutes=5))
    desk.open(desk.contoso_user, subject="Mailbox quota still exceeded")
    assert ArticleOpen.objects.filter(ticket__isnull=False).count() == 1
    fixed_clock.advance(timedelta(hours=3))
    period = reports.Period(clock.now() - timedelta(days=1), clock.now() + timedelta(days=1))
    assert reports.deflections(None, period, clock.now()) == [
        {"suggested_opened": 2, "deflected": 1, "deflection_rate": 0.5}
    ]
