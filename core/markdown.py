"""Markdown written by users, turned into HTML that is safe to put in a page.

Two layers, so that one mistake is not enough: markdown-it-py renders CommonMark with raw HTML
disabled (typed-in tags come out as text) and refuses `javascript:`-style link targets, then nh3
keeps only an explicit allowlist of tags, attributes and URL schemes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"

_WHITESPACE_RE = re.compile(r"\s+")


def _render_image_as_alt_text(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    # Images are not allowed (tracking pixels, layout breakage); their alt text is kept so
    # `![diagram of the cache](...)` still says something instead of vanishing.
    token = tokens[idx]
    return html.escape(self.renderInlineAsText(token.children or [], options, env))


def _render_del_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    # markdown-it writes ~~text~~ as <s>; <del> is the element for removed text and the one
    # the allowlist names.
    return "<del>"


def _render_del_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "</del>"


def _build_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False})
    parser.enable(["table", "strikethrough"])
    parser.add_render_rule("image", _render_image_as_alt_text)
    parser.add_render_rule("s_open", _render_del_open)
    parser.add_render_rule("s_close", _render_del_close)
    return parser


_parser = _build_parser()


def render_markdown(text: str) -> str:
    """Render user-written CommonMark `text` as sanitized HTML.

    Promises: only the tags in `ALLOWED_TAGS` appear; the only attributes are `href` and `title`
    on links, and `rel="nofollow noopener noreferrer"` added to every link; `href` values are
    `http`, `https`, `mailto` or relative. Raw HTML in `text` is shown as text, images are replaced
    by their alt text, and table alignment is dropped (it would need a `style` attribute).
    """
    return sanitize_html(_parser.render(text or ""))


def sanitize_html(html_fragment: str) -> str:
    """Return `html_fragment` reduced to the Markdown allowlist.

    Same promises as `render_markdown` about tags, attributes, URL schemes and `rel`; anything
    else is dropped (the contents of `<script>` and `<style>` entirely, other tags keep their
    text). Exposed so the second layer can be tested on raw HTML without the first.
    """
    return nh3.clean(
        html_fragment,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_plain(text: str) -> str:
    """Return the words of Markdown `text` as one line of plain text, e.g. for meta descriptions.

    All markup is removed, entities are decoded and runs of whitespace become one space. The
    result is text, not HTML: escape it when putting it in a page (Django templates do).
    """
    stripped = nh3.clean(render_markdown(text), tags=set())
    return _WHITESPACE_RE.sub(" ", html.unescape(stripped)).strip()
