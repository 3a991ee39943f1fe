"""The Lighthouse gate (docs/testing.md#quality-gates): accessibility, best practices and SEO score
at least 0.95 on the home page and a post page, with the demo data, in Debian's Chromium.

`make audit` runs this file alone and prints the scores; CI runs it with the rest of the suite.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from posts.models import Post
from tests.conftest import CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("accessibility", "best-practices", "seo")
THRESHOLD = 0.95

pytestmark = [
    pytest.mark.browser,
    pytest.mark.checkers,
    pytest.mark.django_db(transaction=True),
]


def lighthouse(url: str, report: Path) -> dict:
    """One Lighthouse run on `url` in a Chromium of its own; its JSON report."""
    subprocess.run(
        [
            "node",
            str(LIGHTHOUSE),
            url,
            f"--only-categories={','.join(CATEGORIES)}",
            "--output=json",
            f"--output-path={report}",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        check=True,
        timeout=180,
        capture_output=True,
    )
    return json.loads(report.read_text())


def failed_audits(result: dict, category: str) -> list[str]:
    """The audits that cost `category` points, with the elements each names."""
    lines = []
    for ref in result["categories"][category]["auditRefs"]:
        audit = result["audits"][ref["id"]]
        if ref["weight"] == 0 or audit["score"] is None or audit["score"] >= 1:
            continue
        lines.append(f"    {audit['id']}: {audit['title']}")
        for item in (audit.get("details") or {}).get("items", [])[:8]:
            node = item.get("node") or {}
            what = node.get("snippet") or item.get("url") or item.get("description") or item
            lines.append(f"      {str(what)[:160]}")
    return lines


def test_home_and_a_post_page_score_at_least_095(live_server, tmp_path, capsys):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo_comments", stdout=io.StringIO())
    post = Post.objects.filter(status=Post.Status.PUBLISHED).order_by("-hotness").first()
    assert post is not None
    pages = {"home": "/", "post": post.get_absolute_url()}

    scores: dict[str, dict[str, float]] = {}
    problems: list[str] = []
    for name, path in pages.items():
        started = time.monotonic()
        result = lighthouse(live_server.url + path, tmp_path / f"{name}.json")
        scores[name] = {c: result["categories"][c]["score"] for c in CATEGORIES}
        with capsys.disabled():
            print(
                f"\nLighthouse {name} ({path}, {time.monotonic() - started:.0f} s): "
                + ", ".join(f"{c} {score:.2f}" for c, score in scores[name].items())
            )
        for category, score in scores[name].items():
            if score < 1:
                lost = [f"  {category} {score:.2f}:", *failed_audits(result, category)]
                with capsys.disabled():
                    print("\n".join(lost))
            if score < THRESHOLD:
                problems.append(f"{name} ({path}) {category} {score:.2f}:")
                problems.extend(failed_audits(result, category))
    assert problems == [], "Lighthouse scores below 0.95:\n" + "\n".join(problems)
