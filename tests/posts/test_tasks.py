"""The link preview task: it stores what a page served from loopback says (with the test-only
allowance on), refuses every non-public address one by one without connecting, never crashes on
a refusal, retries network errors with backoff, and is harmless to run twice."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from posts.models import Post
from posts.previews import LinkPreview, PreviewNetworkError
from posts.services.content import PostContent
from posts.services.previews import post_preview_store
from posts.services.submission import post_submit
from posts.tasks import post_fetch_preview
from tests.accounts.factories import UserFactory
from tests.loopback import serve_pages
from tests.posts.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db

ARTICLE = """<html><head><title>Fallback</title>
<meta property="og:title" content="Rust in the kernel">
<meta property="og:description" content="Why the experiment is over.">
<meta property="og:site_name" content="LWN">
<meta property="og:image" content="/cover.png">
</head><body>hi</body></html>"""


@pytest.fixture
def site():
    with serve_pages(
        {
            "/article": ("text/html; charset=utf-8", ARTICLE),
            "/to-metadata": ("redirect", "http://169.254.169.254/latest/meta-data/"),
            "/to-private": ("redirect", "http://10.0.0.7/admin"),
            "/json": ("application/json", "{}"),
        }
    ) as server:
        yield server


@pytest.fixture
def loopback_allowed(settings):
    settings.LINK_PREVIEW_ALLOW_LOOPBACK = True


@pytest.fixture
def no_network(monkeypatch):
    """Fail on any TCP connection; resolve only IP literals and the names in `records`."""
    records: dict[str, str] = {}
    real = socket.getaddrinfo
    connections: list[Any] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in records:
            family = socket.AF_INET if ipaddress.ip_address(records[name]).version == 4 else 10
            return [(family, socket.SOCK_STREAM, 6, "", (records[name], port))]
        return real(name, port, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)

    def refuse(*args: Any, **kwargs: Any) -> None:
        connections.append(args)
        raise AssertionError(f"a connection was attempted: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return records


def preview_fields(post: Post) -> tuple[str, str, str, str, object]:
    post.refresh_from_db()
    return (
        post.preview_title,
        post.preview_description,
        post.preview_site_name,
        post.preview_image_url,
        post.preview_fetched_at,
    )


def run(post: Post) -> str:
    return post_fetch_preview.delay(post.pk).get()


def test_stores_the_preview_of_a_page_served_from_loopback(site, loopback_allowed):
    post = PostFactory(url=f"{site.url}/article")
    assert run(post) == "stored"
    title, description, site_name, image, fetched_at = preview_fields(post)
    assert (title, description, site_name) == (
        "Rust in the kernel",
        "Why the experiment is over.",
        "LWN",
    )
    assert image == f"{site.url}/cover.png"
    assert fetched_at is not None
    # A second delivery of the same message changes nothing and fetches nothing.
    assert run(post) == "skipped"
    assert site.hits == ["/article"]


def test_submitting_queues_the_fetch_after_commit(
    site, loopback_allowed, django_capture_on_commit_callbacks
):
    author = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        post = post_submit(
            author=author,
            content=PostContent.of(
                url=f"{site.url}/article",
                title="A link",
                tags=[TagFactory()],
                channel=None,
                tldr=[],
                body="",
                key_facts=[],
                timeline=[],
            ),
        )
        assert site.hits == []  # nothing is fetched before the post is committed
    assert preview_fields(post)[2] == "LWN"


def test_without_the_test_only_allowance_loopback_is_refused_and_nothing_stored(site):
    post = PostFactory(url=f"{site.url}/article")
    assert run(post) == "refused"
    assert preview_fields(post) == ("", "", "", "", None)
    assert site.hits == []


REFUSED = [
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/router",
    "http://100.64.0.1/",
    "http://127.0.0.1/",
    "http://localhost/admin",
    "http://[::1]/",
    "http://0.0.0.0/",
    "http://2130706433/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://public.example:8080/",
    "https://public.example:22/",
    "http://evil.example/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_non_public_addresses_are_refused_one_by_one_without_connecting(url, no_network):
    no_network["evil.example"] = "10.0.0.5"
    post = PostFactory(url=url)
    assert run(post) == "refused"
    assert preview_fields(post) == ("", "", "", "", None)


@pytest.mark.parametrize("path", ["/to-metadata", "/to-private"])
def test_a_redirect_to_a_private_address_is_refused(site, loopback_allowed, path):
    post = PostFactory(url=f"{site.url}{path}")
    assert run(post) == "refused"
    assert preview_fields(post)[4] is None
    assert site.hits == [path]


def test_a_page_that_is_not_html_stores_nothing(site, loopback_allowed):
    post = PostFactory(url=f"{site.url}/json")
    assert run(post) == "refused"
    assert preview_fields(post)[4] is None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_network_errors_are_retried_with_backoff_but_refusals_are_not(
    loopback_allowed, monkeypatch
):
    post = PostFactory(url=f"http://127.0.0.1:{closed_port()}/article")
    retries: list[dict[str, Any]] = []

    def retry(**kwargs: Any) -> None:
        retries.append(kwargs)
        raise Retry()

    monkeypatch.setattr(post_fetch_preview, "retry", retry)
    # Run as a worker would (not eagerly): a connection error asks for a retry.
    with pytest.raises(Retry):
        post_fetch_preview.run(post.pk)
    (call,) = retries
    assert isinstance(call["exc"], PreviewNetworkError)
    assert 60 <= call["countdown"] <= 90
    # Eagerly (the embedded default, inside a web request) it gives up quietly instead.
    assert run(post) == "failed"
    assert len(retries) == 1
    # A policy refusal is final.
    refused = PostFactory(url="http://10.1.2.3/")
    assert post_fetch_preview.run(refused.pk) == "refused"
    assert len(retries) == 1
    assert preview_fields(post)[4] is None


def test_a_dns_hiccup_is_retried_but_a_name_that_does_not_exist_is_not(monkeypatch):
    answer: list[BaseException] = [socket.gaierror(socket.EAI_AGAIN, "Temporary failure")]

    def resolver(*args: Any, **kwargs: Any) -> list[Any]:
        raise answer[0]

    retries: list[dict[str, Any]] = []

    def retry(**kwargs: Any) -> None:
        retries.append(kwargs)
        raise Retry()

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    monkeypatch.setattr(post_fetch_preview, "retry", retry)
    post = PostFactory(url="https://news.example/article")
    with pytest.raises(Retry):
        post_fetch_preview.run(post.pk)
    (call,) = retries
    assert isinstance(call["exc"], PreviewNetworkError)

    answer[0] = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    assert post_fetch_preview.run(post.pk) == "refused"
    assert len(retries) == 1
    assert preview_fields(post)[4] is None


def test_returns_early_for_gone_removed_text_and_already_previewed_posts(no_network):
    assert post_fetch_preview.run(999_999) == "skipped"
    removed = PostFactory(url="http://10.0.0.1/")
    Post.objects.filter(pk=removed.pk).update(status=Post.Status.REMOVED)
    assert run(removed) == "skipped"
    text = PostFactory(url="", body="text")
    assert run(text) == "skipped"
    done = PostFactory(url="http://10.0.0.1/")
    Post.objects.filter(pk=done.pk).update(preview_fetched_at=timezone.now())
    assert run(done) == "skipped"


def test_a_preview_for_a_link_the_post_no_longer_has_is_not_stored():
    post = PostFactory(url="https://new.example/")
    preview = LinkPreview(title="Old", description="", site_name="", image_url="")
    assert not post_preview_store(post_id=post.pk, url="https://old.example/", preview=preview)
    assert post_preview_store(post_id=post.pk, url="https://new.example/", preview=preview)
    assert not post_preview_store(post_id=post.pk, url="https://new.example/", preview=preview)


def test_the_task_has_time_limits_and_bounded_retries():
    assert post_fetch_preview.soft_time_limit == 30
    assert post_fetch_preview.time_limit == 45
    assert post_fetch_preview.max_retries == 3
    assert post_fetch_preview.acks_late is True
