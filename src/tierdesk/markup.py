"""Markdown written by people, turned into HTML that is safe to show anywhere.

Raw HTML in the source is not passed through; the rendered result is still cleaned with nh3,
so a link or image can never carry a script.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}


def render_markdown(text: str) -> str:
    html = _md.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def plain_excerpt(text: str, length: int = 200) -> str:
    """The first words of a Markdown text without its markup, for lists and suggestions."""
    words = nh3.clean(_md.render(text), tags=set()).split()
    out = " ".join(words)
    return out if len(out) <= length else out[: length - 1].rsplit(" ", 1)[0] + "…"
