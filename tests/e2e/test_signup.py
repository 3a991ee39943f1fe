"""A visitor joins from the front page, opens the link in the email and lands logged in."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.core import mail

from accounts.models import User
from tests.service_fixtures import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "violet-anchor-kettle-42"


def test_visitor_signs_up_follows_the_emailed_link_and_is_logged_in(browser_page):
    page = browser_page
    page.goto("/")
    page.get_by_role("link", name="Join").click()
    page.wait_for_url("**/signup/")
    page.get_by_label("Username").fill("grace_h")
    page.get_by_label("Email").fill("grace@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    page.wait_for_url("**/signup/check-your-inbox/")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"
    assert "grace@example.com" in page.locator("main").inner_text()

    # The email was delivered by the outbox task (eager here) through Django's test backend.
    [message] = wait_until(lambda: list(mail.outbox), timeout=10, what="the verification email")
    assert message.to == ["grace@example.com"]
    link = re.search(r"https?://\S+/verify/\S+/", message.body).group(0)

    page.goto(urlparse(link).path)

    page.wait_for_url(lambda url: urlparse(url).path == "/")
    account = page.get_by_role("navigation", name="Account")
    assert account.get_by_role("link", name="grace_h").is_visible()
    assert account.get_by_role("link", name="Settings").is_visible()
    assert "Your email address is verified" in page.locator(".messages").inner_text()
    assert User.objects.get(username="grace_h").is_verified
