"""A discussion in the browser: a member comments on a post, its author sees the unread count,
opens the inbox, follows the link and answers in place; each of them is emailed once. A third
reader sees what is new since their last visit, in the feed and in the thread; votes and the
reply form work in place (docs/discussion.md)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from discussion.models import Comment, CommentVote
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.posts.factories import PostFactory
from tests.service_fixtures import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def member(username: str):
    """A verified member past the new-account period."""
    return UserFactory(username=username, date_joined=timezone.now() - timedelta(days=30))


def log_in(page, live_server, user) -> None:
    """Log in as `user` by copying a Django test client session into the browser."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def emails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def test_reply_inbox_answer_in_place_and_new_comment_markers(browser_page, live_server):
    from playwright.sync_api import expect  # imported here: without Playwright the test skips

    ada, grace, kay = member("ada"), member("grace"), member("kay")
    post = PostFactory(title="A new CPU scheduler lands", author=ada)
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The third reader opens the thread before anyone comments.
    log_in(page, live_server, kay)
    page.goto(post.get_absolute_url())
    expect(page.get_by_role("heading", name="0 comments")).to_be_visible()

    # Grace comments on Ada's post through the box under it.
    log_in(page, live_server, grace)
    page.goto(post.get_absolute_url())
    page.get_by_label("Your comment").fill("Does this change **latency** for you?")
    page.get_by_role("button", name="Add comment").click()
    page.wait_for_url(re.compile(r"#c-\w+$"))
    first = Comment.objects.get(author=grace)
    expect(page.locator(f"#{first.anchor} .comment__body")).to_have_text(
        "Does this change latency for you?"
    )

    # Ada sees one unread notification in the header, opens the inbox and follows it.
    log_in(page, live_server, ada)
    page.goto("/")
    account = page.get_by_role("navigation", name="Account")
    expect(account.get_by_role("link", name="Inbox")).to_contain_text("1")
    account.get_by_role("link", name="Inbox").click()
    page.wait_for_url("**/inbox/")
    unread = page.locator(".notification--unread")
    expect(unread).to_have_count(1)
    expect(unread).to_contain_text("grace replied to you")
    unread.get_by_role("link", name="A new CPU scheduler lands").click()
    page.wait_for_url(re.compile(rf"#{first.anchor}$"))
    expect(account.locator(".badge")).to_have_count(0)  # read by following it

    # "reply" opens a form under Grace's comment, without leaving the page.
    thread_url = page.url
    comment = page.locator(f"#{first.anchor}")
    comment.get_by_role("link", name="reply").click()
    reply_box = comment.get_by_label("Your reply")
    expect(reply_box).to_be_focused()
    assert page.url == thread_url
    reply_box.fill("Yes: p99 dropped by a third.")
    comment.get_by_role("button", name="Reply", exact=True).click()
    page.wait_for_url(lambda url: url != thread_url and re.search(r"#c-\w+$", url) is not None)
    answer = Comment.objects.get(author=ada)
    assert answer.parent == first
    nested = page.locator(f"#{first.anchor} .comment__replies #{answer.anchor}")
    expect(nested.locator(".comment__body")).to_have_text("Yes: p99 dropped by a third.")
    expect(nested.locator(".comment__op")).to_have_text("OP")

    # Each notification was emailed once, through the outbox (eager here).
    wait_until(lambda: emails_to(grace), timeout=10, what="the email about Ada's answer")
    [to_ada], [to_grace] = emails_to(ada), emails_to(grace)
    assert to_ada.subject == "grace replied to you on “A new CPU scheduler lands”"
    assert to_grace.subject == "ada replied to you on “A new CPU scheduler lands”"

    # The thread grows while Kay is away.
    later = CommentFactory(post=post, author=member("linus"), body="Mine did not change at all.")

    log_in(page, live_server, kay)
    page.goto("/newest/")
    row = page.locator(f"#post-{post.short_id}")
    expect(row.get_by_role("link", name="3 comments")).to_be_visible()
    expect(row.locator(".post-row__new")).to_have_text("3 new")
    page.goto(post.get_absolute_url())
    expect(page.locator(".comment--new")).to_have_count(3)
    expect(page.locator(f"#{later.anchor} .comment__new").first).to_have_text("new")

    # Kay reads them; on the next visit only what came after is new.
    newest = CommentFactory(post=post, author=grace, parent=later, body="Which kernel?")
    page.reload()
    expect(page.locator(".comment--new")).to_have_count(1)
    expect(page.locator(f"#{newest.anchor}")).to_have_class(re.compile(r"\bcomment--new\b"))
    page.goto("/newest/")
    expect(row.locator(".post-row__new")).to_have_count(0)

    # An upvote is sent in place: the button and the comment's points change, the page stays.
    page.goto(post.get_absolute_url())
    voted = page.locator(f"#{first.anchor}")
    upvote = voted.locator(":scope > details > .comment__actions").get_by_role("button")
    expect(upvote).to_have_text("▲ upvote")
    upvote.click()
    expect(upvote).to_have_text("unvote")
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(voted.locator(".comment__score").first).to_have_text("1 point")
    assert CommentVote.objects.filter(user=kay, comment=first).exists()
    upvote.click()
    expect(upvote).to_have_text("▲ upvote")
    expect(voted.locator(".comment__score").first).to_have_text("0 points")
    assert not CommentVote.objects.filter(user=kay, comment=first).exists()

    # A collapsed comment hides its replies.
    voted.locator("summary").first.click(position={"x": 4, "y": 4})
    expect(page.locator(f"#{answer.anchor}")).to_be_hidden()

    # Later comments brought their own emails; the one about Grace's comment was never sent again.
    subjects = [message.subject for message in emails_to(ada)]
    assert subjects.count("grace replied to you on “A new CPU scheduler lands”") == 1
    assert errors == []


def test_without_javascript_reply_opens_the_reply_page(browser_page, live_server):
    """The same "reply" link, with scripts off, is a plain link to the reply page."""
    grace, kay = member("grace"), member("kay")
    first = CommentFactory(post=PostFactory(author=member("ada")), author=grace, body="Hello.")
    context = browser_page.context.browser.new_context(
        base_url=live_server.url, java_script_enabled=False
    )
    try:
        page = context.new_page()
        log_in(page, live_server, kay)
        page.goto(first.post.get_absolute_url())
        page.locator(f"#{first.anchor}").get_by_role("link", name="reply").click()
        page.wait_for_url(f"**/c/{first.short_id}/reply/")
        assert page.get_by_role("heading", level=1).inner_text() == "Reply to grace"
        page.get_by_label("Your comment").fill("Hello back.")
        page.get_by_role("button", name="Reply", exact=True).click()
        page.wait_for_url(re.compile(r"#c-\w+$"))
        assert Comment.objects.get(author=kay).parent == first
    finally:
        context.close()
