import pytest

from core.markdown import ALLOWED_TAGS, LINK_REL, render_markdown, render_plain, sanitize_html
from tests.xss_corpus import (
    XSS_PAYLOADS,
    assert_no_markup_injection,
    assert_payload_not_injected,
)

REL = f'rel="{LINK_REL}"'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*em* and _em_", "<p><em>em</em> and <em>em</em></p>"),
        ("**strong**", "<p><strong>strong</strong></p>"),
        ("~~gone~~", "<p><del>gone</del></p>"),
        ("`a < b`", "<p><code>a &lt; b</code></p>"),
        ("```python\nif a < b:\n    pass\n```", "<pre><code>if a &lt; b:\n    pass\n</code></pre>"),
        ("# Title", "<h1>Title</h1>"),
        ("###### Small", "<h6>Small</h6>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("a\n\n---\n\nb", "<p>a</p>\n<hr>\n<p>b</p>"),
        ("line  \nbreak", "<p>line<br>\nbreak</p>"),
        (
            "| a | b |\n|:--|--:|\n| 1 | 2 |",
            "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n"
            "<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>",
        ),
        ("<b>raw</b> html", "<p>&lt;b&gt;raw&lt;/b&gt; html</p>"),
        ("![a cat](https://example.com/cat.png)", "<p>a cat</p>"),
        ("", ""),
    ],
)
def test_render_markdown(text: str, expected: str) -> None:
    assert render_markdown(text).strip() == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[docs](https://example.com/docs)",
            f'<p><a href="https://example.com/docs" {REL}>docs</a></p>',
        ),
        (
            '[docs](https://example.com/docs "The docs")',
            f'<p><a href="https://example.com/docs" title="The docs" {REL}>docs</a></p>',
        ),
        (
            "<https://example.com>",
            f'<p><a href="https://example.com" {REL}>https://example.com</a></p>',
        ),
        ("[mail](mailto:a@example.com)", f'<p><a href="mailto:a@example.com" {REL}>mail</a></p>'),
        ("[post](/p/abc)", f'<p><a href="/p/abc" {REL}>post</a></p>'),
        ("[ftp](ftp://example.com/f)", f"<p><a {REL}>ftp</a></p>"),
    ],
)
def test_render_markdown_links(text: str, expected: str) -> None:
    assert render_markdown(text).strip() == expected


def test_render_markdown_does_not_linkify_bare_urls() -> None:
    assert "<a" not in render_markdown("see https://example.com")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# Title\n\nSome *emphasis* and `code`.", "Title Some emphasis and code."),
        ("- one\n- two\n\n> three", "one two three"),
        ("[link text](https://example.com)", "link text"),
        ("Fish &amp; chips &lt;3", "Fish & chips <3"),
        ("a  <b>not bold</b>\n\n\n\tz", "a <b>not bold</b> z"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("", ""),
    ],
)
def test_render_plain(text: str, expected: str) -> None:
    assert render_plain(text) == expected


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_render_markdown_neutralizes_payload(payload: str) -> None:
    for text in (payload, f"before {payload} after", f"- item\n- {payload}", f"> {payload}"):
        assert_no_markup_injection(render_markdown(text), allowed_tags=ALLOWED_TAGS)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitizer_alone_neutralizes_raw_html(payload: str) -> None:
    # The second layer must hold even if Markdown ever let raw HTML through.
    assert_no_markup_injection(sanitize_html(payload), allowed_tags=ALLOWED_TAGS)


def test_corpus_is_large_enough() -> None:
    assert len(XSS_PAYLOADS) >= 40
    assert len(set(XSS_PAYLOADS)) == len(XSS_PAYLOADS)


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<p><img src=x></p>",
        "<iframe></iframe>",
        "<div>not allowlisted</div>",
        '<p onclick="alert(1)">x</p>',
        "<a onmouseover=alert(1)>x</a>",
        '<p style="color:red">x</p>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="  JaVaScRiPt:alert(1)">x</a>',
        '<a href="java&#9;script:alert(1)">x</a>',
        '<a href="javascript&#58;alert(1)">x</a>',
        '<a href="\x01javascript:alert(1)">x</a>',
        '<a href="vbscript:x">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<a xlink:href="javascript:alert(1)">x</a>',
    ],
)
def test_assert_no_markup_injection_catches(html: str) -> None:
    with pytest.raises(AssertionError):
        assert_no_markup_injection(html, allowed_tags=ALLOWED_TAGS)


def test_assert_no_markup_injection_passes_clean_html() -> None:
    assert_no_markup_injection(
        f'<p><a href="https://example.com/javascript:" {REL}>x</a> &lt;script&gt;</p>',
        allowed_tags=ALLOWED_TAGS,
    )


def test_assert_no_markup_injection_without_allowlist_still_forbids() -> None:
    assert_no_markup_injection("<div><span>fine</span></div>")
    with pytest.raises(AssertionError):
        assert_no_markup_injection("<div><svg></svg></div>")


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="stylesheet" href="/static/site.css">
<script src="/static/site.js"></script></head>
<body><form method="post" action="/search"><input name="q"></form>
<h1 style="margin:0">{title}</h1></body></html>"""


def test_assert_payload_not_injected_passes_escaped_payload() -> None:
    payload = "<img src=x onerror=alert(1)>"
    page = PAGE.format(title="&lt;img src=x onerror=alert(1)&gt;")
    assert_payload_not_injected(page, payload)


@pytest.mark.parametrize(
    ("payload", "title"),
    [
        ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
        ("<b>bold</b>", "<b>bold</b>"),
        ('" onmouseover="alert(1)', '<a title="" onmouseover="alert(1)">x</a>'),
        ("javascript:alert(1)", '<a href="javascript:alert(1)">x</a>'),
    ],
)
def test_assert_payload_not_injected_catches(payload: str, title: str) -> None:
    with pytest.raises(AssertionError):
        assert_payload_not_injected(PAGE.format(title=title), payload)
