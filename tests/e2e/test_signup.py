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


# The rectangles of a field's focus ring (its box grown by outline width and offset) and of
# the label, help text and errors above it, in CSS pixels.
RING_AND_NEIGHBOURS = """(input) => {
    const style = getComputedStyle(input);
    const reach = parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
    const box = input.getBoundingClientRect();
    const group = input.parentElement;
    const above = [...group.querySelectorAll("label, .helptext, .errorlist")]
        .filter((el) => el !== input && el.getBoundingClientRect().bottom <= box.top);
    return {
        style: style.outlineStyle,
        ring_top: box.top - reach,
        above: above.map((el) => [el.className || el.tagName, el.getBoundingClientRect().bottom]),
    };
}"""


def test_a_focused_fields_ring_leaves_its_help_text_and_errors_uncovered(browser_page):
    page = browser_page
    page.goto("/signup/")
    for state in ("fresh", "with errors"):
        if state == "with errors":
            page.get_by_role("button", name="Create my account").click()  # errors everywhere
            page.wait_for_selector(".errorlist")
        for field in ("username", "email", "password1", "password2"):
            page.locator(f"#id_{field}").focus()
            found = page.locator(f"#id_{field}").evaluate(RING_AND_NEIGHBOURS)
            assert found["style"] != "none", field
            assert found["above"], field
            for name, bottom in found["above"]:
                assert bottom <= found["ring_top"], (state, field, name, bottom, found["ring_top"])
