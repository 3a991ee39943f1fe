"""A visitor subscribes from a post page, confirms from the delivered email and finds the
newsletter's archive of past issues."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.utils import timezone

from newsletters.models import Newsletter, Subscription
from newsletters.services import issues
from posts.models import Post
from tests.posts.factories import ChannelFactory, PostFactory
from tests.service_fixtures import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_subscribes_from_a_post_confirms_and_finds_the_archive(browser_page):
    channel = ChannelFactory(handle="devopslinks", newsletter_name="DevOpsLinks Weekly")
    newsletter = Newsletter.objects.create(
        channel=channel, name="DevOpsLinks Weekly", created_at=timezone.now() - timedelta(days=60)
    )
    slot = issues.newsletter_slot(newsletter=newsletter, now=timezone.now())
    past = PostFactory(
        title="Kubernetes drops dockershim for good",
        channel=channel,
        published_at=slot - timedelta(days=1),
    )
    Post.objects.filter(pk=past.pk).update(score=12)
    issue = issues.issue_build(newsletter=newsletter)
    post = PostFactory(title="eBPF is eating observability", channel=channel)

    page = browser_page
    page.goto(post.get_absolute_url())
    cta = page.get_by_role("region", name="Subscribe to our weekly newsletter DevOpsLinks Weekly")
    cta.get_by_label("Email address").fill("lin@example.com")
    cta.get_by_role("button", name="Subscribe").click()

    page.wait_for_url("**/newsletters/check-your-inbox/")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"
    assert "lin@example.com" in page.locator("main").inner_text()

    [message] = wait_until(lambda: list(mail.outbox), timeout=10, what="the confirmation email")
    assert message.to == ["lin@example.com"]
    link = re.search(r"https?://\S+/newsletters/confirm/\S+/", message.body).group(0)
    page.goto(urlparse(link).path)

    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "You are subscribed to DevOpsLinks Weekly"
    assert Subscription.objects.get(email="lin@example.com").status == "active"

    page.get_by_role("link", name="Read past issues").click()
    page.wait_for_url("**/@devopslinks/newsletter/")
    page.get_by_role("link", name=issue.subject).click()
    page.wait_for_url(f"**/@devopslinks/newsletter/{issue.period}/")
    assert "Kubernetes drops dockershim for good" in page.locator("main").inner_text()
