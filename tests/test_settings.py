"""Production settings refuse to start without a secret key and allowed hosts; logs are JSON
lines in production and plain text elsewhere (LOG_FORMAT)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "k" * 30 + "abcdefghijklmnopqrstuvwxyz"
LOG_A_WARNING = (
    "import django, logging; django.setup(); logging.getLogger('faun.test').warning('hi')"
)


def run_python(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python <args>` at the root, in this environment less the variables these tests set."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DJANGO_ENV",
            "LOG_FORMAT",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    return run_python(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", DJANGO_ENV="production", **env
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check(ALLOWED_HOSTS="faun.example")
    assert result.returncode != 0
    assert "needs SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_check(SECRET_KEY=SECRET_KEY)
    assert result.returncode != 0
    assert "needs ALLOWED_HOSTS" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = run_check(SECRET_KEY=SECRET_KEY, ALLOWED_HOSTS="faun.example")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def log_a_warning(**env: str) -> subprocess.CompletedProcess[str]:
    return run_python("-c", LOG_A_WARNING, DJANGO_SETTINGS_MODULE="faun.settings", **env)


def test_production_logs_one_json_object_per_line_by_default():
    result = log_a_warning(DJANGO_ENV="production", SECRET_KEY=SECRET_KEY, ALLOWED_HOSTS="x")
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == ("WARNING", "faun.test", "hi")


@pytest.mark.parametrize(
    "env",
    [
        {"DJANGO_ENV": "development"},
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "x",
            "LOG_FORMAT": "plain",
        },
    ],
    ids=["development", "production-plain"],
)
def test_plain_logs_elsewhere_or_when_asked(env):
    result = log_a_warning(**env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.rstrip().endswith("WARNING faun.test [-] hi")


def test_an_unknown_log_format_is_refused():
    result = log_a_warning(LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be json or plain" in result.stderr


def test_read_replicas_need_postgresql_and_a_pin_longer_than_the_lag_they_allow():
    keys = {"SECRET_KEY": "k" * 30 + "abcdefghijklmnopqrstuvwxyz", "ALLOWED_HOSTS": "faun.example"}
    replica = "postgres://faun@127.0.0.1:5433/faun"  # settings only: nothing connects

    on_sqlite = run_check(**keys, DATABASE_URL="sqlite:///x.db", DATABASE_REPLICA_URLS=replica)
    short_pin = run_check(
        **keys,
        DATABASE_URL="postgres://faun@127.0.0.1:5432/faun",
        DATABASE_REPLICA_URLS=replica,
        DATABASE_REPLICA_PIN_SECONDS="4",
        DATABASE_REPLICA_MAX_LAG_SECONDS="2",
    )

    assert on_sqlite.returncode != 0
    assert "DATABASE_REPLICA_URLS needs DATABASE_URL=postgres://" in on_sqlite.stderr
    assert short_pin.returncode != 0
    assert "DATABASE_REPLICA_PIN_SECONDS must exceed" in short_pin.stderr
