"""A reader searches from the header box, opens a tag from a result, follows it in place (no
reload) and reads My feed; then hides another tag and sees it leave the front page. Runs in
Chromium with the site's JavaScript."""

from __future__ import annotations

import pytest
from django.test import Client

from posts.models import Follow, HiddenTag
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


def test_search_follow_a_tag_and_read_my_feed(browser_page, live_server):
    from playwright.sync_api import expect  # imported here: without Playwright the test skips

    rust, go = TagFactory(slug="rust", name="Rust"), TagFactory(slug="go", name="Go")
    PostFactory(title="Borrow checker deep dive", tags=[rust], body="How lifetimes work.")
    PostFactory(title="Async traits are stable", tags=[rust])
    PostFactory(title="Generics in practice", tags=[go], body="Not about the borrow checker.")
    reader = UserFactory(username="reader")
    page = browser_page
    log_in(page, live_server, reader)

    page.goto("/")
    page.get_by_role("searchbox", name="Search posts").fill("borrow checker")
    page.get_by_role("searchbox", name="Search posts").press("Enter")
    page.wait_for_url("**/search?q=borrow+checker")
    results = page.get_by_role("region", name="Results")
    expect(results.locator(".post-row")).to_have_count(2)
    match = results.locator(".post-row", has_text="deep dive")
    expect(match.locator("mark").first).to_be_visible()  # the matched words are highlighted
    assert match.locator("mark").first.inner_text().lower() == "borrow"

    results.get_by_role("link", name="#rust", exact=True).first.click()
    page.wait_for_url("**/t/rust/")
    follow = page.get_by_role("button", name="Follow #rust", exact=True)
    follow.click()
    unfollow = page.get_by_role("button", name="Unfollow #rust", exact=True)
    expect(unfollow).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-follower-count]")).to_have_text("1 follower")
    assert page.url.endswith("/t/rust/")  # in place, no reload
    assert Follow.objects.filter(user=reader, tag=rust).exists()

    page.get_by_role("link", name="My feed").click()
    page.wait_for_url("**/my/")
    feed = page.get_by_role("region", name="Posts")
    expect(feed.locator(".post-row")).to_have_count(2)
    assert feed.get_by_role("link", name="Borrow checker deep dive").is_visible()
    assert feed.get_by_role("link", name="Async traits are stable").is_visible()
    assert feed.get_by_role("link", name="Generics in practice").count() == 0

    # Hiding a tag is a plain form post: the tag page then says so and offers the way back.
    page.goto("/t/go/")
    page.get_by_role("button", name="Hide this tag").click()
    page.wait_for_url("**/t/go/")
    expect(page.get_by_role("button", name="Unhide #go")).to_be_visible()
    assert HiddenTag.objects.filter(user=reader, tag=go).exists()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Newest").click()
    expect(page.get_by_role("link", name="Generics in practice")).to_have_count(0)
    expect(page.get_by_role("link", name="Async traits are stable")).to_be_visible()

    page.goto("/following/")
    page.get_by_role("button", name="Unfollow #rust", exact=True).click()
    expect(page.get_by_role("button", name="Follow #rust", exact=True)).to_be_visible()
    assert not Follow.objects.filter(user=reader).exists()
