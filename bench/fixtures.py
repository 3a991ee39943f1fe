"""What the load scenarios need from the benchmark database, made idempotently on every run:
a logged-in reader (a session row and its cookie), a voter with a write-scope API token, and the
URLs to hit (the hottest post's page, the post with bench/datagen.py's 500-comment thread, a tag,
page N of /newest/ and the posts to vote on).

Runs inside run.py's process, after Django is set up on the benchmark database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count, F
from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.models import ApiToken, User
from accounts.tokens import api_token_create
from bench.prepare import META_TABLE
from core.pagination import encode_cursor
from discussion.models import CommentVote
from posts.models import Channel, Follow, Post, SavedPost, Tag, Vote
from posts.ranking import hotness
from posts.selectors.core import ORDERINGS
from posts.selectors.feeds import feed_list
from posts.services.follows import follow_add, hidden_tag_add
from posts.services.search import post_search_reindex

READER = "synth1"  # a synthetic user: ~50 votes scattered over the data set, like a real reader
VOTER = "benchvoter"  # votes only during the vote scenario; its votes are undone afterwards
QUIET_READER = "benchquiet"  # follows one author who posted about ten times: My feed, sparse
TOKEN_NAME = "bench"  # noqa: S105 - a label, not a secret


@dataclass(frozen=True)
class Targets:
    session_key: str
    csrf_token: str
    token: str
    quiet_session_key: str
    post_url: str
    tag_slug: str
    median_tag_slug: str
    channel_handle: str
    author_username: str
    page_size: int
    deep_page: int
    newest_cursor: str | None
    vote_ids_file: Path
    vote_posts: int
    search_word: str = "kubernetes"
    thread_url: str = ""  # empty when the data set has no THREAD_SIZE-comment thread
    thread_comments: int = 0
    thread_reader_votes: int = 0

    @property
    def cookie(self) -> str:
        return f"sessionid={self.session_key}; csrftoken={self.csrf_token}"

    @property
    def quiet_cookie(self) -> str:
        return f"sessionid={self.quiet_session_key}; csrftoken={self.csrf_token}"


def _reader() -> User:
    reader = User.objects.filter(username=READER).first()
    if reader is None:
        raise RuntimeError(f"{READER} is missing: is this a bench/datagen.py database?")
    return reader


def session_for(user: User) -> str:
    """A logged-in session as django.contrib.auth.login() would store it, in the site's session
    engine and naming its authentication backend: a session naming a backend the site does not
    use is an anonymous visitor's, and the logged-in scenarios would measure anonymous pages."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.set_expiry(7 * 24 * 3600)
    session.create()
    return session.session_key


def _voter_token() -> str:
    voter, _ = User.objects.get_or_create(
        username=VOTER,
        defaults={
            "email": f"{VOTER}@synthetic.faun.localhost",
            "email_verified_at": timezone.now(),  # the API lets verified users write
            "password": make_password(None),
        },
    )
    # One active bench token at a time (accounts caps active tokens per user).
    ApiToken.objects.filter(user=voter, name=TOKEN_NAME, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return api_token_create(user=voter, name=TOKEN_NAME, scope=ApiToken.Scope.WRITE).secret


def _deep_cursor(page: int, page_size: int) -> str | None:
    """The cursor a reader holds after clicking "More" page - 1 times on /newest/: the keyset
    value of the last row of page - 1, found by position in (published_at, id) order."""
    if page <= 1:
        return None
    ordering = ORDERINGS["newest"]
    last_of_previous = (
        Post.objects.filter(status=Post.Status.PUBLISHED)
        .order_by(*ordering.order_by)
        .only("id", "published_at")[(page - 1) * page_size - 1]
    )
    return encode_cursor(ordering, last_of_previous)


def prepare(
    *, work_dir: Path, page_size: int = 25, deep_page: int = 400, vote_posts: int = 20_000
) -> Targets:
    """Make the reader's session, the voter's token and the scenario URLs; undo old bench votes."""
    work_dir.mkdir(parents=True, exist_ok=True)
    votes_undo()
    reader = _reader()
    published = Post.objects.filter(status=Post.Status.PUBLISHED)
    total = published.count()
    deep_page = max(1, min(deep_page, total // page_size))
    hot = feed_list(viewer=None, order="hot", page_size=page_size).items
    # The reader has saved a few posts on the first page and a hundred older ones.
    saved = [post.pk for post in hot[:3]]
    saved += list(published.order_by("-id").values_list("pk", flat=True)[1000:1100])
    SavedPost.objects.bulk_create(
        [SavedPost(user=reader, post_id=pk) for pk in saved], ignore_conflicts=True
    )
    tags = list(
        Tag.objects.annotate(n=Count("posts")).order_by("-n", "slug").values_list("slug", "n")
    )
    top_post = hot[0]
    _follow_for_my_feed(reader=reader, tag_slugs=[slug for slug, _ in tags], author=top_post.author)
    _search_index_missing()
    vote_ids = list(published.order_by("-id").values_list("short_id", flat=True)[:vote_posts])
    vote_ids_file = work_dir / "vote_ids.txt"
    vote_ids_file.write_text("\n".join(vote_ids) + "\n")
    with_channel = top_post if top_post.channel else published.filter(channel__isnull=False).first()
    thread = _thread_post()
    return Targets(
        session_key=session_for(reader),
        csrf_token=get_random_string(32, CSRF_ALLOWED_CHARS),
        token=_voter_token(),
        quiet_session_key=session_for(quiet_reader()),
        post_url=top_post.get_absolute_url(),
        tag_slug=tags[0][0],
        median_tag_slug=tags[len(tags) // 2][0],
        channel_handle=with_channel.channel.handle if with_channel else "",
        author_username=top_post.author.username,
        page_size=page_size,
        deep_page=deep_page,
        newest_cursor=_deep_cursor(deep_page, page_size),
        vote_ids_file=vote_ids_file,
        vote_posts=len(vote_ids),
        thread_url=thread.get_absolute_url() if thread else "",
        thread_comments=thread.comments.count() if thread else 0,
        thread_reader_votes=(
            CommentVote.objects.filter(user=reader, comment__post=thread).count() if thread else 0
        ),
    )


def _thread_post() -> Post | None:
    """The post bench/datagen.py gave exactly THREAD_SIZE comments (its id is in the database's
    bench_meta), or None when the data set has fewer comments than that."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT value->>'thread_post_id' FROM {META_TABLE} WHERE key = 'dataset'"  # noqa: S608
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return Post.objects.get(pk=int(row[0]))


def _follow_for_my_feed(*, reader: User, tag_slugs: list[str], author: User) -> None:
    """The reader follows a mid-size tag, a channel and an author, and hides one tag, so My feed
    exercises every filter it has."""
    if len(tag_slugs) < 3:
        return
    follow_add(user=reader, target=Tag.objects.get(slug=tag_slugs[len(tag_slugs) // 4]))
    channel = Channel.objects.order_by("handle").first()
    if channel is not None:
        follow_add(user=reader, target=channel)
    if author.pk != reader.pk:
        follow_add(user=reader, target=author)
    hidden_tag_add(user=reader, tag=Tag.objects.get(slug=tag_slugs[-1]))


def quiet_reader() -> User:
    """A reader who follows one author with 5 to 15 posts and nothing else: My feed from the
    follows' own indexes (posts.selectors.discovery._followed), whatever the site's size."""
    reader, _ = User.objects.get_or_create(
        username=QUIET_READER,
        defaults={
            "email": f"{QUIET_READER}@synthetic.faun.localhost",
            "email_verified_at": timezone.now(),
            "password": make_password(None),
        },
    )
    if not Follow.objects.filter(user=reader).exists():
        author_id = (
            Post.objects.filter(author__isnull=False)
            .values("author_id")
            .annotate(n=Count("id"))
            .filter(n__gte=5, n__lte=15)
            .order_by("author_id")
            .values_list("author_id", flat=True)
            .first()
        )
        if author_id is not None:
            follow_add(user=reader, target=User.objects.get(pk=author_id))
    return reader


def _search_index_missing() -> None:
    """COPY-loaded posts have no search document yet: build the missing ones (once per database)."""
    missing = Post.objects.filter(search_vector__isnull=True)
    if missing.exists():
        started = time.monotonic()
        count = post_search_reindex(queryset=missing, batch_size=20_000)
        # The planner's statistics still say every document is NULL: without them it expects
        # one match for any word and ranks a common word's every match (docs/search.md).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE posts_post")
        print(f"» search documents built for {count:,} posts in {time.monotonic() - started:.0f} s")


@transaction.atomic
def votes_undo() -> int:
    """Remove the voter's votes and give their posts back the score and hotness they had, so a
    reused database stays as generated. Returns how many votes were removed."""
    voter = User.objects.filter(username=VOTER).first()
    if voter is None:
        return 0
    post_ids = list(Vote.objects.filter(user=voter).values_list("post_id", flat=True))
    if not post_ids:
        return 0
    Vote.objects.filter(user=voter).delete()
    Post.objects.filter(pk__in=post_ids).update(score=F("score") - 1)
    posts = list(Post.objects.filter(pk__in=post_ids).only("id", "score", "published_at"))
    for post in posts:
        post.hotness = hotness(score=post.score, published_at=post.published_at)
    Post.objects.bulk_update(posts, ["hotness"], batch_size=1000)
    return len(post_ids)
