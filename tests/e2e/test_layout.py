"""What a new reader saw before reading anything (issue 18, defects 3 and 4): the header in one
row at 1280 px and a compact one at 390 px, logged out and in; the settings page opening at its
top, with the account deletion set apart as the dangerous action it is."""

from __future__ import annotations

import pytest

from tests.e2e.test_posting import log_in
from tests.posts.factories import PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER_ROWS = """() => {
  const inner = document.querySelector('.site-header__inner');
  const tops = new Set([...inner.children].map(e => Math.round(e.getBoundingClientRect().top
    + e.getBoundingClientRect().height / 2)));
  return {height: document.querySelector('.site-header').getBoundingClientRect().height,
          centers: [...tops]};
}"""


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_header_is_one_row_wide_and_compact_narrow(
    browser_page, live_server, member, logged_in
):
    PostFactory(title="Something to read")
    page = browser_page
    if logged_in:
        member.is_staff = True  # the longest header: Mod and every account link
        member.save(update_fields=["is_staff"])
        log_in(page, live_server, member)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    wide = page.evaluate(HEADER_ROWS)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    narrow = page.evaluate(HEADER_ROWS)
    first_post = page.get_by_role("link", name="Something to read").bounding_box()

    assert max(wide["centers"]) - min(wide["centers"]) <= 4, wide
    assert wide["height"] <= 80, wide
    assert narrow["height"] <= 120, narrow
    assert first_post is not None
    assert first_post["y"] < 844 / 2, first_post  # the first post shows in the first half screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll


def test_settings_open_at_the_top_without_focus_in_a_password_field(
    browser_page, live_server, member
):
    page = browser_page
    log_in(page, live_server, member)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto("/settings/")

    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.activeElement.tagName") in ("BODY", "A")
    delete = page.get_by_role("button", name="Delete my account")
    colour = delete.evaluate("e => getComputedStyle(e).backgroundColor")
    ordinary = page.get_by_role("button", name="Save").first.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert colour != ordinary
    assert "button--danger" in (delete.get_attribute("class") or "")
