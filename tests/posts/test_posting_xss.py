"""Every XSS payload of the shared corpus, typed into every field of the submit form (title,
URL, TL;DR, key number value and description, timeline date and description, Markdown body),
never comes out as markup: not in the form's preview or its error page, not on the post page, the
feed pages or the RSS feed. Link preview text fetched from other sites is checked the same way."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from core.markdown import ALLOWED_TAGS
from posts.models import Post
from posts.previews import LinkPreview
from posts.services.previews import post_preview_store
from tests.posts.factories import PostFactory, TagFactory
from tests.xss_corpus import XSS_PAYLOADS, assert_no_markup_injection, assert_payload_not_injected

pytestmark = pytest.mark.django_db

assert len(XSS_PAYLOADS) >= 30


@pytest.fixture
def author(member_client, member):
    """The member who posts, logged in on `client`."""
    return member


def payload_url(payload: str) -> str:
    # URLs cannot hold whitespace; everything else of the payload goes into the query string.
    return "https://xss.example/?q=" + "".join(char for char in payload if not char.isspace())


def one_line(payload: str) -> str:
    """The payload as a one-line field accepts it: tabs and line breaks are refused there
    (docs/posting.md#text-a-user-writes), so they become spaces; the markup stays."""
    return payload.translate({ord("\t"): " ", ord("\n"): " ", ord("\r"): " "})


def form_data(payload: str) -> dict[str, str]:
    line = one_line(payload)
    return {
        "url": payload_url(payload),
        "title": line[:200],
        "tags": ["xss"],
        "tldr": payload.replace("\t", " "),
        "body": payload,
        "key_facts-TOTAL_FORMS": "1",
        "key_facts-INITIAL_FORMS": "0",
        "key_facts-0-value": line[:40],
        "key_facts-0-description": line[:200],
        "timeline-TOTAL_FORMS": "1",
        "timeline-INITIAL_FORMS": "0",
        "timeline-0-when": line[:60],
        "timeline-0-description": line[:300],
    }


def assert_clean(html: str, payload: str) -> None:
    line = one_line(payload)
    variants = {payload, payload[:40], payload[:60], payload.strip(), payload_url(payload)}
    variants |= {line, line[:40], line[:60], line[:200]}
    for variant in variants:
        assert_payload_not_injected(html, variant)


def rss_descriptions(xml: bytes) -> list[str]:
    """Each item's description as the HTML a feed reader renders (XML entities decoded once)."""
    items = ET.fromstring(xml).iter("item")  # noqa: S314 - our own feed, in a test
    return [item.findtext("description") or "" for item in items]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_in_every_field_never_becomes_markup(client, author, payload):
    tag = TagFactory(slug="xss")
    data = form_data(payload)

    preview = client.post("/submit/", {**data, "action": "preview"})
    assert preview.status_code == 200, preview.context["editor"].form.errors
    assert "Preview: nothing is published yet" in preview.content.decode()
    assert_clean(preview.content.decode(), payload)

    refused = client.post("/submit/", {**data, "url": payload, "action": "publish"})
    assert refused.status_code == 400  # not an http(s) URL, echoed back in the form
    assert_clean(refused.content.decode(), payload)

    response = client.post("/submit/", {**data, "action": "publish"})
    assert response.status_code == 302, response.context["editor"].form.errors
    post = Post.objects.get()
    assert post.title == one_line(payload)[:200].strip()
    assert post.url == payload_url(payload)

    for url in (
        post.get_absolute_url(),
        "/",
        "/newest/",
        f"/t/{tag.slug}/",
        f"/u/{author.username}/",
        "/top/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert_clean(page.content.decode(), payload)

    feed = client.get("/feeds/newest.rss")
    (description,) = rss_descriptions(feed.content)
    assert_no_markup_injection(description, allowed_tags=ALLOWED_TAGS)
    assert_payload_not_injected(description, payload)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_link_preview_text_from_other_sites_never_becomes_markup(client, payload):
    post = PostFactory(body="", tldr=[], url="https://xss.example/article")
    post_preview_store(
        post_id=post.pk,
        url=post.url,
        preview=LinkPreview(title=payload, description=payload, site_name=payload, image_url=""),
    )
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'aria-label="From the linked page"' in html
    assert_clean(html, payload)
