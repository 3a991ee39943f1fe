"""The account pages as a visitor uses them: join, confirm, log in and out, reset a password,
edit the profile, change email and password, delete the account; and the bad paths."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from outbox.models import OutboundEmail
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db

PASSWORD = "violet-anchor-kettle-42"
FACTORY_PASSWORD = "correct-horse-battery-9"  # tests/factories.py


def link_in(message, prefix: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(prefix)}\S*/)", message.body)
    assert match, message.body
    return match.group(1)


def page(response) -> str:
    return response.content.decode()


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def sign_up(client, **overrides):
    data = {
        "username": "ada_l",
        "email": "ada@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return client.post(reverse("accounts:signup"), data | overrides)


def logged_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


# --- join and confirm --------------------------------------------------------------------------


def test_every_page_offers_join_to_visitors_and_settings_to_members(client):
    html = page(client.get(reverse("posts:home")))
    assert f'href="{reverse("accounts:signup")}">Join</a>' in html

    client.force_login(UserFactory())
    html = page(client.get(reverse("posts:home")))
    assert f'href="{reverse("accounts:settings")}">Settings</a>' in html
    assert ">Join</a>" not in html


def test_post_page_invites_visitors_to_create_an_account(client):
    post = PostFactory()
    html = page(client.get(post.get_absolute_url()))
    assert f'href="{reverse("accounts:signup")}">Create your account</a>' in html


def test_signup_page_states_the_username_and_password_rules(client):
    html = page(client.get(reverse("accounts:signup")))
    assert "3 to 30 letters, digits or underscores" in html
    assert "at least 10 characters" in html


def test_signup_prints_the_password_rules_once_under_plain_labels(client):
    html = page(client.get(reverse("accounts:signup")))
    assert html.count("at least 10 characters") == 1
    rules = html.index("at least 10 characters")
    assert html.index('for="id_password1"') < rules < html.index('for="id_password2"')
    labels = re.findall(r'<label for="id_\w+">([^<]*)</label>', html)
    assert labels == ["Username", "Email address", "Password", "Password again"]


def test_password_forms_print_the_rules_once_under_plain_labels(client):
    client.force_login(UserFactory())
    html = page(client.get(reverse("accounts:settings")))
    assert html.count("at least 10 characters") == 1
    for label in ("Current password", "New password", "New password again"):
        assert f">{label}</label>" in html
    assert "confirmation" not in html
    ours = r'<label for="id_(?:display_name|bio|website|new_email|\w*password\d?|confirm)">'
    assert not re.search(ours + r"[^<]*:</label>", html)  # no colon after Django's manner


def test_signup_sends_a_link_that_confirms_the_address_and_logs_in(client, delivered):
    with delivered():
        response = sign_up(client)

    assert response.status_code == 302
    assert response.url == reverse("accounts:signup_done")
    assert logged_in_user(client) is None
    assert "<strong>ada@example.com</strong>" in page(client.get(response.url))
    user = User.objects.get(username="ada_l")
    assert not user.is_verified
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]

    response = client.get(link_in(message, "/verify/"), follow=True)

    assert response.redirect_chain == [(reverse("posts:home"), 302)]
    assert logged_in_user(client) == user
    assert "Your email address is verified. Welcome to faun!" in page(response)
    user.refresh_from_db()
    assert user.is_verified


def test_signup_answers_the_same_whether_or_not_the_address_has_an_account(delivered):
    first, second = Client(), Client()
    with delivered():
        new = sign_up(first, username="ada_l", email="ada@example.com")
        known = sign_up(second, username="someone_else", email="ada@example.com")

    assert (new.status_code, new.url) == (known.status_code, known.url)
    assert without_csrf(page(first.get(new.url))) == without_csrf(page(second.get(known.url)))
    assert list(User.objects.values_list("username", flat=True)) == ["ada_l"]
    assert [m.subject for m in mail.outbox] == [
        "Confirm your email address for faun",
        "You already have a faun account",
    ]
    assert mail.outbox[1].to == ["ada@example.com"]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"email": "ada@"}, "Enter a valid email address."),
        ({"email": "a" * 250 + "@example.com"}, "at most 254 characters"),
        ({"email": ""}, "This field is required."),
        ({"username": "TAKEN_name"}, "That username is taken."),
        ({"username": "admin"}, "That username is reserved."),
        ({"username": "Root"}, "That username is reserved."),
        ({"username": "ada lovelace"}, "Use 3 to 30 letters, digits or underscores."),
        ({"username": "a" * 31}, "at most 30 characters"),
        ({"username": "x" * 5000}, "at most 30 characters"),
        ({"password1": "kettle-1", "password2": "kettle-1"}, "too short"),
        ({"password1": "password12345", "password2": "password12345"}, "too common"),
        ({"password1": "83746591028374", "password2": "83746591028374"}, "entirely numeric"),
        ({"password2": PASSWORD + "x"}, "The two passwords do not match."),
        ({"password1": "x" * 5000, "password2": "x" * 5000}, "at most 4096 characters"),
    ],
)
def test_signup_says_what_is_wrong_and_creates_nothing(client, overrides, error):
    UserFactory(username="taken_name")
    response = sign_up(client, **overrides)

    assert response.status_code == 200
    assert error in page(response)
    assert User.objects.count() == 1
    assert OutboundEmail.objects.count() == 0


def test_signup_page_sends_members_home(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:signup")).url == reverse("posts:home")


def test_used_expired_and_forged_confirmation_links_say_so(client, delivered, settings):
    with delivered():
        sign_up(client)
    link = link_in(mail.outbox[0], "/verify/")
    assert client.get(link).status_code == 302
    client.logout()

    used = client.get(link)
    assert used.status_code == 400
    assert "This link was already used." in page(used)

    forged = client.get(link[:-4] + "xyz/")
    assert forged.status_code == 400
    assert "This link is not valid." in page(forged)
    assert client.get(reverse("accounts:verify", args=["a" * 5000])).status_code == 400
    assert client.get(reverse("accounts:verify", args=["é:%00"])).status_code == 400

    settings.ACCOUNTS_VERIFY_LINK_MAX_AGE = -1
    User.objects.update(email_verified_at=None)
    expired = client.get(link)
    assert expired.status_code == 400
    assert "This link has expired." in page(expired)
    assert "Send me a new link" in page(expired)


def test_reopening_a_used_confirmation_link_while_logged_in_says_the_address_is_verified(
    client, delivered
):
    with delivered():
        sign_up(client)
    link = link_in(mail.outbox[0], "/verify/")
    assert client.get(link).status_code == 302  # confirmed, and logged in
    assert logged_in_user(client) is not None

    again = page(client.get(link))
    assert "Your email address, ada@example.com, is verified" in again
    assert "You can log in" not in again
    assert f'href="{reverse("accounts:login")}">Log in</a>' not in again
    assert f'class="button" href="{reverse("posts:home")}"' in again


# --- unverified accounts -----------------------------------------------------------------------


def test_unverified_members_can_log_in_and_are_asked_to_confirm(client):
    UserFactory(username="ada", email_verified_at=None)
    response = client.post(
        reverse("accounts:login"), {"username": "ada", "password": FACTORY_PASSWORD}, follow=True
    )
    assert logged_in_user(client).username == "ada"
    assert "Confirm your email address to post and vote" in page(response)
    assert not logged_in_user(client).is_verified


def test_resend_answers_the_same_for_any_address_and_emails_only_unverified_accounts(
    client, delivered
):
    UserFactory(email="pending@example.com", email_verified_at=None)
    UserFactory(email="verified@example.com")
    url = reverse("accounts:verify_resend")

    with delivered():
        responses = [
            client.post(url, {"email": address})
            for address in ("pending@example.com", "verified@example.com", "nobody@example.com")
        ]

    assert {(r.status_code, r.url) for r in responses} == {(302, reverse("accounts:signup_done"))}
    assert [m.to for m in mail.outbox] == [["pending@example.com"]]


def test_resend_is_rate_limited_alike_for_known_and_unknown_addresses(client, settings):
    settings.ACCOUNTS_EMAIL_LIMIT = 2
    UserFactory(email="pending@example.com", email_verified_at=None)
    url = reverse("accounts:verify_resend")
    for address in ("pending@example.com", "nobody@example.com"):
        codes = [client.post(url, {"email": address}).status_code for _ in range(3)]
        assert codes == [302, 302, 429]
    response = client.post(url, {"email": "pending@example.com"})
    assert "Too many emails asked for" in page(response)
    assert "Try again in 60 minutes." in page(response)
    assert OutboundEmail.objects.count() == 2


def test_resend_from_a_client_is_capped_across_addresses(client, settings):
    settings.ACCOUNTS_EMAIL_LIMIT = 2  # four per client address
    url = reverse("accounts:verify_resend")
    codes = [client.post(url, {"email": f"user{n}@example.com"}).status_code for n in range(5)]
    assert codes == [302, 302, 302, 302, 429]
    other = client.post(url, {"email": "user9@example.com"}, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 302


def test_unverified_member_asks_for_the_link_again_from_settings(client, delivered):
    user = UserFactory(email="ada@example.com", email_verified_at=None)
    client.force_login(user)
    assert "Send the link again" in page(client.get(reverse("accounts:settings")))

    with delivered():
        response = client.post(reverse("accounts:verify_resend"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:settings")
    assert "A new link is on its way to ada@example.com." in page(response)
    [message] = mail.outbox
    client.get(link_in(message, "/verify/"))
    user.refresh_from_db()
    assert user.is_verified


def test_member_asking_for_the_link_too_often_is_told_to_wait(client, settings):
    settings.ACCOUNTS_EMAIL_LIMIT = 1
    client.force_login(UserFactory(email_verified_at=None))
    assert client.post(reverse("accounts:verify_resend")).status_code == 302
    response = client.post(reverse("accounts:verify_resend"))
    assert response.status_code == 429
    assert "Too many emails asked for" in page(response)
    assert OutboundEmail.objects.count() == 1


def test_verified_member_is_told_there_is_nothing_to_resend(client):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:verify_resend"), follow=True)
    assert "already verified" in page(response)
    assert OutboundEmail.objects.count() == 0


def test_resend_form_says_what_is_wrong(client):
    response = client.post(reverse("accounts:verify_resend"), {"email": "nope"})
    assert response.status_code == 200
    assert "Enter a valid email address." in page(response)


# --- one allowance per mailbox, however the address is spelled --------------------------------

# Each reaches victim@example.com's mailbox. docs/accounts.md#rate-limits
VICTIM_SPELLINGS = [
    "victim@example.com",
    "victim+1@example.com",
    '"victim"@example.com',
    "VICTIM+2@Example.COM",
    '"victim+3"@EXAMPLE.com',
]


def _ask_for_email(client, view: str, address: str, n: int):
    """One request that emails `address`, from client address 10.0.0.<n>."""
    remote = {"REMOTE_ADDR": f"10.0.0.{n}"}
    if view == "signup":
        return sign_up(client, username=f"flood_{n}", email=address, **remote)
    if view == "email_change":
        client.force_login(User.objects.get(username="owner"))
        data = {"new_email": address, "password": FACTORY_PASSWORD}
        return client.post(reverse("accounts:email_change"), data, **remote)
    return client.post(reverse(f"accounts:{view}"), {"email": address}, **remote)


@pytest.mark.parametrize("view", ["signup", "verify_resend", "password_reset", "email_change"])
def test_email_limit_counts_every_spelling_of_a_mailbox(client, settings, view):
    settings.ACCOUNTS_EMAIL_LIMIT = 2
    UserFactory(username="owner", email="owner@example.com")
    UserFactory(username="victim", email="victim@example.com", email_verified_at=None)
    codes = [
        _ask_for_email(client, view, address, n).status_code
        for n, address in enumerate(VICTIM_SPELLINGS)
    ]
    assert codes == [302, 302, 429, 429, 429]
    assert OutboundEmail.objects.count() <= 2
    # Another mailbox at the same domain keeps its own allowance.
    assert _ask_for_email(client, view, "victor@example.com", 9).status_code == 302


# --- log in and out ----------------------------------------------------------------------------


def log_in(client, username="ada", password=FACTORY_PASSWORD, **extra):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, **extra
    )


def test_log_in_with_any_letter_case_and_log_out(client):
    UserFactory(username="ada")
    response = log_in(client, username="ADA")
    assert response.url == reverse("posts:home")
    assert logged_in_user(client).username == "ada"

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).url == reverse("posts:home")
    assert logged_in_user(client) is None


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/top/week/", "/top/week/"),
        ("https://evil.example/steal", "/"),
        ("//evil.example/steal", "/"),
        ("javascript:alert(1)", "/"),
        ("https://testserver.evil.example/", "/"),
    ],
)
def test_log_in_follows_next_only_within_this_site(client, next_url, lands_on):
    UserFactory(username="ada")
    response = client.post(
        reverse("accounts:login"),
        {"username": "ada", "password": FACTORY_PASSWORD, "next": next_url},
    )
    assert response.status_code == 302
    assert response.url == lands_on


def test_log_in_page_keeps_next_from_the_header_link(client):
    html = page(client.get(reverse("accounts:login") + "?next=/newest/"))
    assert 'name="next" value="/newest/"' in html


def test_wrong_password_says_so_without_logging_in(client):
    UserFactory(username="ada")
    response = log_in(client, password="not-the-password")
    assert response.status_code == 200
    assert "That username and password do not match an account." in page(response)
    assert logged_in_user(client) is None


def test_failed_log_ins_are_limited_per_account(client):
    UserFactory(username="ada")
    UserFactory(username="grace")
    for n in range(10):  # from ten different addresses: the account's own limit
        assert log_in(client, password="wrong", REMOTE_ADDR=f"10.0.0.{n}").status_code == 200

    blocked = log_in(client, REMOTE_ADDR="10.0.1.1")  # even with the right password
    assert blocked.status_code == 429
    assert "Too many failed log-ins. Try again in 15 minutes" in page(blocked)
    assert logged_in_user(client) is None
    assert log_in(client, username="GRACE", REMOTE_ADDR="10.0.1.1").status_code == 302


# Spellings of "kris" that some case-insensitive comparison equates with it: Kelvin sign
# (U+212A), long s (U+017F), dotless i (U+0131, PostgreSQL's UPPER makes it "I") and fullwidth
# letters. docs/accounts.md#rate-limits
KRIS_SPELLINGS = ["\u212aris", "kri\u017f", "kr\u0131s", "\uff4b\uff52\uff49\uff53", "KRIS"]


def test_failed_log_ins_count_against_one_account_in_every_spelling(client):
    UserFactory(username="kris")
    for n in range(10):  # two failures in each spelling, each from its own address
        spelling = KRIS_SPELLINGS[n % len(KRIS_SPELLINGS)]
        response = log_in(client, username=spelling, password="wrong", REMOTE_ADDR=f"10.0.0.{n}")
        assert response.status_code == 200

    for spelling in KRIS_SPELLINGS:  # the eleventh attempt is refused, whatever the spelling
        blocked = log_in(client, username=spelling, REMOTE_ADDR="10.0.1.1")
        assert blocked.status_code == 429
        assert "Too many failed log-ins" in page(blocked)
    assert logged_in_user(client) is None


@pytest.mark.parametrize(
    ("spelling", "logs_in"),
    [
        ("KRIS", True),
        ("\u212aris", True),  # Kelvin sign: NFKC makes it K, the same character
        ("kri\u017f", True),  # long s: NFKC makes it s
        ("\uff4b\uff52\uff49\uff53", True),  # fullwidth: NFKC makes it ASCII
        ("kr\u0131s", False),  # dotless i is another letter; only case mapping turns it into I
        ("kr\u0130s", False),  # dotted capital I, likewise
    ],
)
def test_log_in_name_matches_the_username_only_through_nfkc_and_ascii_case(
    client, spelling, logs_in
):
    UserFactory(username="kris")
    response = log_in(client, username=spelling)
    if logs_in:
        assert response.status_code == 302
        assert logged_in_user(client).username == "kris"
    else:
        assert response.status_code == 200
        assert "That username and password do not match an account." in page(response)
        assert logged_in_user(client) is None


def test_failed_log_ins_are_limited_per_client_address(client):
    UserFactory(username="ada")
    for n in range(10):  # ten different accounts, one address
        log_in(client, username=f"guess{n}", password="wrong", REMOTE_ADDR="10.0.0.1")

    assert log_in(client, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert log_in(client, REMOTE_ADDR="10.0.0.2").status_code == 302


def test_a_successful_log_in_clears_the_accounts_failures(client):
    UserFactory(username="ada")
    for n in range(9):
        log_in(client, password="wrong", REMOTE_ADDR=f"10.0.0.{n}")
    assert log_in(client, REMOTE_ADDR="10.0.1.1").status_code == 302
    client.logout()
    for n in range(9):
        log_in(client, password="wrong", REMOTE_ADDR=f"10.0.2.{n}")
    assert log_in(client, REMOTE_ADDR="10.0.3.1").status_code == 302


def test_client_address_comes_from_the_trusted_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="ada")
    for n in range(10):
        log_in(
            client,
            username=f"guess{n}",
            password="wrong",
            REMOTE_ADDR="10.0.0.254",  # the proxy
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.7",  # spoofed part, then the real one
        )
    blocked = log_in(client, REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert blocked.status_code == 429
    other = log_in(client, REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert other.status_code == 302


def test_over_long_log_in_input_is_an_error_not_a_crash(client):
    response = log_in(client, username="x" * 5000, password="y" * 5000)
    assert response.status_code == 200
    assert "at most" in page(response)


# --- password reset ----------------------------------------------------------------------------


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, delivered):
    UserFactory(email="ada@example.com")
    url = reverse("accounts:password_reset")
    with delivered():
        known = client.post(url, {"email": "ADA@example.com"})
        unknown = client.post(url, {"email": "nobody@example.com"})
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert known.url == reverse("accounts:password_reset_done")
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]


def test_password_reset_email_goes_through_the_outbox_after_the_request(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="ada@example.com")
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("accounts:password_reset"), {"email": "ada@example.com"})
    assert mail.outbox == []  # the request only wrote the outbox row
    email = OutboundEmail.objects.get()
    assert email.status == "pending"
    for callback in callbacks:
        callback()
    email.refresh_from_db()
    assert email.status == "sent"
    assert len(mail.outbox) == 1


def test_password_reset_link_sets_a_new_password_once(client, delivered):
    user = UserFactory(username="ada", email="ada@example.com", email_verified_at=None)
    with delivered():
        client.post(reverse("accounts:password_reset"), {"email": "ada@example.com"})
    link = link_in(mail.outbox[0], "/password/reset/")

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in page(form_page)
    form_url = form_page.redirect_chain[-1][0]

    weak = client.post(form_url, {"new_password1": "kettle", "new_password2": "kettle"})
    assert "too short" in page(weak)
    mismatch = client.post(form_url, {"new_password1": PASSWORD, "new_password2": "other"})
    assert "The two password fields didn" in page(mismatch)

    done = client.post(
        form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD}, follow=True
    )
    assert "Your new password is set" in page(done)
    assert logged_in_user(client) == user
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert user.is_verified  # the link proved the address

    client.logout()
    reused = client.get(link)
    assert reused.status_code == 400
    assert "This link is not valid" in page(reused)


def test_forged_password_reset_links_are_refused(client):
    response = client.get(
        reverse("accounts:password_reset_confirm", args=["MQ", "bad-token"]), follow=True
    )
    assert response.status_code == 400
    assert "This link is not valid" in page(response)
    long = reverse("accounts:password_reset_confirm", args=["x" * 3000, "y" * 3000])
    assert client.get(long, follow=True).status_code == 400


def test_password_reset_requests_are_rate_limited(client, settings):
    settings.ACCOUNTS_EMAIL_LIMIT = 1
    url = reverse("accounts:password_reset")
    assert client.post(url, {"email": "ada@example.com"}).status_code == 302
    limited = client.post(url, {"email": "ada@example.com"})
    assert limited.status_code == 429
    assert "Too many emails asked for" in page(limited)


def test_password_reset_form_says_what_is_wrong(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nope"})
    assert response.status_code == 200
    assert "Enter a valid email address." in page(response)


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["settings", "email_change", "password_change", "delete", "verify_resend"]
)
def test_settings_pages_need_a_log_in(client, name):
    response = client.post(reverse(f"accounts:{name}"))
    if name == "verify_resend":  # open to visitors: it asks for an address
        assert response.status_code == 200
        return
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")


def test_settings_page_has_every_section(client):
    client.force_login(UserFactory(email="ada@example.com"))
    html = page(client.get(reverse("accounts:settings")))
    for heading in ("Profile", "Email address", "Password", "Delete your account"):
        assert f">{heading}</h2>" in html
    assert "<strong>ada@example.com</strong> (confirmed)" in html


def test_profile_edit_shows_on_the_profile_page(client):
    user = UserFactory(username="ada")
    client.force_login(user)
    response = client.post(
        reverse("accounts:settings"),
        {
            "display_name": "Ada Lovelace",
            "bio": "Notes on the\nAnalytical Engine.",
            "website": "https://ada.example.org",
        },
        follow=True,
    )
    assert "Your profile is saved." in page(response)

    html = page(client.get(user.get_absolute_url()))
    assert "<h1>Ada Lovelace <span" in html
    assert "Notes on the<br>Analytical Engine." in html
    assert 'href="https://ada.example.org" rel="nofollow noopener ugc me"' in html


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("display_name", "x" * 81, "at most 80 characters"),
        ("bio", "x" * 1001, "at most 1000 characters"),
        ("website", "javascript:alert(1)", "Enter a valid URL."),
        ("website", "ftp://ada.example.org/", "Enter a valid URL."),
        ("website", "https://" + "a" * 300 + ".org", "at most 300 characters"),
    ],
)
def test_profile_edit_says_what_is_wrong_and_saves_nothing(client, field, value, error):
    user = UserFactory(display_name="Ada")
    client.force_login(user)
    data = {"display_name": "Changed", "bio": "", "website": ""} | {field: value}
    response = client.post(reverse("accounts:settings"), data)
    assert response.status_code == 200
    assert error in page(response)
    user.refresh_from_db()
    assert user.display_name == "Ada"


def test_email_change_waits_for_the_new_address_to_confirm(client, delivered):
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    with delivered():
        response = client.post(
            reverse("accounts:email_change"),
            {"new_email": "ada@new.example", "password": FACTORY_PASSWORD},
            follow=True,
        )
    assert "We sent a link to ada@new.example." in page(response)
    user.refresh_from_db()
    assert user.email == "ada@example.com"
    [message] = mail.outbox
    assert message.to == ["ada@new.example"]

    with delivered():
        response = client.get(link_in(message, "/settings/email/confirm/"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:settings")
    assert "Your email address is now ada@new.example." in page(response)
    user.refresh_from_db()
    assert user.email == "ada@new.example"
    assert mail.outbox[1].to == ["ada@example.com"]  # the old address is told


def test_email_change_to_a_taken_address_answers_the_same(client, delivered):
    UserFactory(email="grace@example.com")
    client.force_login(UserFactory(email="ada@example.com"))
    with delivered():
        response = client.post(
            reverse("accounts:email_change"),
            {"new_email": "grace@example.com", "password": FACTORY_PASSWORD},
            follow=True,
        )
    assert "We sent a link to grace@example.com." in page(response)
    [message] = mail.outbox
    assert "/settings/email/confirm/" not in message.body


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"new_email": "new@example.com", "password": "wrong"}, "That is not your current"),
        ({"new_email": "ADA@example.com", "password": FACTORY_PASSWORD}, "already your email"),
        ({"new_email": "new@", "password": FACTORY_PASSWORD}, "Enter a valid email address."),
        ({"new_email": "", "password": ""}, "This field is required."),
    ],
)
def test_email_change_says_what_is_wrong(client, data, error):
    client.force_login(UserFactory(email="ada@example.com"))
    response = client.post(reverse("accounts:email_change"), data)
    assert response.status_code == 200
    assert error in page(response)
    assert OutboundEmail.objects.count() == 0


def test_bad_email_change_links_say_so(client):
    response = client.get(reverse("accounts:email_change_confirm", args=["forged:token:x"]))
    assert response.status_code == 400
    assert "This link is not valid." in page(response)


def test_password_change_keeps_this_session_and_the_new_password_works(client):
    user = UserFactory(username="ada")
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": FACTORY_PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
        follow=True,
    )
    assert "Your password is changed." in page(response)
    assert logged_in_user(client) == user
    assert log_in(Client(), password=PASSWORD).status_code == 302
    assert log_in(Client(), password=FACTORY_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"old_password": "wrong", "new_password1": PASSWORD, "new_password2": PASSWORD}, "old"),
        (
            {"old_password": FACTORY_PASSWORD, "new_password1": PASSWORD, "new_password2": "x"},
            "The two password fields didn",
        ),
        (
            {"old_password": FACTORY_PASSWORD, "new_password1": "short", "new_password2": "short"},
            "too short",
        ),
    ],
)
def test_password_change_says_what_is_wrong(client, data, error):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:password_change"), data)
    assert response.status_code == 200
    assert error in page(response)


def test_delete_account_keeps_posts_as_by_a_deleted_user(client):
    user = UserFactory(username="ada")
    post = PostFactory(author=user, title="Still here after Ada leaves")
    client.force_login(user)

    response = client.post(
        reverse("accounts:delete"),
        {"password": FACTORY_PASSWORD, "confirm": "on"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("accounts:delete_done"), 302)]
    assert "Your account is deleted" in page(response)
    assert logged_in_user(client) is None
    assert not User.objects.filter(username="ada").exists()
    html = page(client.get(post.get_absolute_url()))
    assert "Still here after Ada leaves" in html
    assert "deleted user" in html
    assert client.get(reverse("posts:profile", args=["ada"])).status_code == 404


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"password": "wrong", "confirm": "on"}, "That is not your current password."),
        ({"password": FACTORY_PASSWORD}, "This field is required."),
    ],
)
def test_delete_account_says_what_is_wrong_and_deletes_nothing(client, data, error):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:delete"), data)
    assert response.status_code == 200
    assert error in page(response)
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_account_needs_a_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:delete")).status_code == 405


# --- profile -----------------------------------------------------------------------------------


def test_profile_page_shows_the_member_and_their_posts(client):
    user = UserFactory(
        username="ada", display_name="Ada Lovelace", bio="Engines.", website="https://ada.dev"
    )
    PostFactory(author=user, title="Notes on the Analytical Engine")
    html = page(client.get(reverse("posts:profile", args=["ada"])))
    assert "Ada Lovelace" in html
    assert "Engines." in html
    assert 'href="https://ada.dev"' in html
    assert "Notes on the Analytical Engine" in html
    assert "Edit your profile" not in html

    client.force_login(user)
    assert "Edit your profile" in page(client.get(reverse("posts:profile", args=["ada"])))


def test_unknown_profile_is_a_404(client):
    assert client.get(reverse("posts:profile", args=["nobody"])).status_code == 404


# --- no 500s -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "signup",
        "login",
        "verify_resend",
        "password_reset",
        "settings",
        "email_change",
        "password_change",
        "delete",
    ],
)
@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": ["a", "b"], "email": ["x@example.com", "y"], "password": "\x00"},
        {"email": "\x00@example.com", "new_email": "a\x00b@example.com", "confirm": "maybe"},
    ],
)
def test_odd_form_input_never_crashes(client, name, data):
    client.force_login(UserFactory())
    assert client.post(reverse(f"accounts:{name}"), data).status_code < 500
    client.logout()
    assert client.post(reverse(f"accounts:{name}"), data).status_code < 500
