"""`make run` serves where it says, and links in emails, feeds and pages point there too."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def runserver_line(*args: str, **env: str) -> list[str]:
    """The runserver command `make run` would execute (a dry run: nothing is started)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST", "PORT"}}
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [line for line in result.stdout.splitlines() if "runserver" in line]
    assert len(lines) == 1, result.stdout
    return shlex.split(lines[0])


def test_make_run_on_another_port_links_to_that_port():
    words = runserver_line("PORT=8102")
    assert words[-1] == "127.0.0.1:8102"
    assert "SITE_URL=http://127.0.0.1:8102" in words


def test_make_run_links_to_the_default_address():
    words = runserver_line()
    assert words[-1] == "127.0.0.1:8000"
    assert "SITE_URL=http://127.0.0.1:8000" in words


def test_an_explicit_site_url_wins_over_the_port():
    words = runserver_line("PORT=8102", SITE_URL="https://faun.example")
    assert words[-1] == "127.0.0.1:8102"
    assert "SITE_URL=https://faun.example" in words
