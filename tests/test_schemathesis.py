"""Schemathesis fuzzes every endpoint of the live schema, authenticated with a write token, and
must find no server error and no response that breaks the schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from accounts.tokens import api_token_create
from tests.accounts.factories import UserFactory
from tests.posts.factories import ChannelFactory, ChannelMembershipFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_schemathesis_finds_no_server_errors_or_schema_violations(live_server, settings, tmp_path):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "100000/min",
            "user": "100000/min",
            "write": "100000/min",
        },
    }
    user = UserFactory(username="fuzzer")
    channel = ChannelFactory(handle="devopslinks")
    ChannelMembershipFactory(channel=channel, user=user)
    tags = [TagFactory(slug="rust"), TagFactory(slug="go")]
    posts = [PostFactory(tags=tags, channel=channel if index % 2 else None) for index in range(5)]
    token = api_token_create(user=user, name="fuzz", scope="write").secret
    report = tmp_path / "junit.xml"
    # Point path parameters at rows that exist, so the fuzzer reaches the code behind them.
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        f'"path.short_id" = "{posts[0].short_id}"\n'
        '"path.slug" = "rust"\n'
        '"path.handle" = "devopslinks"\n'
        '"path.username" = "fuzzer"\n'
    )
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}/api/schema/?format=json",
            "--url",
            live_server.url,
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            # A schema-valid cursor string is still refused when it was not issued by the API.
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            "25",
            "--workers",
            "1",
            "--seed",
            "1",
            "--request-timeout",
            "10",
            "--report",
            "junit",
            "--report-junit-path",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    summary = result.stdout[-6000:]
    print(summary)
    assert result.returncode == 0, summary + result.stderr[-2000:]
