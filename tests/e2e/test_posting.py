"""An author submits a link with tags and key numbers from the Submit page; a reader finds it on
Newest, upvotes it in place and saves it, and finds it under Saved. Runs in Chromium with the
site's JavaScript (the "add a row" button, the duplicate warning, votes without reloading)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from posts.models import Post, SavedPost, Vote
from tests.accounts.factories import UserFactory
from tests.loopback import serve_pages
from tests.posts.factories import TagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE = """<html><head><title>Scheduler</title>
<meta property="og:description" content="How the new scheduler shares the CPU.">
<meta property="og:site_name" content="Kernel Notes"></head><body></body></html>"""


def log_in(page, live_server, user) -> None:
    """Log in by copying a Django test client session into the browser."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_submit_a_link_then_another_user_upvotes_and_saves_it(browser_page, live_server, settings):
    from playwright.sync_api import expect  # imported here: without Playwright the test skips

    settings.LINK_PREVIEW_ALLOW_LOOPBACK = True  # the linked page is served from 127.0.0.1
    TagFactory(slug="linux", name="Linux")
    TagFactory(slug="kernel", name="Kernel")
    author = UserFactory(username="ada", date_joined=timezone.now() - timedelta(days=30))
    reader = UserFactory(username="grace")
    page = browser_page

    with serve_pages({"/scheduler": ("text/html", ARTICLE)}) as site:
        link = f"{site.url}/scheduler"
        log_in(page, live_server, author)
        page.goto("/")
        page.get_by_role("link", name="Submit").click()
        page.wait_for_url("**/submit/")
        page.get_by_label("URL").fill(link)
        page.get_by_label("Title").fill("A new CPU scheduler lands")
        page.get_by_label("linux").check()
        page.get_by_label("kernel").check()
        page.get_by_label("TL;DR").fill("It replaces the old one.\nLatency drops.")
        key_numbers = page.get_by_role("group", name="Key numbers")
        key_numbers.get_by_label("Value").nth(0).fill("30%")
        key_numbers.get_by_label("Description").nth(0).fill("lower tail latency")
        for _ in range(3):  # JavaScript adds rows in place, no round trip
            key_numbers.get_by_role("button", name="Add a key number").click()
        assert key_numbers.get_by_label("Value").count() == 6
        key_numbers.get_by_label("Value").nth(5).fill("6.6")
        key_numbers.get_by_label("Description").nth(5).fill("kernel release")
        page.get_by_role("button", name="Preview", exact=True).click()
        assert page.get_by_text("Preview: nothing is published yet").is_visible()
        assert page.get_by_role("region", name="Key numbers").inner_text().count("%") == 1
        assert Post.objects.count() == 0
        page.get_by_role("button", name="Publish").click()
        page.wait_for_url("**/p/**")
        assert page.get_by_text("Your post is live.").is_visible()
        numbers = page.get_by_role("region", name="Key numbers").inner_text()
        assert "30%" in numbers
        assert "kernel release" in numbers
        # The preview task ran after the commit and fetched the page from loopback.
        assert (
            "Kernel Notes" in page.get_by_role("region", name="From the linked page").inner_text()
        )

        # The same link again: the form warns while typing, before anything is sent.
        page.goto("/submit/")
        page.get_by_label("URL").fill(link + "/")
        status = page.locator("#url-check")
        status.get_by_role("link", name="A new CPU scheduler lands").wait_for()
        assert "already posted" in status.inner_text()

    post = Post.objects.get()
    assert [t.slug for t in post.tags.all()] == ["kernel", "linux"]

    log_in(page, live_server, reader)
    page.goto("/")
    page.get_by_role("link", name="Newest").click()
    row = page.locator(f"#post-{post.short_id}")
    assert row.get_by_role("link", name="A new CPU scheduler lands").is_visible()
    upvote = row.get_by_role("button", name=re.compile("Upvote"))
    assert upvote.get_attribute("aria-pressed") == "false"
    upvote.click()
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".post-row__points")).to_have_text("2")  # the author's own, and grace's
    assert page.url.endswith("/newest/")  # updated in place, no reload
    row.get_by_role("button", name="save").click()
    row.get_by_role("button", name="saved").wait_for()
    assert Vote.objects.filter(user=reader, post=post).exists()
    assert SavedPost.objects.filter(user=reader, post=post).exists()

    page.get_by_role("link", name="Saved").click()
    page.wait_for_url("**/saved/")
    saved = page.get_by_role("region", name="Posts")
    assert saved.get_by_role("link", name="A new CPU scheduler lands").is_visible()
    assert (
        saved.get_by_role("button", name=re.compile("Upvote")).get_attribute("aria-pressed")
        == "true"
    )
