"""Issue 15's "done when", in Chromium: three members flag a post from its page, it leaves the
front page, a moderator removes it from the queue with a reason, the public log shows it, and
the post page keeps a stub with the reason; and a moderator merges two stories, after which the
old address leads to the target (docs/moderation.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from moderation.models import ModerationAction
from posts.models import Post
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.e2e.test_posting import log_in
from tests.posts.factories import PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_three_flags_take_a_post_off_the_front_page_and_a_moderator_removes_it_in_the_open(
    browser_page, live_server, settings
):
    settings.MODERATION_FLAG_HIDE_THRESHOLD = 3
    settings.MODERATION_FLAG_MIN_KARMA = 10
    settings.ANONYMOUS_CACHE_SECONDS = 0
    old = timezone.now() - timedelta(days=60)
    spammer = UserFactory(username="spammer", date_joined=timezone.now())
    post = PostFactory(title="Cheap watches, best prices", author=spammer)
    PostFactory(title="A kernel release", author=UserFactory(date_joined=old))
    readers = [UserFactory(username=f"reader{i}", karma=25, date_joined=old) for i in range(3)]
    moderator = UserFactory(username="ada", is_staff=True, date_joined=old)
    page = browser_page

    for reader in readers:
        log_in(page, live_server, reader)
        page.goto(post.get_absolute_url())
        page.get_by_role("link", name="flag", exact=True).click()
        page.get_by_label("Spam").check()
        page.get_by_role("button", name="Flag").click()
        page.wait_for_url(f"**{post.get_absolute_url()}")
        assert page.get_by_text("the post is flagged for the moderators").is_visible()

    page.context.clear_cookies()
    page.goto("/")
    assert page.get_by_role("link", name="A kernel release").is_visible()
    assert page.get_by_role("link", name="Cheap watches, best prices").count() == 0

    log_in(page, live_server, moderator)
    page.goto("/")
    page.get_by_role("link", name="Mod", exact=True).click()
    page.wait_for_url("**/mod/")
    row = page.locator(f"#mod-post-{post.short_id}")
    assert "3 flags: spam (3)" in row.inner_text()
    assert "held off the front page" in row.inner_text()
    row.get_by_label("Reason").fill("Spam: an advertisement")
    row.get_by_role("button", name="Remove").click()
    page.wait_for_url("**/mod/")
    assert page.get_by_text("The post is removed").is_visible()
    assert page.locator(f"#mod-post-{post.short_id}").count() == 0

    page.context.clear_cookies()
    page.goto("/")
    page.get_by_role("link", name="Moderation log").click()
    page.wait_for_url("**/moderations/")
    entry = page.get_by_role("list", name="Moderator actions").get_by_role("listitem").first
    assert "ada removed a post: Cheap watches, best prices" in entry.inner_text()
    assert "Reason: Spam: an advertisement" in entry.inner_text()
    entry.get_by_role("link", name="Cheap watches, best prices").click()
    page.wait_for_url(f"**/p/{post.short_id}/**")
    assert (
        page.get_by_role("note")
        .filter(has_text="This post was removed: Spam: an advertisement.")
        .is_visible()
    )

    post.refresh_from_db()
    assert post.status == Post.Status.REMOVED
    assert ModerationAction.objects.get().moderator == moderator


def test_a_moderator_merges_two_stories_and_the_old_address_leads_to_the_target(
    browser_page, live_server, settings
):
    settings.ANONYMOUS_CACHE_SECONDS = 0
    old = timezone.now() - timedelta(days=60)
    original = PostFactory(
        title="Kestrel 2.0 is out",
        url="https://kestrel.example/blog/2-0",
        author=UserFactory(username="first", date_joined=old),
    )
    duplicate = PostFactory(
        title="Kestrel 2.0 released today",
        url="https://kestrel.example/blog/2-0?ref=feed",
        author=UserFactory(username="second", date_joined=old),
    )
    CommentFactory(post=duplicate, body="The scheduler is the real news.")
    moderator = UserFactory(username="ada", is_staff=True, date_joined=old)
    page = browser_page

    log_in(page, live_server, moderator)
    page.goto(duplicate.get_absolute_url())
    page.get_by_role("link", name="merge", exact=True).click()
    page.wait_for_url(f"**/mod/p/{duplicate.short_id}/merge/**")
    assert page.get_by_role("link", name="Kestrel 2.0 is out").is_visible()
    page.get_by_label("Merge into").fill(original.short_id)
    page.get_by_label("Reason").fill("Same release, posted twice")
    page.get_by_role("button", name="Merge").click()
    page.wait_for_url(f"**{original.get_absolute_url()}")
    assert page.get_by_text("The post is merged").is_visible()

    page.context.clear_cookies()
    page.goto(duplicate.get_absolute_url())
    page.wait_for_url(f"**{original.get_absolute_url()}")
    assert page.get_by_role("heading", name="Kestrel 2.0 is out").is_visible()
    merged = page.get_by_role("note").filter(has_text="Merged into this story")
    assert merged.get_by_role("link", name="Kestrel 2.0 released today").is_visible()
    assert page.get_by_text("The scheduler is the real news.").is_visible()

    page.goto("/moderations/")
    entry = page.get_by_role("list", name="Moderator actions").get_by_role("listitem").first
    assert "ada merged a post into another story: Kestrel 2.0 released today" in (
        entry.inner_text()
    )
    assert "Reason: Same release, posted twice" in entry.inner_text()
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (Post.Status.MERGED, original)
