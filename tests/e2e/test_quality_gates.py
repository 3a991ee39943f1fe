"""The quality gates (docs/testing.md#quality-gates): the site's main pages, as a visitor and as a
member sees them, are valid HTML by the Nu HTML Checker and pass axe-core's accessibility rules in
Chromium, light and dark, on a phone and on a desktop.

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
from django.test import Client
from django.utils import timezone

from accounts.models import User
from posts.models import Post
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.newsletters.factories import NewsletterFactory, NewsletterIssueFactory
from tests.posts.factories import ChannelFactory, PostFactory, TagFactory

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# What axe checks each page in: both color schemes, a phone's width and a desktop's.
SCHEMES = ("light", "dark")
WIDTHS = (390, 1280)
# Swagger UI draws the API docs page in the browser. Three of axe's rules flag its own structure:
# each operation's toggle button holds the operation's deep link (nested-interactive; the deep
# links are kept: SWAGGER_UI_SETTINGS' deepLinking), its tag headings are h3 under its title's h1
# (heading-order), and it puts its information block outside its own <main> (region). Everything
# else on the page is checked, its colors included (static/css/api-docs.css).
SWAGGER_UI_MARKUP = ("nested-interactive", "heading-order", "region")


@dataclass(frozen=True)
class GatePage:
    """One page the gates check: its name in reports, its path and who opens it."""

    name: str
    path: str
    member: bool = False
    ready: str = "main"  # what shows once the page has drawn itself (Swagger UI draws late)
    # axe rules left out on this page, each with why in SWAGGER_UI_MARKUP: markup a library draws
    # in the browser, which no template or stylesheet of ours can change.
    skip_rules: tuple[str, ...] = ()


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
        GatePage("API docs", "/api/docs/", ready=".opblock", skip_rules=SWAGGER_UI_MARKUP),
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


@pytest.mark.browser
@pytest.mark.checkers
@pytest.mark.django_db(transaction=True)
def test_main_pages_have_no_accessibility_violations(chromium, live_server, gate_site):
    """0 violations from axe-core (its default rules: WCAG 2.x A and AA and best practices) on
    every page, in light and dark color schemes, 390 px and 1280 px wide. A failure lists each
    violation with its rule, impact, elements and where it was seen."""
    # axe is injected as an inline script, which the site's CSP (script-src 'self') refuses; only
    # this test's browser context ignores the policy.
    context = chromium.new_context(base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    session = Client()
    session.force_login(gate_site.member)
    member_cookie = {
        "name": "sessionid",
        "value": session.cookies["sessionid"].value,
        "url": live_server.url,
    }
    axe = AXE.read_text()
    violations: list[str] = []
    checked = 0
    try:
        for gate_page in gate_site.pages:
            context.clear_cookies()
            if gate_page.member:
                context.add_cookies([member_cookie])
            response = page.goto(gate_page.path)
            assert response is not None
            assert response.status == 200, f"{gate_page.name}: {response.status}"
            page.locator(gate_page.ready).first.wait_for()
            page.wait_for_load_state("networkidle")
            page.add_script_tag(content=axe)
            for scheme in SCHEMES:
                for width in WIDTHS:
                    page.emulate_media(color_scheme=scheme)
                    page.set_viewport_size({"width": width, "height": 900})
                    result = page.evaluate(
                        """async (skip) => await axe.run(document, {
                            resultTypes: ["violations"],
                            rules: Object.fromEntries(skip.map((id) => [id, {enabled: false}])),
                        })""",
                        list(gate_page.skip_rules),
                    )
                    checked += 1
                    for violation in result["violations"]:
                        targets = "; ".join(
                            " ".join(node["target"]) for node in violation["nodes"][:5]
                        )
                        more = len(violation["nodes"]) - 5
                        violations.append(
                            f"{gate_page.name} ({gate_page.path}) {scheme} {width}px: "
                            f"{violation['id']} [{violation['impact']}] {violation['help']}: "
                            f"{targets}{f' (+{more} more)' if more > 0 else ''}"
                        )
    finally:
        context.close()
    assert checked == len(gate_site.pages) * len(SCHEMES) * len(WIDTHS)
    assert violations == [], f"{len(violations)} axe violation(s):\n" + "\n".join(violations)
