"""Link previews (title, description, site name, image) fetched without becoming an SSRF tool.

A submitted URL makes our server issue a request, so an attacker could aim it at the cloud
metadata service, the database host or anything on our private network. Defences:

* only `http`/`https`, only ports 80 and 443, no credentials in the URL;
* every address the host resolves to must be public (not loopback, private, link-local, shared,
  multicast, reserved or unspecified, also when an IPv4 address is embedded in an IPv6 one);
* the check is repeated inside the connection itself: `_VettedBackend` resolves the name, checks
  every address and connects to one of those, so a DNS answer that changes between the check and
  the connection (DNS rebinding) cannot slip a private address in;
* redirects are followed by hand, each hop checked like the first, at most `max_redirects`;
* a deadline for the whole fetch, a byte limit on the body, and only HTML is parsed.
"""

from __future__ import annotations

import codecs
import functools
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from bs4 import BeautifulSoup

USER_AGENT = "faunbot/1.0 (+link preview)"
ALLOWED_SCHEMES = frozenset({"http", "https"})
ALLOWED_PORTS = frozenset({80, 443})
HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

TITLE_MAX_LENGTH = 300
DESCRIPTION_MAX_LENGTH = 1000
SITE_NAME_MAX_LENGTH = 200
IMAGE_URL_MAX_LENGTH = 2000

_SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
_WHITESPACE_RE = re.compile(r"\s+")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# getaddrinfo errors that are an answer about the name, so asking again will not help: it does
# not exist (NXDOMAIN), has no address (EAI_NODATA, EAI_ADDRFAMILY: glibc only) or the call was
# malformed. Every other error (EAI_AGAIN, EAI_FAIL for SERVFAIL, EAI_SYSTEM, EAI_MEMORY) means no
# answer came, and is retried (docs/posting.md#link-previews).
_DNS_ANSWERS = frozenset(
    getattr(socket, name)
    for name in (
        "EAI_NONAME",
        "EAI_NODATA",
        "EAI_ADDRFAMILY",
        "EAI_FAMILY",
        "EAI_SERVICE",
        "EAI_SOCKTYPE",
        "EAI_BADFLAGS",
    )
    if hasattr(socket, name)
)


@dataclass(frozen=True)
class LinkPreview:
    """What a page says about itself; each field is an empty string when the page is silent."""

    title: str
    description: str
    site_name: str
    image_url: str


class PreviewRefused(Exception):
    """The preview was not fetched; `reason` says why in words fit for a log or an admin."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PreviewNetworkError(PreviewRefused):
    """The fetch failed on the way (timeout, connection or protocol error), not by policy:
    trying again later may succeed, unlike every other refusal."""


def fetch_preview(
    url: str,
    *,
    allow_loopback: bool = False,
    timeout: float = 5.0,
    max_bytes: int = 1_000_000,
    max_redirects: int = 3,
) -> LinkPreview:
    """Fetch `url` and return the preview its HTML declares.

    Raises `PreviewRefused` instead of fetching anything that is not a public http(s) address on
    port 80 or 443, and for every failure on the way: more than `max_redirects` redirects, a
    redirect to a refused URL, more than `timeout` seconds in total, a body over `max_bytes`, a
    response that is not HTML, an HTTP error status, a network error, a name that does not
    resolve. Timeouts, network errors and DNS failures that gave no answer (a resolver timeout,
    SERVFAIL) raise its subclass `PreviewNetworkError`: worth a retry. `allow_loopback` is for
    tests only: it additionally allows 127.0.0.0/8 and ::1, on any port.
    """
    deadline = time.monotonic() + timeout
    transport = _VettedTransport(allow_loopback=allow_loopback)
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    }
    with httpx.Client(
        transport=transport, headers=headers, follow_redirects=False, trust_env=False
    ) as client:
        current = url
        for _ in range(max_redirects + 1):
            _check_url(current, allow_loopback=allow_loopback)
            try:
                hop_timeout = httpx.Timeout(_remaining(deadline))
                with client.stream("GET", current, timeout=hop_timeout) as response:
                    if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
                        current = urljoin(str(response.url), response.headers["location"].strip())
                        continue
                    body = _read_html(response, deadline=deadline, max_bytes=max_bytes)
                    final_url = str(response.url)
                    encoding = response.charset_encoding
            except httpx.TimeoutException:
                raise PreviewNetworkError(f"the page took longer than {timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise PreviewNetworkError(f"the request failed: {exc}") from None
            return _parse(_decode(body, encoding), base_url=final_url)
    raise PreviewRefused(f"more than {max_redirects} redirects")


def address_problem(address: IPAddress) -> str | None:
    """Return why `address` must not be connected to, or None when it is a public address.

    IPv6 addresses that carry an IPv4 address (IPv4-mapped, IPv4-compatible, 6to4, Teredo,
    NAT64) are refused when the embedded address would be.
    """
    if isinstance(address, ipaddress.IPv6Address):
        for embedded in _embedded_ipv4(address):
            problem = address_problem(embedded)
            if problem is not None:
                return f"an IPv6 address embedding {embedded}, {problem}"
        if address.is_site_local:
            return "a site-local address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED_ADDRESS_SPACE:
        return "a shared address space (carrier-grade NAT) address"
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "not a public address"
    return None


def link_host_problem(url: str, *, allow_loopback: bool = False) -> str | None:
    """Why a submitted link must be refused for where it points, without any DNS lookup: a
    localhost name, or a literal IP address (also in the numeric spellings browsers accept, such
    as 2130706433 or 0x7f.1) that `address_problem` refuses. None for any other host name, whose
    addresses are checked when the preview is fetched. `allow_loopback` is for tests only, as
    for `fetch_preview`."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return None if allow_loopback else f"{host} is a loopback name"
    address = _literal_address(host)
    if address is None or (allow_loopback and address.is_loopback):
        return None
    problem = address_problem(address)
    return f"{host} is {problem}" if problem else None


def _literal_address(host: str) -> IPAddress | None:
    """The address `host` spells, or None for a name."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if not host or ":" in host:
        return None
    try:
        # inet_aton reads every numeric form (decimal, octal, hex, fewer than four parts) the
        # way resolvers and browsers do, and never a name.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> Iterator[ipaddress.IPv4Address]:
    if address.ipv4_mapped is not None:
        yield address.ipv4_mapped
    if address.sixtofour is not None:
        yield address.sixtofour
    if address.teredo is not None:
        yield from address.teredo
    packed = int(address)
    if 1 < packed < 2**32:
        # IPv4-compatible (::a.b.c.d), deprecated but still routed by some stacks.
        yield ipaddress.IPv4Address(packed)
    if address in _NAT64_PREFIX:
        yield ipaddress.IPv4Address(packed & 0xFFFFFFFF)


def _check_url(url: str, *, allow_loopback: bool) -> None:
    """Refuse `url` unless it is http(s), port 80/443 and every address of its host is public."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise PreviewRefused(f"not a valid URL: {url[:200]!r}") from None
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise PreviewRefused(f"only http and https URLs can be previewed, not {url[:200]!r}")
    if not parsed.host:
        raise PreviewRefused("the URL has no host name")
    if parsed.userinfo:
        raise PreviewRefused("URLs with a user name or password are not previewed")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    # The port is checked before any DNS lookup, so a refused URL causes no traffic at all.
    if port not in ALLOWED_PORTS and not allow_loopback:
        raise PreviewRefused(f"port {port} is not allowed (only 80 and 443)")
    host = parsed.host.rstrip(".").lower()
    if (host == "localhost" or host.endswith(".localhost")) and not allow_loopback:
        raise PreviewRefused(f"{host} is a loopback name")
    _resolve_checked(host, port, allow_loopback=allow_loopback)


def _resolve_checked(host: str, port: int, *, allow_loopback: bool) -> list[IPAddress]:
    """Resolve `host`; return its addresses if every one may be connected to, else refuse.

    A name that does not exist or has no address is refused for good; a failure to get an answer
    at all (a resolver timeout, SERVFAIL, EAI_AGAIN) raises `PreviewNetworkError`, worth a retry.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError:  # a name IDNA cannot encode
        raise PreviewRefused(f"could not resolve {host}") from None
    except socket.gaierror as exc:
        if exc.errno in _DNS_ANSWERS:
            raise PreviewRefused(f"could not resolve {host}: {exc.strerror}") from None
        raise PreviewNetworkError(f"could not resolve {host}: {exc.strerror}") from None
    except OSError as exc:  # TimeoutError and other failures on the way to the resolver
        raise PreviewNetworkError(f"could not resolve {host}: {exc}") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        # Drop an IPv6 zone ("fe80::1%eth0"); ipaddress in 3.11 does not parse it.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if allow_loopback and address.is_loopback:
            addresses.append(address)
            continue
        if port not in ALLOWED_PORTS:
            raise PreviewRefused(f"port {port} is not allowed (only 80 and 443)")
        problem = address_problem(address)
        if problem is not None:
            subject = f"{host} resolves to {address}," if host != str(address) else f"{host} is"
            raise PreviewRefused(f"{subject} {problem}")
        addresses.append(address)
    if not addresses:
        raise PreviewRefused(f"could not resolve {host}")
    return addresses


class _VettedBackend(httpcore.SyncBackend):
    """Network backend that only ever connects to an address that passed `address_problem`.

    httpcore hands over the host name; this backend resolves it itself, refuses if any address is
    not allowed and connects to the checked IP. TLS still uses the host name for SNI and
    certificate checks, because httpcore takes those from the request, not from this call.
    """

    def __init__(self, *, allow_loopback: bool) -> None:
        self._allow_loopback = allow_loopback

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve_checked(host, port, allow_loopback=self._allow_loopback)
        last_error: Exception | None = None
        for address in addresses:
            try:
                # A literal IP makes the parent's socket.create_connection skip name resolution.
                return super().connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        raise last_error or PreviewRefused(f"could not connect to {host}")


class _VettedTransport(httpx.BaseTransport):
    """httpx transport over an httpcore pool that uses `_VettedBackend`, with public APIs only.

    httpx.HTTPTransport has no parameter for a network backend, and swapping its private `_pool`
    would break silently on upgrade; this is the same small conversion it does, and no proxies.
    """

    def __init__(self, *, allow_loopback: bool) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            network_backend=_VettedBackend(allow_loopback=allow_loopback),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,  # type: ignore[arg-type]
            extensions=request.extensions,
        )
        with _mapped_httpcore_errors():
            core_response = self._pool.handle_request(core_request)
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(core_response.stream),  # type: ignore[arg-type]
            extensions=core_response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, core_stream: Iterable[bytes]) -> None:
        self._core_stream = core_stream

    def __iter__(self) -> Iterator[bytes]:
        with _mapped_httpcore_errors():
            yield from self._core_stream

    def close(self) -> None:
        close = getattr(self._core_stream, "close", None)
        if close is not None:
            close()


@contextmanager
def _mapped_httpcore_errors() -> Iterator[None]:
    """Re-raise httpcore's exceptions as the httpx ones `fetch_preview` handles."""
    try:
        yield
    except httpcore.TimeoutException as exc:
        raise httpx.TimeoutException(str(exc)) from exc
    except httpcore.NetworkError as exc:
        raise httpx.NetworkError(str(exc)) from exc
    except httpcore.ProtocolError as exc:
        raise httpx.ProtocolError(str(exc)) from exc
    except httpcore.UnsupportedProtocol as exc:
        raise httpx.UnsupportedProtocol(str(exc)) from exc


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes milliseconds; one verifying context serves every fetch.
    return httpx.create_ssl_context()


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise httpx.TimeoutException("deadline exceeded")
    return remaining


def _read_html(response: httpx.Response, *, deadline: float, max_bytes: int) -> bytes:
    """Return the body of an HTML response, refusing errors, other types and oversize bodies."""
    if response.status_code >= 400 or response.status_code < 200:
        raise PreviewRefused(f"the page answered with HTTP {response.status_code}")
    content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in HTML_CONTENT_TYPES:
        raise PreviewRefused(f"not an HTML page ({content_type or 'no content type'})")
    too_large = f"page larger than {_human_size(max_bytes)}"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise PreviewRefused(too_large)
    chunks: list[bytes] = []
    received = 0
    # Counting decoded bytes also bounds what a small compressed body can expand to.
    for chunk in response.iter_bytes():
        received += len(chunk)
        if received > max_bytes:
            raise PreviewRefused(too_large)
        chunks.append(chunk)
        # Per-read timeouts alone let a server trickle one byte at a time forever.
        _remaining(deadline)
    return b"".join(chunks)


def _human_size(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000} MB"
    if size % 1000 == 0:
        return f"{size // 1000} kB"
    return f"{size} bytes"


def _decode(body: bytes, encoding: str | None) -> str:
    try:
        codec = codecs.lookup(encoding or "utf-8").name
    except LookupError:
        codec = "utf-8"
    return body.decode(codec, errors="replace")


def _parse(html: str, *, base_url: str) -> LinkPreview:
    soup = BeautifulSoup(html, "html.parser")
    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = str(tag.get("property") or tag.get("name") or "").strip().lower()
        content = tag.get("content")
        if key and isinstance(content, str) and content.strip() and key not in meta:
            meta[key] = content
    title_tag = soup.find("title")
    page_title = title_tag.get_text() if title_tag is not None else ""

    def first(*values: str | None) -> str:
        for value in values:
            cleaned = _WHITESPACE_RE.sub(" ", value or "").strip()
            if cleaned:
                return cleaned
        return ""

    return LinkPreview(
        title=first(meta.get("og:title"), meta.get("twitter:title"), page_title)[:TITLE_MAX_LENGTH],
        description=first(
            meta.get("og:description"), meta.get("twitter:description"), meta.get("description")
        )[:DESCRIPTION_MAX_LENGTH],
        site_name=first(meta.get("og:site_name"))[:SITE_NAME_MAX_LENGTH],
        image_url=_absolute_image_url(
            first(meta.get("og:image"), meta.get("twitter:image")), base_url=base_url
        ),
    )


def _absolute_image_url(raw: str, *, base_url: str) -> str:
    """`raw` resolved against the page URL if that gives an http(s) URL we can store, else ''."""
    if not raw:
        return ""
    absolute = urljoin(base_url, raw)
    if len(absolute) > IMAGE_URL_MAX_LENGTH or any(ord(char) <= 0x20 for char in absolute):
        # A cut-off URL would point somewhere else, so an over-long one is dropped, not trimmed.
        return ""
    try:
        parts = urlsplit(absolute)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.hostname:
        return ""
    return absolute
