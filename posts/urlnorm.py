"""URL checks and the canonical form used to spot duplicate submissions.

`validate_public_url` decides whether a submitted link is acceptable at all; `normalize_url` maps
every acceptable spelling of one page to a single string, so two posts of the same article collide.

Normalization rules, applied in this order:

1. Surrounding whitespace is stripped and the URL must pass `validate_public_url`.
2. The scheme is lower-cased and `http` becomes `https`: the two are treated as the same page.
3. The host is lower-cased and a trailing dot (`example.com.`) is removed.
4. An internationalized host is converted to punycode (`bücher.example` becomes
   `xn--bcher-kva.example`); IPv6 literals are written in their compressed form.
5. A leading `www.` is dropped from the host.
6. The default ports 80 and 443 are dropped; any other port is kept.
7. The fragment (`#...`) is dropped.
8. Percent-encoding is normalized: escapes of unreserved characters (letters, digits, `-`, `.`,
   `_`, `~`) are decoded, every other escape is written with upper-case hex, and non-ASCII
   characters are percent-encoded as UTF-8.
9. Dot segments (`/./`, `/../`) are resolved in the path.
10. A trailing `index.html`, `index.htm` or `index.php` is dropped from the path.
11. Trailing slashes are dropped from the path; the root path `/` becomes the empty path.
12. Tracking query parameters are removed: every `utm_*` parameter and `fbclid`, `gclid`,
    `dclid`, `msclkid`, `mc_cid`, `mc_eid`, `ref`, `ref_src`, `igshid`, `yclid`, `_hsenc`,
    `_hsmkt` (names compared case-insensitively).
13. The remaining query parameters are sorted by name; the sort is stable, so repeated names keep
    their relative order, and blank values (`?a=&b`) are kept. Empty pairs (`&&`) are dropped, and
    a query left empty is removed together with its `?`.
"""

from __future__ import annotations

import ipaddress
import re
import string
import unicodedata
from urllib.parse import SplitResult, urlsplit

MAX_URL_LENGTH = 2000

_ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = frozenset({80, 443})
_INDEX_FILES = frozenset({"index.html", "index.htm", "index.php"})
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmkt",
    }
)
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_HEX = frozenset(string.hexdigits)
# Host names after IDNA encoding; underscores occur in real hosts even though DNS names forbid them.
_HOST_RE = re.compile(
    r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$"
)
# Unicode categories that must never appear in a URL: controls, invisible format characters
# (zero-width and bidi overrides, which disguise where a link goes) and every kind of space.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def validate_public_url(url: str) -> str:
    """Return `url` stripped of surrounding whitespace if it is an acceptable link.

    Accepted: absolute `http`/`https` URLs with a host, no credentials, no whitespace or control
    characters inside, at most 2000 characters. Anything else raises `ValueError` with a message
    that can be shown to the user as is. This is a syntax check only: it does not resolve the
    host, so it says nothing about whether the address is public (see `posts.previews`).
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError("Enter a URL.")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"That URL is too long (at most {MAX_URL_LENGTH} characters).")
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in url):
        raise ValueError("That URL contains spaces or control characters.")
    if "\\" in url:
        # Browsers read a backslash as a slash, Python does not: the two would disagree on the host.
        raise ValueError("That URL contains a backslash.")
    try:
        parts = urlsplit(url)
    except ValueError:
        # urlsplit refuses malformed IPv6 literals such as "http://[::1/".
        raise ValueError("That URL is not valid.") from None
    if not parts.scheme:
        raise ValueError("Enter a full URL starting with http:// or https://.")
    if parts.scheme.lower() not in _ALLOWED_SCHEMES:
        raise ValueError("Only http:// and https:// links are allowed.")
    if not parts.netloc:
        raise ValueError("That URL has no host name.")
    if "@" in parts.netloc:
        raise ValueError("Links with a user name or password in them are not allowed.")
    _canonical_host(parts)
    try:
        parts.port  # noqa: B018 - evaluated for its ValueError on a bad port
    except ValueError:
        raise ValueError("That URL has an invalid port number.") from None
    return url


def normalize_url(url: str) -> str:
    """Return the canonical form of `url` used for duplicate detection.

    Two URLs that differ only in the ways listed in the module docstring map to the same string,
    of the form `https://example.com/a/b?x=1&y=2`. The result is for comparison and storage as a
    key, not for display. Raises `ValueError` for anything `validate_public_url` rejects.
    """
    parts = urlsplit(validate_public_url(url))
    host = _canonical_host(parts)
    if host.startswith("www."):
        host = host[len("www.") :]
    port = parts.port
    netloc = host if port is None or port in _DEFAULT_PORTS else f"{host}:{port}"
    path = _normalize_path(parts.path)
    query = _normalize_query(parts.query)
    return f"https://{netloc}{path}" + (f"?{query}" if query else "")


def domain_of(url: str) -> str:
    """Return the lower-case host of `url` without a leading `www.` and without a port.

    Internationalized hosts come back in punycode and IPv6 literals in brackets, as
    `normalize_url` writes them. Returns an empty string when `url` has no valid host (a relative
    URL, `mailto:`, junk); never raises.
    """
    try:
        parts = urlsplit(url.strip())
        host = _canonical_host(parts)
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _canonical_host(parts: SplitResult) -> str:
    """Lower-case, punycode host of `parts` (IPv6 in brackets); `ValueError` when invalid."""
    host = parts.hostname or ""
    if not host:
        raise ValueError("That URL has no host name.")
    if ":" in host:
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            raise ValueError("That URL's host name is not valid.") from None
    host = host.rstrip(".")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValueError("That URL's host name is not valid.") from None
    if not _HOST_RE.match(host):
        raise ValueError("That URL's host name is not valid.")
    return host


def _normalize_percent(component: str) -> str:
    """Decode escaped unreserved characters, upper-case other escapes, encode non-ASCII."""
    out: list[str] = []
    i = 0
    while i < len(component):
        char = component[i]
        if char == "%" and i + 2 < len(component) and set(component[i + 1 : i + 3]) <= _HEX:
            decoded = chr(int(component[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else component[i : i + 3].upper())
            i += 3
            continue
        if ord(char) > 0x7F:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """Resolve `.` and `..` segments as RFC 3986 section 5.2.4 describes."""
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        is_last = index == len(segments) - 1
        if segment == ".":
            if is_last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if is_last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


def _normalize_path(path: str) -> str:
    path = _remove_dot_segments(_normalize_percent(path))
    path = path.rstrip("/")
    head, _, last = path.rpartition("/")
    if last in _INDEX_FILES:
        path = head.rstrip("/")
    return path


def _normalize_query(query: str) -> str:
    pairs: list[tuple[str, str]] = []
    for raw_pair in query.split("&"):
        if not raw_pair:
            continue
        pair = _normalize_percent(raw_pair)
        name = pair.partition("=")[0]
        if _is_tracking_param(name):
            continue
        pairs.append((name, pair))
    pairs.sort(key=lambda item: item[0])
    return "&".join(pair for _, pair in pairs)


def _is_tracking_param(name: str) -> bool:
    # Names are compared decoded, so `utm%5Fsource` cannot slip past the filter.
    lowered = _percent_decode_ascii(name).lower()
    return lowered.startswith("utm_") or lowered in _TRACKING_PARAMS


def _percent_decode_ascii(text: str) -> str:
    return re.sub(
        r"%([0-9A-Fa-f]{2})",
        lambda match: chr(int(match.group(1), 16)),
        text,
    )
