"""Cross-site scripting payloads and checks shared by every test that renders user input.

Feed each of `XSS_PAYLOADS` into wherever users type (post titles, Markdown bodies, URLs, search,
profile fields), render the result, then:

* for a sanitized fragment (rendered Markdown), call `assert_no_markup_injection(fragment,
  allowed_tags=...)`: it parses the HTML and fails on any tag outside the allowlist, any
  forbidden tag, any `on*` attribute, any `style` attribute and any `javascript:`, `vbscript:`
  or `data:` URL;
* for a whole page, which legitimately has `<script>`, `<meta>`, `<link>` and `<form>` of its own,
  call `assert_payload_not_injected(page, payload)`: it fails when the payload's markup shows up
  verbatim (unescaped) and when any element carries an `on*` handler or a dangerous URL.
"""

from __future__ import annotations

from collections.abc import Collection
from html.parser import HTMLParser

XSS_PAYLOADS: list[str] = [
    # Raw HTML: script and event handlers.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    '<input autofocus onfocus="alert(1)">',
    # Raw HTML: dangerous URLs.
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="javascript&#58;alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    # Raw HTML: embedding and page takeover.
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<embed src="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</p>',
    # Attribute and context breakouts, nested and unclosed tags.
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)" x="',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<<script>alert(1);//<</script>",
    "<img src=x onerror=alert(1)//",
    "<a href=javascript:alert(1)>unclosed",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    # Markdown links, images and autolinks.
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](javascript&#58;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](java%0ascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '[x](https://example.com "title" onclick="alert(1)")',
    '[x](https://example.com"onmouseover="alert(1))',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    "![x](https://example.com/x.png)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    '![x" onerror="alert(1)](https://example.com/x.png)',
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "[<img src=x onerror=alert(1)>](https://example.com)",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "| a |\n|---|\n| <script>alert(1)</script> |",
]

# Tags that must never come from user input, whatever the context.
DEFAULT_FORBIDDEN_TAGS: frozenset[str] = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "object",
        "embed",
        "svg",
        "math",
        "form",
        "input",
        "button",
        "textarea",
        "meta",
        "base",
        "style",
        "link",
        "img",
    }
)
# Attributes whose value is a URL the browser may load or navigate to.
URL_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "data",
        "background",
        "poster",
        "srcdoc",
        "codebase",
        "cite",
    }
)
DANGEROUS_SCHEMES: tuple[str, ...] = ("javascript:", "vbscript:", "data:")


class _Collector(HTMLParser):
    """Records every start tag with its (entity-decoded) attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def _url_scheme_view(value: str) -> str:
    # Browsers ignore ASCII whitespace and control characters inside a URL's scheme, so
    # "java\tscript:" runs; compare with all of them removed.
    return "".join(char for char in value if ord(char) > 0x20 and ord(char) != 0x7F).lower()


def _problems(
    html: str,
    *,
    allowed_tags: Collection[str] | None,
    forbidden_tags: Collection[str],
    forbid_style: bool,
) -> list[str]:
    problems: list[str] = []
    for tag, attrs in _elements(html):
        # Only <meta http-equiv="refresh"> navigates; the content of other metas (a description
        # or og:title quoting a payload) is text.
        is_refresh = tag == "meta" and any(
            name == "http-equiv" and (value or "").strip().lower() == "refresh"
            for name, value in attrs
        )
        if allowed_tags is not None and tag not in allowed_tags:
            problems.append(f"tag <{tag}> is not in the allowlist")
        if tag in forbidden_tags:
            problems.append(f"forbidden tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"event handler {name}= on <{tag}>")
            if forbid_style and name == "style":
                problems.append(f"style attribute on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                scheme_view = _url_scheme_view(value)
                if scheme_view.startswith(DANGEROUS_SCHEMES):
                    problems.append(f"dangerous URL {name}={value!r} on <{tag}>")
            if is_refresh and name == "content" and value and "url=" in value.lower():
                target = value.lower().split("url=", 1)[1]
                if _url_scheme_view(target).startswith(DANGEROUS_SCHEMES):
                    problems.append(f"meta refresh to {value!r}")
    return problems


def assert_no_markup_injection(
    html: str,
    *,
    allowed_tags: Collection[str] | None = None,
    forbidden_tags: Collection[str] = DEFAULT_FORBIDDEN_TAGS,
) -> None:
    """Fail unless `html` is free of injected markup.

    Always fails on: a tag in `forbidden_tags`, any attribute whose name starts with `on`, any
    `style` attribute, and a URL attribute (`href`, `src`, `action`, ...) whose value, with
    entities decoded, whitespace and control characters removed and lower-cased, starts with
    `javascript:`, `vbscript:` or `data:`. When `allowed_tags` is given, any other tag fails too.
    Meant for sanitized fragments; for a whole page use `assert_payload_not_injected`.
    """
    problems = _problems(
        html, allowed_tags=allowed_tags, forbidden_tags=forbidden_tags, forbid_style=True
    )
    assert not problems, f"markup injection in {html!r}: {'; '.join(problems)}"


def assert_payload_not_injected(html: str, payload: str) -> None:
    """Fail if `payload` got into the page `html` as markup rather than as text.

    A payload containing `<` must not appear verbatim (properly escaped it reads `&lt;`). Then
    the page is parsed and fails on any `on*` attribute or any URL attribute with a
    `javascript:`, `vbscript:` or `data:` URL: the page's own templates use neither, so one found
    there came from the payload (this also catches attribute breakouts like `" onclick="`). The
    page's own `<script>`, `<meta>`, `<form>` and `style` attributes are allowed.
    """
    if "<" in payload:
        assert payload not in html, f"payload appears unescaped in the page: {payload!r}"
    problems = _problems(html, allowed_tags=None, forbidden_tags=(), forbid_style=False)
    assert not problems, f"payload {payload!r} injected markup: {'; '.join(problems)}"
