"""Schemathesis fuzzes every endpoint of the live schema, authenticated with a write token, with
every check it has: no server error, every response as the schema says, every request the schema
calls valid accepted and every invalid one refused. The test command (and CI) runs seed 1, on
PostgreSQL and on SQLite, in about five minutes on PostgreSQL; `make fuzz` runs seeds 1, 2 and 3
(FAUN_FUZZ_SEEDS, docs/testing.md#fuzzing-with-more-seeds).

Test data the schema cannot invent is seeded the way Schemathesis documents it: path parameters
and tag slugs name rows that exist, and `cursor` is left empty, since a cursor is only valid when
the API issued it (a made-up one is rightly refused with 400).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.tokens import api_token_create
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.posts.factories import ChannelFactory, ChannelMembershipFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# Comma-separated seeds, each a run of its own: "1" unless set (`make fuzz` sets "1,2,3").
SEEDS = [int(seed) for seed in os.environ.get("FAUN_FUZZ_SEEDS", "1").split(",") if seed.strip()]

# A submission can be refused for rules no schema can state: a link or a text is needed, the link
# must be public and not posted in the last 30 days, the title must have letters beyond spaces,
# a comment must have more than spaces. Those answers are 400s with field errors; the positive
# check accepts them for these operations only.
CONTENT_RULES = '["2xx", "3xx", "400", "401", "403", "404", "409", "429"]'


def _config(
    *, post: str, own_post: str, tags: list[str], discussed: str, comment: str, own_comment: str
) -> str:
    tag_values = ", ".join(f'"{slug}"' for slug in tags)
    return f"""
[dictionaries.tags]
values = [{tag_values}]

[dictionaries.channels]
values = ["devopslinks"]

[dictionaries.comments]
values = ["{comment}"]

[parameters]
"path.short_id" = "{post}"
"path.slug" = "{tags[0]}"
"path.handle" = "devopslinks"
"path.username" = "other"
"query.cursor" = ""
"body.tags[*]" = {{ dictionary = "tags" }}
"body.channel" = {{ dictionary = "channels" }}
"body.parent" = {{ dictionary = "comments" }}

[[operations]]
include-name = ["PATCH /api/v1/posts/{{short_id}}/", "DELETE /api/v1/posts/{{short_id}}/"]
parameters = {{ "path.short_id" = "{own_post}" }}

# The discussion is on another post than the one the fuzzer (staff) removes through the API.
# /comments/{{short_id}}/ names a comment, not a post: someone else's to read and vote on, the
# fuzzer's own to edit and delete.
[[operations]]
include-name = [
    "GET /api/v1/posts/{{short_id}}/comments/",
    "POST /api/v1/posts/{{short_id}}/comments/",
]
parameters = {{ "path.short_id" = "{discussed}" }}

[[operations]]
include-name = [
    "GET /api/v1/comments/{{short_id}}/",
    "POST /api/v1/comments/{{short_id}}/vote/",
    "DELETE /api/v1/comments/{{short_id}}/vote/",
    "POST /api/v1/comments/{{short_id}}/flag/",
    "DELETE /api/v1/comments/{{short_id}}/flag/",
    "POST /api/v1/mod/comments/{{short_id}}/remove/",
    "POST /api/v1/mod/comments/{{short_id}}/restore/",
    "POST /api/v1/mod/comments/{{short_id}}/dismiss/",
]
parameters = {{ "path.short_id" = "{comment}" }}

[[operations]]
include-name = ["PATCH /api/v1/comments/{{short_id}}/", "DELETE /api/v1/comments/{{short_id}}/"]
parameters = {{ "path.short_id" = "{own_comment}" }}

[[operations]]
include-name = [
    "POST /api/v1/posts/",
    "PATCH /api/v1/posts/{{short_id}}/",
    "POST /api/v1/posts/{{short_id}}/comments/",
    "PATCH /api/v1/comments/{{short_id}}/",
]
checks.positive_data_acceptance.expected-statuses = {CONTENT_RULES}

# Moderation (docs/moderation.md): a flag or suggestion on a post the fuzzer removed is refused,
# a moderator's action on an item already in that state is a 409 (another moderator acted
# first), a reason or title of only spaces is the content rules' 400, and so is a merge into a
# story that does not exist (no schema names the posts there are).
[[operations]]
include-name = [
    "POST /api/v1/posts/{{short_id}}/flag/",
    "DELETE /api/v1/posts/{{short_id}}/flag/",
    "POST /api/v1/posts/{{short_id}}/suggestions/",
    "POST /api/v1/comments/{{short_id}}/flag/",
    "DELETE /api/v1/comments/{{short_id}}/flag/",
    "POST /api/v1/mod/posts/{{short_id}}/restore/",
    "POST /api/v1/mod/posts/{{short_id}}/dismiss/",
    "POST /api/v1/mod/posts/{{short_id}}/edit/",
    "POST /api/v1/mod/posts/{{short_id}}/merge/",
    "POST /api/v1/mod/comments/{{short_id}}/remove/",
    "POST /api/v1/mod/comments/{{short_id}}/restore/",
    "POST /api/v1/mod/comments/{{short_id}}/dismiss/",
    "POST /api/v1/mod/users/{{username}}/suspend/",
    "POST /api/v1/mod/users/{{username}}/reinstate/",
]
checks.positive_data_acceptance.expected-statuses = {CONTENT_RULES}
"""


@pytest.mark.parametrize("seed", SEEDS)
def test_schemathesis_finds_no_server_errors_or_schema_violations(
    live_server, settings, tmp_path, seed
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "100000/min",
            "user": "100000/min",
            "write": "100000/min",
        },
    }
    settings.POST_DAILY_LIMIT = 100000
    settings.DISCUSSION_DAILY_LIMIT = 100000
    # Staff, so that the moderator endpoints are reached too (non-staff 403s are tested
    # elsewhere), with the karma to flag and suggest edits.
    user = UserFactory(
        username="fuzzer", is_staff=True, karma=1000, date_joined=timezone.now().replace(2020)
    )
    other = UserFactory(username="other", date_joined=timezone.now().replace(2020))
    channel = ChannelFactory(handle="devopslinks")
    ChannelMembershipFactory(channel=channel, user=user)
    tags = [TagFactory(slug=slug) for slug in ("rust", "go", "linux", "kubernetes")]
    posts = [
        PostFactory(tags=tags[:2], channel=channel if index % 2 else None) for index in range(5)
    ]
    own = PostFactory(author=user, tags=tags[:1])
    # The fuzzer's comment and someone else's reply to it (so the fuzzer has a notification to
    # list and mark read).
    own_comment = CommentFactory(post=posts[1], author=user, body="The fuzzer's comment.")
    comment = CommentFactory(parent=own_comment, author=other, body="Someone else's reply.")
    token = api_token_create(user=user, name="fuzz", scope="write").secret
    report = tmp_path / "junit.xml"
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        _config(
            post=posts[0].short_id,
            own_post=own.short_id,
            tags=[tag.slug for tag in tags],
            discussed=posts[1].short_id,
            comment=comment.short_id,
            own_comment=own_comment.short_id,
        )
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
            "--max-examples",
            "25",
            "--workers",
            "1",
            "--seed",
            str(seed),
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
