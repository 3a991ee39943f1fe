"""Link previews against a real HTTP server on 127.0.0.1; every other host name is answered by a
fake resolver, so no test reaches the network beyond loopback."""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from posts.previews import (
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    USER_AGENT,
    LinkPreview,
    PreviewNetworkError,
    PreviewRefused,
    address_problem,
    fetch_preview,
)

OG_PAGE = """<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="  The   OG title ">
<meta property="og:description" content="What the page is about.">
<meta property="og:site_name" content="Example Blog">
<meta property="og:image" content="https://cdn.example/cover.png">
<meta name="twitter:title" content="Twitter title">
<meta name="description" content="Plain description">
</head><body>hello</body></html>"""

TWITTER_PAGE = """<html><head><title>Fallback title</title>
<meta name="twitter:title" content="Twitter title">
<meta name="twitter:description" content="Twitter description">
<meta name="twitter:image" content="/twitter.png">
<meta name="description" content="Plain description">
</head></html>"""

PLAIN_PAGE = """<html><head><title>
  Only a title
</title><meta name="description" content="And a description."></head><body></body></html>"""

RELATIVE_IMAGE_PAGE = """<html><head><meta property="og:title" content="Relative">
<meta property="og:image" content="images/cover.png"></head></html>"""

LONG_PAGE = (
    f'<html><head><meta property="og:title" content="{"t" * 500}">'
    f'<meta property="og:description" content="{"d" * 5000}">'
    f'<meta property="og:site_name" content="{"s" * 500}">'
    f'<meta property="og:image" content="https://cdn.example/{"i" * 3000}.png"></head></html>'
)


def _bad_image_page(image: str) -> str:
    return f'<html><head><meta property="og:image" content="{image}"></head></html>'


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, body: str | bytes, *, content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        # The client hanging up early is what the refusal tests want it to do.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route(path)

    def _route(self, path: str) -> None:
        if path == "/og":
            self._send(OG_PAGE)
        elif path == "/twitter":
            self._send(TWITTER_PAGE)
        elif path == "/plain":
            self._send(PLAIN_PAGE)
        elif path == "/latin1":
            page = "<title>Caf\xe9 cr\xe8me</title>".encode("latin-1")
            self._send(page, content_type="text/html; charset=ISO-8859-1")
        elif path == "/undecodable":
            self._send(b"<title>bad \xff byte</title>", content_type="text/html")
        elif path == "/xhtml":
            self._send(PLAIN_PAGE, content_type="application/xhtml+xml")
        elif path == "/docs/guide/page":
            self._send(RELATIVE_IMAGE_PAGE)
        elif path == "/long":
            self._send(LONG_PAGE)
        elif path == "/image/javascript":
            self._send(_bad_image_page("javascript:alert(1)"))
        elif path == "/image/data":
            self._send(_bad_image_page("data:image/png;base64,iVBORw0KGgo="))
        elif path == "/image/ftp":
            self._send(_bad_image_page("ftp://example.com/x.png"))
        elif path == "/echo":
            title = f"{self.headers['Host']} | {self.headers['User-Agent']}"
            self._send(f"<title>{title}</title>")
        elif path == "/json":
            self._send('{"title": "nope"}', content_type="application/json")
        elif path == "/missing":
            self.send_error(404)
        elif path == "/big":
            self._send(b"<html>" + b"x" * 1_100_000)
        elif path == "/big-streamed":
            # No Content-Length: the client must count while reading.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b"x" * 100_000)
        elif path == "/slow":
            time.sleep(2)
            self._send(PLAIN_PAGE)
        elif path == "/trickle":
            # Each byte arrives well within a read timeout; only a total deadline stops this.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(30):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)
        elif path.startswith("/redirect/"):
            remaining = int(path.rsplit("/", 1)[1])
            self._redirect(f"/redirect/{remaining - 1}" if remaining > 1 else "/og")
        elif path == "/to-subdir":
            self._redirect("/docs/guide/page")
        elif path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/")
        elif path == "/to-ftp":
            self._redirect("ftp://example.com/file")
        elif path == "/to-private-name":
            self._redirect("http://evil.example/")
        else:
            self.send_error(404)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """Base URL of a threaded HTTP server on 127.0.0.1 serving the pages above."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


FakeRecords = dict[str, list[str]]


def _fake_getaddrinfo(
    records: FakeRecords, real: Callable[..., Any], calls: list[str]
) -> Callable[..., Any]:
    """getaddrinfo answering `records` by name and IP literals numerically, never using DNS."""

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        calls.append(name)
        if name in records:
            results = []
            for address in records[name]:
                ip = ipaddress.ip_address(address)
                if ip.version == 4:
                    results.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
                else:
                    results.append(
                        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
                    )
            return results
        # AI_NUMERICHOST: literals such as 2130706433 or 0x7f.1 are parsed by the C library,
        # and a name that is not a literal fails here instead of going to DNS.
        family = kwargs.get("family", args[0] if args else 0)
        type_ = kwargs.get("type", args[1] if len(args) > 1 else 0)
        return real(name, port, family, type_, 0, socket.AI_NUMERICHOST)

    return getaddrinfo


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeRecords, list[str]]:
    """A fake resolver: add name -> addresses to the dict; the list records every lookup."""
    records: FakeRecords = {}
    calls: list[str] = []
    monkeypatch.setattr(
        socket, "getaddrinfo", _fake_getaddrinfo(records, socket.getaddrinfo, calls)
    )
    return records, calls


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything opens a TCP connection."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"a connection was attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)


# Successful previews from the loopback server (allow_loopback is the test-only allowance).


def test_open_graph_page(server: str, dns: Any) -> None:
    preview = fetch_preview(f"{server}/og", allow_loopback=True)
    assert preview == LinkPreview(
        title="The OG title",
        description="What the page is about.",
        site_name="Example Blog",
        image_url="https://cdn.example/cover.png",
    )


def test_twitter_tags_come_before_title_and_description(server: str, dns: Any) -> None:
    preview = fetch_preview(f"{server}/twitter", allow_loopback=True)
    assert preview == LinkPreview(
        title="Twitter title",
        description="Twitter description",
        site_name="",
        image_url=f"{server}/twitter.png",
    )


def test_page_with_only_title_and_meta_description(server: str, dns: Any) -> None:
    preview = fetch_preview(f"{server}/plain", allow_loopback=True)
    assert preview == LinkPreview(
        title="Only a title", description="And a description.", site_name="", image_url=""
    )


def test_xhtml_is_parsed(server: str, dns: Any) -> None:
    assert fetch_preview(f"{server}/xhtml", allow_loopback=True).title == "Only a title"


def test_relative_image_resolved_against_final_url(server: str, dns: Any) -> None:
    preview = fetch_preview(f"{server}/to-subdir", allow_loopback=True)
    assert preview.image_url == f"{server}/docs/guide/images/cover.png"


@pytest.mark.parametrize("page", ["/image/javascript", "/image/data", "/image/ftp"])
def test_image_url_that_is_not_http_is_dropped(server: str, dns: Any, page: str) -> None:
    assert fetch_preview(f"{server}{page}", allow_loopback=True).image_url == ""


def test_fields_are_trimmed(server: str, dns: Any) -> None:
    preview = fetch_preview(f"{server}/long", allow_loopback=True)
    assert preview.title == "t" * TITLE_MAX_LENGTH
    assert preview.description == "d" * DESCRIPTION_MAX_LENGTH
    assert preview.site_name == "s" * 200
    assert preview.image_url == ""  # over 2000 characters: dropped, a cut URL would be wrong


def test_charset_from_content_type(server: str, dns: Any) -> None:
    assert fetch_preview(f"{server}/latin1", allow_loopback=True).title == "Café crème"


def test_undecodable_bytes_are_replaced(server: str, dns: Any) -> None:
    assert fetch_preview(f"{server}/undecodable", allow_loopback=True).title == "bad \ufffd byte"


def test_connects_to_checked_address_but_keeps_host_header(
    server: str, dns: tuple[FakeRecords, list[str]]
) -> None:
    records, calls = dns
    records["preview.test"] = ["127.0.0.1"]
    port = urlsplit(server).port
    preview = fetch_preview(f"http://preview.test:{port}/echo", allow_loopback=True)
    assert preview.title == f"preview.test:{port} | {USER_AGENT}"
    # Once for the early check, once inside the connection: never a raw name to the socket.
    assert calls == ["preview.test", "preview.test", "127.0.0.1"]


def test_redirect_chain_within_limit_is_followed(server: str, dns: Any) -> None:
    assert fetch_preview(f"{server}/redirect/2", allow_loopback=True).title == "The OG title"


def test_redirect_chain_over_limit_is_refused(server: str, dns: Any) -> None:
    with pytest.raises(PreviewRefused, match="more than 3 redirects"):
        fetch_preview(f"{server}/redirect/4", allow_loopback=True)


# Refusals from the loopback server.


def test_non_html_is_refused(server: str, dns: Any) -> None:
    with pytest.raises(PreviewRefused, match=r"not an HTML page \(application/json\)"):
        fetch_preview(f"{server}/json", allow_loopback=True)


def test_http_error_is_refused(server: str, dns: Any) -> None:
    with pytest.raises(PreviewRefused, match="HTTP 404"):
        fetch_preview(f"{server}/missing", allow_loopback=True)


@pytest.mark.parametrize("page", ["/big", "/big-streamed"])
def test_oversize_body_is_refused(server: str, dns: Any, page: str) -> None:
    with pytest.raises(PreviewRefused, match="page larger than 1 MB"):
        fetch_preview(f"{server}{page}", allow_loopback=True)


@pytest.mark.parametrize("page", ["/slow", "/trickle"])
def test_slow_response_is_refused(server: str, dns: Any, page: str) -> None:
    started = time.monotonic()
    with pytest.raises(PreviewRefused, match=re.escape("took longer than 0.5 s")):
        fetch_preview(f"{server}{page}", allow_loopback=True, timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_redirect_to_metadata_service_is_refused(
    server: str, dns: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(PreviewRefused, match=r"169\.254\.169\.254 is a link-local address"):
        fetch_preview(f"{server}/to-metadata", allow_loopback=True)


def test_redirect_to_ftp_is_refused(server: str, dns: Any) -> None:
    with pytest.raises(PreviewRefused, match="only http and https"):
        fetch_preview(f"{server}/to-ftp", allow_loopback=True)


def test_redirect_to_name_with_private_address_is_refused(
    server: str, dns: tuple[FakeRecords, list[str]]
) -> None:
    records, _ = dns
    records["evil.example"] = ["10.0.0.5"]
    with pytest.raises(
        PreviewRefused, match=re.escape("evil.example resolves to 10.0.0.5, a private")
    ):
        fetch_preview(f"{server}/to-private-name", allow_loopback=True)


# Refusals without allow_loopback: nothing is connected to.

REFUSED_URLS = [
    ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
    ("http://127.1.2.3/", "loopback"),
    ("http://localhost/", "localhost is a loopback name"),
    ("http://api.localhost/", "loopback name"),
    ("http://[::1]/", "::1 is a loopback address"),
    ("http://10.0.0.1/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://100.64.0.1/", "shared address space"),
    ("http://[::ffff:127.0.0.1]/", "embedding 127.0.0.1, a loopback"),
    ("http://[::ffff:10.0.0.1]/", "embedding 10.0.0.1, a private"),
    ("http://[::127.0.0.1]/", "embedding 127.0.0.1, a loopback"),
    ("http://[2002:7f00:1::]/", "embedding 127.0.0.1, a loopback"),
    ("http://[64:ff9b::a9fe:a9fe]/", "embedding 169.254.169.254, a link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fc00::1]/", "private"),
    ("http://[fd12:3456::1]/", "private"),
    ("http://[fec0::1]/", "site-local"),
    ("http://[ff02::1]/", "multicast"),
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "private|reserved"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "0 resolves to 0.0.0.0, an unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://2130706433/", "2130706433 resolves to 127.0.0.1, a loopback"),
    ("http://0x7f000001/", "0x7f000001 resolves to 127.0.0.1, a loopback"),
    ("http://0x7f.1/", "0x7f.1 resolves to 127.0.0.1, a loopback"),
    ("http://017700000001/", "017700000001 resolves to 127.0.0.1, a loopback"),
    ("http://127.1/", "127.1 resolves to 127.0.0.1, a loopback"),
    ("http://example.com:8080/", "port 8080 is not allowed"),
    ("https://example.com:8443/", "port 8443 is not allowed"),
    ("http://127.0.0.1:22/", "port 22 is not allowed"),
    ("ftp://example.com/file", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("gopher://127.0.0.1:6379/_INFO", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("http://user:pass@example.com/", "user name or password"),
    ("http:///path", "no host"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED_URLS)
def test_refused_without_connecting(
    url: str, reason: str, dns: tuple[FakeRecords, list[str]], no_connections: None
) -> None:
    _, calls = dns
    with pytest.raises(PreviewRefused, match=reason):
        fetch_preview(url)
    assert "example.com" not in calls  # scheme, credential and port checks come before DNS


def test_port_is_checked_before_dns(monkeypatch: pytest.MonkeyPatch, no_connections: None) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("resolved a name for a URL with a refused port")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(PreviewRefused, match="port 8080"):
        fetch_preview("http://public.example:8080/")


def test_name_resolving_to_private_address_is_refused(
    dns: tuple[FakeRecords, list[str]], no_connections: None
) -> None:
    records, _ = dns
    records["evil.example"] = ["10.0.0.5"]
    with pytest.raises(
        PreviewRefused, match=re.escape("evil.example resolves to 10.0.0.5, a private")
    ):
        fetch_preview("http://evil.example/")


def test_name_with_one_private_address_among_public_ones_is_refused(
    dns: tuple[FakeRecords, list[str]], no_connections: None
) -> None:
    records, _ = dns
    records["mixed.example"] = ["93.184.216.34", "2606:2800:220:1::1", "169.254.169.254"]
    with pytest.raises(PreviewRefused, match=re.escape("169.254.169.254, a link-local")):
        fetch_preview("https://mixed.example/")


def test_dns_rebinding_is_caught_at_connect_time(
    monkeypatch: pytest.MonkeyPatch, no_connections: None
) -> None:
    # First answer public (passes the early check), second answer loopback (the connection).
    answers = iter(["93.184.216.34", "127.0.0.1"])
    lookups: list[str] = []

    def rebinding(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(
        PreviewRefused, match=re.escape("rebind.example resolves to 127.0.0.1, a loopback")
    ):
        fetch_preview("http://rebind.example/")
    assert lookups == ["rebind.example", "rebind.example"]


def test_allow_loopback_does_not_open_private_ranges(
    dns: tuple[FakeRecords, list[str]], no_connections: None
) -> None:
    records, _ = dns
    records["intranet.example"] = ["192.168.0.10"]
    with pytest.raises(PreviewRefused, match="private"):
        fetch_preview("http://intranet.example/", allow_loopback=True)
    with pytest.raises(PreviewRefused, match="port 8080"):
        fetch_preview("http://intranet.example:8080/", allow_loopback=True)
    with pytest.raises(PreviewRefused, match="link-local"):
        fetch_preview("http://169.254.169.254/", allow_loopback=True)


# DNS failures: a hiccup is worth a retry, an answer is final. docs/posting.md#link-previews

TEMPORARY_DNS_FAILURES = [
    socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
    socket.gaierror(socket.EAI_FAIL, "Non-recoverable failure in name resolution"),  # SERVFAIL
    TimeoutError("timed out"),
]


def _resolver_failing_with(error: BaseException) -> Callable[..., Any]:
    def getaddrinfo(*args: Any, **kwargs: Any) -> list[Any]:
        raise error

    return getaddrinfo


@pytest.mark.parametrize("error", TEMPORARY_DNS_FAILURES, ids=["EAI_AGAIN", "EAI_FAIL", "timeout"])
def test_a_dns_hiccup_is_a_network_error_worth_a_retry(
    monkeypatch: pytest.MonkeyPatch, no_connections: None, error: BaseException
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _resolver_failing_with(error))
    with pytest.raises(PreviewNetworkError, match=re.escape("could not resolve news.example")):
        fetch_preview("https://news.example/")


@pytest.mark.parametrize(
    "error",
    [
        socket.gaierror(socket.EAI_NONAME, "Name or service not known"),  # NXDOMAIN
        socket.gaierror(socket.EAI_NODATA, "No address associated with hostname"),
        UnicodeError("label too long"),  # a name IDNA cannot encode
    ],
    ids=["EAI_NONAME", "EAI_NODATA", "idna"],
)
def test_a_name_that_does_not_exist_is_refused_for_good(
    monkeypatch: pytest.MonkeyPatch, no_connections: None, error: BaseException
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _resolver_failing_with(error))
    with pytest.raises(PreviewRefused, match=re.escape("could not resolve gone.example")) as no:
        fetch_preview("https://gone.example/")
    assert not isinstance(no.value, PreviewNetworkError)


def test_a_name_resolving_to_a_refused_address_stays_refused_for_good(
    dns: tuple[FakeRecords, list[str]], no_connections: None
) -> None:
    records, _ = dns
    records["metadata.example"] = ["169.254.169.254"]
    with pytest.raises(PreviewRefused, match="link-local") as refused:
        fetch_preview("http://metadata.example/")
    assert not isinstance(refused.value, PreviewNetworkError)


def test_a_dns_hiccup_at_connect_time_is_a_network_error(
    monkeypatch: pytest.MonkeyPatch, no_connections: None
) -> None:
    # The early check resolves; the lookup the connection makes (the rebinding guard) fails.
    answers: Iterator[BaseException | str] = iter(
        ["93.184.216.34", socket.gaierror(socket.EAI_AGAIN, "Temporary failure")]
    )

    def flaky(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        answer = next(answers)
        if isinstance(answer, BaseException):
            raise answer
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]

    monkeypatch.setattr(socket, "getaddrinfo", flaky)
    with pytest.raises(PreviewNetworkError, match=re.escape("could not resolve flaky.example")):
        fetch_preview("http://flaky.example/")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("2002:5db8:d822::", True),  # 6to4 around the public 93.184.216.34
        ("127.0.0.1", False),
        ("10.255.255.255", False),
        ("100.127.255.255", False),
        ("169.254.0.1", False),
        ("192.0.2.1", False),
        ("198.18.0.1", False),
        ("255.255.255.255", False),
        ("::ffff:192.168.0.1", False),
        ("2001:db8::1", False),
    ],
)
def test_address_problem(address: str, public: bool) -> None:
    assert (address_problem(ipaddress.ip_address(address)) is None) is public
