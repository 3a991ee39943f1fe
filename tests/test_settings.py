"""Production settings refuse to start without a secret key and allowed hosts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, "DJANGO_ENV": "production", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check(ALLOWED_HOSTS="faun.example")
    assert result.returncode != 0
    assert "needs SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_check(SECRET_KEY="k" * 30 + "abcdefghijklmnopqrstuvwxyz")
    assert result.returncode != 0
    assert "needs ALLOWED_HOSTS" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = run_check(
        SECRET_KEY="k" * 30 + "abcdefghijklmnopqrstuvwxyz", ALLOWED_HOSTS="faun.example"
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


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
