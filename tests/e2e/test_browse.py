"""A reader opens the home page, follows a post and reads its TL;DR, key numbers and timeline."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.posts.factories import ChannelFactory, PostFactory, TagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_follows_a_post_from_home_and_sees_its_story(browser_page):
    channel = ChannelFactory(handle="devopslinks", newsletter_name="DevOpsLinks Weekly")
    PostFactory(
        title="Rust is here to stay in the kernel",
        url="",
        channel=channel,
        tags=[TagFactory(slug="rust")],
        tldr=["The experiment is over.", "Distributions already ship it."],
        body="Long summary.",
        key_facts=[("6.1", "Kernel version where support was merged.")],
        timeline=[("The experiment is concluded.", timezone.now().date())],
    )
    page = browser_page
    page.goto("/")
    page.get_by_role("link", name="Rust is here to stay in the kernel").click()
    page.wait_for_url("**/p/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Rust is here to stay in the kernel"
    tldr = page.get_by_role("region", name="TL;DR")
    assert "The experiment is over." in tldr.inner_text()
    numbers = page.get_by_role("region", name="Key numbers")
    assert "6.1" in numbers.inner_text()
    assert "Kernel version where support was merged." in numbers.inner_text()
    assert (
        "The experiment is concluded." in page.get_by_role("region", name="Timeline").inner_text()
    )
    assert page.get_by_text("Subscribe to our weekly newsletter DevOpsLinks Weekly").is_visible()
