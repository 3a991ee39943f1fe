"""Every main page runs under the site's Content-Security-Policy with nothing refused and no script
error, and the JavaScript features still work: votes, save, follows and the submit form's extra rows
in place, comment votes and the in-place reply form, the duplicate-link warning, Swagger UI and
ReDoc (docs/operations.md#security-headers)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from discussion.models import CommentVote
from posts.models import Follow, SavedPost, Vote
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.newsletters.factories import NewsletterFactory, NewsletterIssueFactory
from tests.posts.factories import ChannelFactory, PostFactory, TagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright runs this in every document before the page's own scripts, outside the page's CSP:
# every violation the browser reports there lands in window.__cspViolations.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile}:${event.lineNumber})`
  );
});
"""

# The one refusal the policy makes on purpose: ReDoc's bundle always draws its vendor's logo from
# cdn.redoc.ly. The docs load nothing from another origin, so the policy blocks it and ReDoc hides
# the broken image itself (its onError handler).
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def expected(page, text: str) -> bool:
    return "/api/redoc/" in page.url and REDOC_LOGO in text


class PageProblems:
    """What a page told the browser's console: CSP refusals, script errors, failed loads."""

    def __init__(self, page) -> None:
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))

    def _on_console(self, message) -> None:
        # Chromium reports each CSP refusal, failed load and uncaught error as a console error;
        # warnings catch the rest (a "Report Only" refusal, a header it could not parse), the
        # site icon and the web app manifest included.
        if message.type in {"error", "warning"} and not expected(self.page, message.text):
            self.console.append(f"{self.page.url}: [{message.type}] {message.text}")

    def visit(self, path: str, *, ready: str = "main") -> None:
        """Open `path`, wait until `ready` shows and the network is quiet, then check the page."""
        response = self.page.goto(path)
        assert response is not None
        assert response.status == 200, f"{path} answered {response.status}"
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        try:
            self.page.locator(ready).first.wait_for()
            self.page.wait_for_load_state("networkidle")
        finally:
            self.assert_clean(path)  # a refused script is the likely reason `ready` never shows

    def assert_clean(self, where: str) -> None:
        violations = [
            violation
            for violation in self.page.evaluate("window.__cspViolations")
            if not (violation.startswith("img-src ") and expected(self.page, violation))
        ]
        assert violations == [], f"{where}: {violations}"
        assert self.console == [], self.console
        assert self.errors == [], self.errors


def log_in(page, live_server, user) -> None:
    """Log in by copying a Django test client session into the browser."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.fixture
def site(db):
    """A small site: a channel with a newsletter issue, a tag, an author and their post, with a
    short discussion under it."""
    channel = ChannelFactory(handle="devopslinks", newsletter_name="DevOpsLinks Weekly")
    NewsletterIssueFactory(newsletter=NewsletterFactory(channel=channel))
    tag = TagFactory(slug="kernel", name="Kernel")
    author = UserFactory(username="ada", date_joined=timezone.now() - timedelta(days=30))
    post = PostFactory(
        title="A new CPU scheduler lands",
        author=author,
        channel=channel,
        tags=[tag],
        tldr=["It replaces the old one."],
        body="Latency drops. [More](https://example.com/more)",
        key_facts=[("30%", "lower tail latency")],
        timeline=[("Merged.", timezone.now().date())],
    )
    question = CommentFactory(post=post, body="Does it help *desktop* latency?")
    CommentFactory(post=post, author=author, parent=question, body="Yes: `p99` drops.")
    return post


def test_every_main_page_loads_with_no_csp_violation_or_script_error(
    browser_page, live_server, site
):
    post = site
    problems = PageProblems(browser_page)

    for path in (
        "/",
        "/newest/",
        "/top/",
        post.get_absolute_url(),
        "/t/kernel/",
        "/@devopslinks/",
        "/u/ada/",
        "/search?q=scheduler",
        "/signup/",
        "/login/",
        "/@devopslinks/newsletter/",
        "/admin/login/",
    ):
        problems.visit(path)
    # The API docs draw themselves with their bundles: wait for the rendered operations.
    problems.visit("/api/docs/", ready=".opblock")
    problems.visit("/api/redoc/", ready="[data-section-id]")

    log_in(browser_page, live_server, UserFactory(username="grace"))
    for path in ("/", post.get_absolute_url(), "/t/kernel/", "/submit/", "/settings/"):
        problems.visit(path)

    # The admin runs under the same policy (its templates and scripts need nothing inline).
    log_in(browser_page, live_server, UserFactory(is_staff=True, is_superuser=True))
    for path in ("/admin/", "/admin/posts/post/", f"/admin/posts/post/{post.pk}/change/"):
        problems.visit(path, ready="#content")


def test_the_browsable_api_loads_with_no_csp_violation_or_script_error(
    browser_page, live_server, site
):
    """A browser opening the API gets DRF's read-only page (core/renderers.py), its JSON
    coloured by prettify, under the site's policy, logged out and in."""
    post = site
    problems = PageProblems(browser_page)
    paths = ("/api/v1/posts/", f"/api/v1/posts/{post.short_id}/", "/api/v1/tags/")
    for path in paths:
        problems.visit(path, ready=".response-info pre .pun")
        shown = browser_page.locator(".response-info").inner_text()
        assert (post.title if "posts" in path else '"slug": "kernel"') in shown, path
        assert browser_page.locator("form:not(#get-form)").count() == 0, path
    log_in(browser_page, live_server, UserFactory(username="grace"))
    for path in paths:
        problems.visit(path, ready=".response-info pre .pun")
    assert browser_page.locator(".navbar").get_by_text("grace").is_visible()


def test_javascript_features_work_under_the_policy(browser_page, live_server, site):
    from playwright.sync_api import expect  # imported here: without Playwright the test skips

    post = site
    reader = UserFactory(username="grace", date_joined=timezone.now() - timedelta(days=30))
    page = browser_page
    problems = PageProblems(page)
    log_in(page, live_server, reader)

    # A vote is sent with fetch and updates the row in place.
    problems.visit("/newest/")
    row = page.locator(f"#post-{post.short_id}")
    upvote = row.get_by_role("button", name=re.compile("Upvote"))
    upvote.click()
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".post-row__points")).to_have_text("1")
    assert page.url.endswith("/newest/")
    assert Vote.objects.filter(user=reader, post=post).exists()
    row.get_by_role("button", name="save").click()
    row.get_by_role("button", name="saved").wait_for()
    assert SavedPost.objects.filter(user=reader, post=post).exists()

    # A comment's vote is sent in place; "reply" opens a form under the comment.
    problems.visit(post.get_absolute_url())
    comment = page.locator(".thread > .comment").first
    comment.get_by_role("button", name="▲ upvote").first.click()
    expect(comment.locator(".comment__score").first).to_have_text("1 point")
    assert CommentVote.objects.filter(user=reader).exists()
    comment.get_by_role("link", name="reply").first.click()
    expect(comment.get_by_label("Your reply")).to_be_focused()

    # A follow button relabels itself without a reload.
    problems.visit("/t/kernel/")
    page.get_by_role("button", name="Follow #kernel").click()
    page.get_by_role("button", name="Unfollow #kernel").wait_for()
    assert Follow.objects.filter(user=reader, tag__slug="kernel").exists()

    # The submit form adds rows in place and warns while typing when a link was posted before.
    problems.visit("/submit/")
    key_numbers = page.get_by_role("group", name="Key numbers")
    before = key_numbers.get_by_label("Value").count()
    key_numbers.get_by_role("button", name="Add a key number").click()
    expect(key_numbers.get_by_label("Value")).to_have_count(before + 1)
    page.get_by_label("URL").fill(post.url)
    page.locator("#url-check").get_by_role("link", name=post.title).wait_for()

    page.wait_for_load_state("networkidle")
    problems.assert_clean("after the JavaScript features")
