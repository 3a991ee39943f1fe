import pytest

from posts.urlnorm import MAX_URL_LENGTH, domain_of, normalize_url, validate_public_url

NORMALIZATION_CASES = [
    # (rule, input, expected canonical form)
    ("already canonical", "https://example.com/a/b?x=1&y=2", "https://example.com/a/b?x=1&y=2"),
    ("surrounding whitespace", "  https://example.com/a \n", "https://example.com/a"),
    ("scheme case", "HTTPS://example.com/a", "https://example.com/a"),
    ("http is https", "http://example.com/a", "https://example.com/a"),
    ("host case", "https://ExAmPlE.CoM/a", "https://example.com/a"),
    ("path case kept", "https://example.com/ReadMe", "https://example.com/ReadMe"),
    ("trailing dot on host", "https://example.com./a", "https://example.com/a"),
    ("idn host to punycode", "https://bücher.example/a", "https://xn--bcher-kva.example/a"),
    ("idn upper case", "https://BÜCHER.example/", "https://xn--bcher-kva.example"),
    ("ipv6 compressed", "http://[2001:DB8:0:0::1]/a", "https://[2001:db8::1]/a"),
    ("leading www dropped", "https://www.example.com/a", "https://example.com/a"),
    ("www only at start", "https://wwwexample.com/a", "https://wwwexample.com/a"),
    ("inner www kept", "https://docs.www.example.com/", "https://docs.www.example.com"),
    ("port 80 dropped", "http://example.com:80/a", "https://example.com/a"),
    ("port 443 dropped", "https://example.com:443/a", "https://example.com/a"),
    ("other port kept", "https://example.com:8443/a", "https://example.com:8443/a"),
    ("fragment dropped", "https://example.com/a#section-2", "https://example.com/a"),
    ("empty fragment dropped", "https://example.com/a#", "https://example.com/a"),
    (
        "unreserved escape decoded",
        "https://example.com/%7Euser/%41%2d",
        "https://example.com/~user/A-",
    ),
    ("reserved escape upper-cased", "https://example.com/a%2fb%3a", "https://example.com/a%2Fb%3A"),
    ("non-ascii path encoded", "https://example.com/café", "https://example.com/caf%C3%A9"),
    (
        "encoded and raw non-ascii agree",
        "https://example.com/caf%c3%a9",
        "https://example.com/caf%C3%A9",
    ),
    ("dot segments", "https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("dot segments above root", "https://example.com/../a", "https://example.com/a"),
    ("trailing slash", "https://example.com/a/b/", "https://example.com/a/b"),
    ("several trailing slashes", "https://example.com/a//", "https://example.com/a"),
    ("root slash", "https://example.com/", "https://example.com"),
    ("no path", "https://example.com", "https://example.com"),
    ("index.html", "https://example.com/docs/index.html", "https://example.com/docs"),
    ("index.htm", "https://example.com/docs/index.htm", "https://example.com/docs"),
    ("index.php at root", "https://example.com/index.php", "https://example.com"),
    ("index.php with query", "https://example.com/index.php?p=2", "https://example.com?p=2"),
    ("other index files kept", "https://example.com/index.json", "https://example.com/index.json"),
    (
        "utm params",
        "https://example.com/a?utm_source=hn&utm_medium=x&id=3",
        "https://example.com/a?id=3",
    ),
    ("utm any suffix", "https://example.com/a?utm_whatever=1", "https://example.com/a"),
    ("utm upper case", "https://example.com/a?UTM_Source=1&k=v", "https://example.com/a?k=v"),
    (
        "utm percent-encoded",
        "https://example.com/a?utm%5Fsource=1&k=v",
        "https://example.com/a?k=v",
    ),
    (
        "click ids",
        "https://example.com/a?fbclid=1&gclid=2&dclid=3&msclkid=4&yclid=5&igshid=6&k=v",
        "https://example.com/a?k=v",
    ),
    (
        "mailchimp and hubspot",
        "https://example.com/a?mc_cid=1&mc_eid=2&_hsenc=3&_hsmkt=4&k=v",
        "https://example.com/a?k=v",
    ),
    ("ref params", "https://example.com/a?ref=hn&ref_src=twsrc&k=v", "https://example.com/a?k=v"),
    (
        "prefix of tracking name kept",
        "https://example.com/a?reference=1",
        "https://example.com/a?reference=1",
    ),
    ("query sorted", "https://example.com/a?y=2&x=1", "https://example.com/a?x=1&y=2"),
    (
        "repeated names keep order",
        "https://example.com/a?b=1&a=2&a=1",
        "https://example.com/a?a=2&a=1&b=1",
    ),
    ("blank values kept", "https://example.com/a?q=&flag&a=1", "https://example.com/a?a=1&flag&q="),
    ("empty pairs dropped", "https://example.com/a?&&x=1&", "https://example.com/a?x=1"),
    ("empty query dropped", "https://example.com/a?", "https://example.com/a"),
    (
        "query escapes normalized",
        "https://example.com/a?q=%e2%82%ac%41",
        "https://example.com/a?q=%E2%82%ACA",
    ),
    ("plus kept as is", "https://example.com/a?q=a+b", "https://example.com/a?q=a+b"),
    (
        "everything at once",
        "HTTP://WWW.Example.COM:80/Blog/./post/index.html/?utm_source=x&b=2&a=1#top",
        "https://example.com/Blog/post?a=1&b=2",
    ),
]


@pytest.mark.parametrize(
    ("url", "expected"),
    [pytest.param(url, expected, id=rule) for rule, url, expected in NORMALIZATION_CASES],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_normalize_url_is_idempotent() -> None:
    for _, url, _ in NORMALIZATION_CASES:
        once = normalize_url(url)
        assert normalize_url(once) == once


def test_normalize_url_collides_spellings_of_one_page() -> None:
    spellings = [
        "https://example.com/post",
        "http://www.example.com/post/",
        "HTTPS://EXAMPLE.COM:443/post#comments",
        "https://example.com/post/index.html?utm_campaign=feed",
        "https://example.com/%70ost?fbclid=abc",
    ]
    assert {normalize_url(url) for url in spellings} == {"https://example.com/post"}


def test_normalize_url_keeps_different_pages_apart() -> None:
    urls = [
        "https://example.com/post",
        "https://example.com/Post",
        "https://example.com/post?page=2",
        "https://example.com:8080/post",
        "https://blog.example.com/post",
    ]
    assert len({normalize_url(url) for url in urls}) == len(urls)


def test_normalize_url_rejects_what_validation_rejects() -> None:
    with pytest.raises(ValueError, match="http"):
        normalize_url("javascript:alert(1)")


REJECTED_URLS = [
    ("empty", "", "Enter a URL"),
    ("blank", "   \n", "Enter a URL"),
    ("javascript", "javascript:alert(1)", "Only http"),
    ("mixed-case javascript", "JaVaScRiPt:alert(1)", "Only http"),
    ("data", "data:text/html,<script>alert(1)</script>", "Only http"),
    ("data without spaces", "data:text/html;base64,PHNjcmlwdD4=", "Only http"),
    ("ftp", "ftp://example.com/file", "Only http"),
    ("mailto", "mailto:someone@example.com", "Only http"),
    ("file", "file:///etc/passwd", "Only http"),
    ("vbscript", "vbscript:msgbox(1)", "Only http"),
    ("relative path", "/posts/1", "full URL"),
    ("bare host", "example.com/a", "full URL"),
    ("scheme-relative", "//example.com/a", "full URL"),
    ("no host", "http://", "no host"),
    ("no host, path only", "http:/example.com", "no host"),
    ("triple slash", "https:///example.com", "no host"),
    ("credentials", "https://user:pass@example.com/", "password"),
    ("user only", "https://user@example.com/", "password"),
    ("credentials disguised", "https://example.com@evil.example/", "password"),
    ("too long", "https://example.com/" + "a" * MAX_URL_LENGTH, "too long"),
    ("space in host", "https://exa mple.com/", "spaces"),
    ("space in path", "https://example.com/a b", "spaces"),
    ("tab", "https://example.com/a\tb", "spaces"),
    ("newline", "https://example.com/a\nb", "spaces"),
    ("nul", "https://example.com/\x00", "control"),
    ("escape char", "https://example.com/\x1b[31m", "control"),
    ("zero-width space", "https://exam\u200bple.com/", "control"),
    ("bidi override", "https://example.com/\u202egpj.exe", "control"),
    ("backslash", "https://example.com\\@evil.example/", "backslash"),
    ("bad port", "https://example.com:99999/", "port"),
    ("non-numeric port", "https://example.com:http/", "port"),
    ("bad host characters", "https://exa$mple.com/", "host name"),
    ("broken ipv6", "https://[::1/", "not valid"),
]


@pytest.mark.parametrize(
    ("url", "message"),
    [pytest.param(url, message, id=case) for case, url, message in REJECTED_URLS],
)
def test_validate_public_url_rejects(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_public_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://example.com/a?b=c#d",
        "https://bücher.example/",
        "https://[2001:db8::1]:8443/x",
        "https://example.com/" + "a" * (MAX_URL_LENGTH - len("https://example.com/")),
    ],
)
def test_validate_public_url_accepts(url: str) -> None:
    assert validate_public_url(url) == url


def test_validate_public_url_returns_stripped_url() -> None:
    assert validate_public_url("  https://example.com/a\n") == "https://example.com/a"


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.Example.com:8080/a", "example.com"),
        ("http://blog.example.com/", "blog.example.com"),
        ("https://bücher.example/", "xn--bcher-kva.example"),
        ("https://[::1]:8000/", "[::1]"),
        ("mailto:someone@example.com", ""),
        ("/relative", ""),
        ("https://[::1/", ""),
    ],
)
def test_domain_of(url: str, domain: str) -> None:
    assert domain_of(url) == domain
