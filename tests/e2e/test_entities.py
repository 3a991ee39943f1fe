"""An author submits a post with a lead, a quoted source and three key entities (one the site
already has, spelled in another letter case, and two new ones); the existing entity's page then
shows both posts' events in one timeline, in date order; the post page's og:image is a
1200x630 PNG. Runs in Chromium with the site's JavaScript."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from posts.models import Entity, Post
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory, TagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user) -> None:
    """Log in by copying a Django test client session into the browser."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_submit_a_post_with_entities_and_read_the_merged_timeline(
    browser_page, live_server, settings
):
    settings.SITE_URL = live_server.url  # og:image and canonical addresses point here
    tag = TagFactory(slug="kubernetes", name="Kubernetes")
    earlier = PostFactory(
        title="Kubeforge 1.8 ships expression policies in beta",
        tags=[tag],
        entities=[("Kubeforge", "The distribution.", "project")],
        timeline=[("Policies enter beta.", date(2026, 4, 14)), ("Bundle removed.", None, "2.0")],
    )
    author = UserFactory(username="ada", date_joined=timezone.now() - timedelta(days=30))
    page = browser_page
    log_in(page, live_server, author)

    page.goto("/submit/")
    page.get_by_label("Title").fill("Kubeforge 1.9 resizes pods in place")
    page.get_by_label("Lead").fill("Stateful pods now grow without a restart.")
    page.get_by_label("kubernetes").check()
    page.get_by_label("Text", exact=True).fill("In-place resizing is **generally available**.")
    quoted = page.get_by_role("group", name="Quoted source")
    quoted.get_by_label("Quote", exact=True).fill("Resizing no longer means a restart.")
    quoted.get_by_label("Quoted from").fill("the Kubeforge release notes")
    quoted.get_by_label("Link to the quoted text").fill("https://kubeforge.example/releases/1-9")
    entities = page.get_by_role("group", name="Key entities")
    entities.get_by_role("button", name="Add a key entity").click()  # in place, no round trip
    assert entities.get_by_label("Name").count() == 4  # the blank row is ignored
    rows = [
        ("kubeforge", "", "The distribution that shipped it."),  # the existing one, any case
        ("Mira Okafor", "person", "Leads the node team."),
        ("Forgecon 2026", "event", "Where it was demonstrated."),
    ]
    for index, (name, kind, role) in enumerate(rows):
        entities.get_by_label("Name").nth(index).fill(name)
        if kind:
            entities.get_by_label("Kind").nth(index).select_option(kind)
        entities.get_by_label("Role").nth(index).fill(role)
    timeline = page.get_by_role("group", name="Timeline")
    for index, (when, what) in enumerate(
        [("2025-12-02", "Resizing enters alpha."), ("2026-11-19", "Resizing is GA.")]
    ):
        timeline.get_by_label("When").nth(index).fill(when)
        timeline.get_by_label("Description").nth(index).fill(what)
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/p/**")

    assert page.locator(".post-page__lead").inner_text() == (
        "Stateful pods now grow without a restart."
    )
    figure = page.locator("figure.quote")
    assert figure.locator("blockquote").get_attribute("cite") == (
        "https://kubeforge.example/releases/1-9"
    )
    assert "the Kubeforge release notes" in figure.locator("figcaption").inner_text()
    key_entities = page.get_by_role("region", name="Key entities")
    for name in ("Kubeforge", "Mira Okafor", "Forgecon 2026"):
        assert key_entities.get_by_role("link", name=name).is_visible()
    assert Entity.objects.count() == 3  # "kubeforge" matched the existing Kubeforge

    # The social card named by the page is a 1200x630 PNG.
    og_image = page.locator('meta[property="og:image"]').get_attribute("content")
    assert og_image.startswith(f"{live_server.url}/p/")
    card = page.request.get(og_image)
    assert card.status == 200
    assert card.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(card.body())).size == (1200, 630)

    key_entities.get_by_role("link", name="Kubeforge").click()
    page.wait_for_url("**/e/kubeforge/")
    merged = page.get_by_role("region", name="Timeline")
    events = [re.sub(r"\s+", " ", text) for text in merged.locator("li").all_inner_texts()]
    post = Post.objects.exclude(pk=earlier.pk).get()
    assert [event.split(" ", 3)[:3] for event in events[:3]] == [
        ["Dec", "2,", "2025"],
        ["Apr", "14,", "2026"],
        ["Nov", "19,", "2026"],
    ]
    assert "Resizing enters alpha." in events[0]
    assert post.title in events[0]  # each event links its post
    assert "Policies enter beta." in events[1]
    assert earlier.title in events[1]
    assert "Resizing is GA." in events[2]
    assert events[3].startswith("2.0 Bundle removed.")  # undated last
    posts = page.get_by_role("region", name="Posts")
    assert posts.get_by_role("link", name=post.title).is_visible()
    assert posts.get_by_role("link", name=earlier.title).is_visible()
