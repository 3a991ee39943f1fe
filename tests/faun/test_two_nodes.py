"""Two web nodes (docs/operations.md#scaling-out): two gunicorn processes on two loopback ports,
production settings, one PostgreSQL and one Redis. A session made on node A works on node B, a
vote on A shows on B at once, the page cache and the log-in limit are shared, and both nodes
serve fingerprinted static files with long cache headers."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest

from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory
from tests.service_fixtures import ROOT, free_port, service_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "violet-anchor-kettle-42"
SECRET_KEY = "two-nodes-" + "k" * 60
PUBLIC_HOST = "faun.test"


class Node:
    """One gunicorn on a free loopback port, with a client that keeps its own cookies. Requests
    come as a load balancer forwards them: the site's public host name (the same for both
    nodes) and `X-Forwarded-Proto: https`; the site's cookies are Secure in production, so they
    are sent by hand over the plain HTTP between balancer and node."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.name, self.port = name, free_port()
        self.log_path = log_dir / f"gunicorn-{name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "faun.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.3)
        raise AssertionError(f"node {name} did not start: {self.log_path.read_text()[-2000:]}")

    def request(self, method: str, path: str, cookies: dict[str, str], **kwargs) -> httpx.Response:
        origin = f"https://{PUBLIC_HOST}"
        headers = {
            "Host": PUBLIC_HOST,
            "X-Forwarded-Proto": "https",
            "Origin": origin,
            "Referer": origin + path,
            **kwargs.pop("headers", {}),
        }
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        response = self.client.request(method, path, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                cookies[name] = morsel.value
        return response

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def nodes(settings, tmp_path) -> Iterator[tuple[Node, Node]]:
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    env = service_env(
        redis_url=settings.REDIS_URL,
        smtp_port=None,
        DJANGO_ENV="production",
        DEBUG="false",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS=f"127.0.0.1,{PUBLIC_HOST}",
        SECURE_SSL_REDIRECT="false",
        CACHE_URL=settings.REDIS_URL,
        STATIC_ROOT=str(tmp_path / "static"),
        ACCOUNTS_LOGIN_FAILURE_LIMIT="3",
        LOG_LEVEL="WARNING",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    started: list[Node] = []
    try:
        started.append(Node("a", env, tmp_path))
        started.append(Node("b", env, tmp_path))
        yield started[0], started[1]
    finally:
        for node in started:
            node.stop()


def log_in(node: Node, cookies: dict[str, str], username: str, password: str) -> httpx.Response:
    node.request("GET", "/login/", cookies)
    return node.request(
        "POST",
        "/login/",
        cookies,
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": cookies.get("csrftoken", ""),
        },
    )


def test_two_nodes_share_sessions_votes_the_page_cache_and_the_log_in_limit(nodes, argon2_hasher):
    a, b = nodes
    reader = UserFactory(username="reader")
    reader.set_password(PASSWORD)  # with Argon2, as the nodes' production settings check it
    reader.save()
    post = PostFactory(title="A story on two nodes")

    # A session made on A works on B.
    cookies: dict[str, str] = {}
    assert log_in(a, cookies, "reader", PASSWORD).status_code == 302
    assert "sessionid" in cookies
    settings_page = b.request("GET", "/settings/", cookies)
    assert settings_page.status_code == 200, settings_page.headers.get("location")
    assert "reader" in settings_page.text

    # A vote on A shows on B at once, for the reader who cast it.
    vote = a.request(
        "POST",
        f"/p/{post.short_id}/-/vote/",
        cookies,
        data={"action": "up", "csrfmiddlewaretoken": cookies["csrftoken"]},
    )
    assert vote.status_code in (302, 303), vote.status_code
    page_on_b = b.request("GET", post.get_absolute_url(), cookies).text
    assert re.search(r'aria-pressed="true".*?class="post-row__points">1<', page_on_b, re.S)

    # The page cache is shared: a visitor's page cached by A is served by B.
    assert a.request("GET", "/newest/", {}).headers["X-Cache"] == "miss"
    assert b.request("GET", "/newest/", {}).headers["X-Cache"] == "hit"

    # The log-in limit is shared: failures on A lock the account on B too.
    for _ in range(3):
        assert log_in(a, {}, "reader", "wrong-password-1").status_code == 200
    locked = log_in(b, {}, "reader", PASSWORD)
    assert locked.status_code in (200, 429)
    assert "sessionid" not in locked.headers.get("set-cookie", "")
    assert "Too many" in locked.text or "try again" in locked.text.lower()


def test_both_nodes_serve_fingerprinted_static_files_for_a_year(nodes):
    for node in nodes:
        home = node.request("GET", "/", {}).text
        (stylesheet,) = re.findall(r'href="(/static/css/faun\.[0-9a-f]{12}\.css)"', home)
        response = node.request("GET", stylesheet, {})
        assert response.status_code == 200
        assert "max-age=315360000" in response.headers["Cache-Control"]
        assert "immutable" in response.headers["Cache-Control"]
