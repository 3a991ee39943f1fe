"""The quality gates (docs/testing.md#quality-gates): the site's main pages, as a visitor and as a
member sees them, are valid HTML by the Nu HTML Checker.

The tools come from npm (`npm ci`: package.json at the repository's root); the tests are marked
`checkers`, so they skip locally without them and fail in CI.
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import User
from posts.models import Post
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.newsletters.factories import NewsletterFactory, NewsletterIssueFactory
from tests.posts.factories import ChannelFactory, PostFactory, TagFactory

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@dataclass(frozen=True)
class GatePage:
    """One page the gates check: its name in reports, its path and who opens it."""

    name: str
    path: str
    member: bool = False


@dataclass(frozen=True)
class GateSite:
    post: Post
    member: User
    pages: tuple[GatePage, ...]


@pytest.fixture
def gate_site(db) -> GateSite:
    """A small site with every part a page can show: a channel with a newsletter issue, a tag,
    an author, a post with its TL;DR, key numbers, timeline and entities, a discussion under it,
    and a member who reads it."""
    channel = ChannelFactory(
        handle="devopslinks", name="DevOpsLinks", newsletter_name="DevOpsLinks Weekly"
    )
    NewsletterIssueFactory(newsletter=NewsletterFactory(channel=channel))
    tag = TagFactory(slug="kernel", name="Kernel")
    author = UserFactory(username="ada", date_joined=timezone.now() - timedelta(days=30))
    post = PostFactory(
        title="A new CPU scheduler lands",
        author=author,
        channel=channel,
        tags=[tag],
        tldr=["It replaces the old one.", "Desktops feel it first."],
        body="Latency drops. [More](https://example.com/more)",
        key_facts=[("30%", "lower tail latency"), ("6.6", "the kernel release")],
        timeline=[("Merged.", timezone.now().date())],
        entities=[("Linus Torvalds", "merged it", "person"), ("Linux", "the kernel", "project")],
    )
    PostFactory(title="Postgres 17 ships incremental backups", author=author, tags=[tag])
    question = CommentFactory(post=post, body="Does it help *desktop* latency?")
    CommentFactory(post=post, author=author, parent=question, body="Yes: `p99` drops.")
    member = UserFactory(username="grace", date_joined=timezone.now() - timedelta(days=30))
    detail = post.get_absolute_url()
    pages = (
        GatePage("home", "/"),
        GatePage("newest", "/newest/"),
        GatePage("post", detail),
        GatePage("post (member)", detail, member=True),
        GatePage("tag", "/t/kernel/"),
        GatePage("channel", "/@devopslinks/"),
        GatePage("user", "/u/ada/"),
        GatePage("search", "/search?q=scheduler"),
        GatePage("submit (member)", "/submit/", member=True),
        GatePage("settings (member)", "/settings/", member=True),
        GatePage("sign-up", "/signup/"),
        GatePage("log-in", "/login/"),
        GatePage("newsletter archive", "/@devopslinks/newsletter/"),
        GatePage("API docs", "/api/docs/"),
    )
    return GateSite(post=post, member=member, pages=pages)


def _file_name(page: GatePage) -> str:
    return "".join(c if c.isalnum() else "-" for c in page.name) + ".html"


@pytest.mark.checkers
def test_main_pages_are_valid_html(client, gate_site, tmp_path):
    """0 errors from the Nu HTML Checker on every page; all pages go to one JVM (its start-up is
    most of the time), and a failure lists the errors by page with line and extract."""
    files: dict[str, GatePage] = {}
    for page in gate_site.pages:
        if page.member:
            client.force_login(gate_site.member)
        else:
            client.logout()
        response = client.get(page.path)
        assert response.status_code == 200, f"{page.name} ({page.path}): {response.status_code}"
        path = tmp_path / _file_name(page)
        path.write_bytes(response.content)
        files[str(path)] = page
    # A document with one known error: proof that the checker read the files it was given (it
    # says nothing about a file it finds no error in, and nothing at all about a path it missed).
    canary = tmp_path / "canary.html"
    canary.write_text('<!doctype html><html lang="en"><title>c</title><div aria-label="c"></div>')

    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout", str(canary), *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode in {0, 1}, result.stderr
    errors: dict[str, list[str]] = defaultdict(list)
    canary_errors = 0
    for message in json.loads(result.stdout)["messages"]:
        if message["type"] == "info":
            continue  # warnings and notes, which `--errors-only` leaves out too
        url = message.get("url", "").removeprefix("file:")
        if url == str(canary):
            canary_errors += 1
            continue
        page = files.get(url)
        where = f"{page.name} ({page.path})" if page else f"{url}: {message['type']}"
        errors[where].append(
            f"  line {message.get('lastLine', '?')}: {message['message']}\n"
            f"    {message.get('extract', '').strip()}"
        )
    assert canary_errors == 1, f"the checker did not read its input: {result.stdout[:2000]}"
    assert not errors, "Nu HTML Checker errors:\n" + "\n".join(
        f"{where}: {len(lines)} error(s)\n" + "\n".join(lines) for where, lines in errors.items()
    )
