"""Account rules: sign-up, verification links, email and password changes, deletion."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from accounts.services import (
    RESERVED_USERNAMES,
    InvalidLink,
    email_change_confirm,
    email_change_request,
    password_reset_request,
    user_delete,
    user_password_change,
    user_profile_update,
    user_signup,
    user_verify,
    verification_resend,
    verification_token_make,
)
from outbox.models import OutboundEmail
from posts.models import Post, Vote
from posts.services.voting import vote_cast
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db

PASSWORD = "violet-anchor-kettle-42"


def link_in(message, pattern: str) -> str:
    match = re.search(rf"https?://[^/\s]+({pattern}[^\s]*/)", message.body)
    assert match, message.body
    return match.group(1)


def token_from(message, prefix: str) -> str:
    return link_in(message, prefix).removeprefix(prefix).rstrip("/")


def signup(**overrides) -> User | None:
    return user_signup(
        **({"username": "ada_l", "email": "ada@example.com", "password": PASSWORD} | overrides)
    )


# --- sign-up -----------------------------------------------------------------------------------


def test_signup_creates_an_unverified_account_with_argon2_and_emails_a_link(
    delivered, argon2_hasher
):
    with delivered():
        user = signup(email="Ada@EXAMPLE.com")

    assert user is not None
    assert not user.is_verified
    assert user.email == "Ada@example.com"  # the domain is normalized, the local part kept
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(PASSWORD)
    [message] = mail.outbox
    assert message.to == ["Ada@example.com"]
    assert message.subject == "Confirm your email address for faun"
    assert "/verify/" in message.body
    assert "works once, for 3 days" in message.body


def test_signup_with_a_known_address_creates_nothing_and_tells_the_owner(delivered):
    owner = UserFactory(username="grace", email="grace@example.com")
    with delivered():
        result = signup(username="newname", email="GRACE@example.com")

    assert result is None
    assert not User.objects.filter(username="newname").exists()
    [message] = mail.outbox
    assert message.to == ["grace@example.com"]
    assert message.subject == "You already have a faun account"
    assert "your username is grace" in message.body
    assert reverse("accounts:password_reset") in message.body
    assert owner.username in message.alternatives[0][0]


@pytest.mark.parametrize(
    ("username", "error"),
    [
        ("admin", "reserved"),
        ("Admin", "reserved"),
        ("API", "reserved"),
        ("static", "reserved"),
        ("settings", "reserved"),
        ("ab", "3 to 30"),
        ("a" * 31, "3 to 30"),
        ("ada lovelace", "3 to 30"),
        ("ada-l", "3 to 30"),
        ("adé", "3 to 30"),
        ("TAKEN_name", "taken"),
    ],
)
def test_signup_refuses_usernames_that_break_the_rules(username, error):
    UserFactory(username="taken_name")
    with pytest.raises(ValidationError) as excinfo:
        signup(username=username)
    assert error in " ".join(excinfo.value.message_dict["username"])
    assert User.objects.count() == 1
    assert OutboundEmail.objects.count() == 0


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("short-pw", "too short"),
        ("password12345", "too common"),
        ("38475629104857", "entirely numeric"),
        ("example.com1", "too similar"),
    ],
)
def test_signup_refuses_weak_passwords(password, error):
    with pytest.raises(ValidationError) as excinfo:
        signup(password=password)
    assert error in " ".join(excinfo.value.message_dict["password1"])
    assert User.objects.count() == 0
    assert OutboundEmail.objects.count() == 0


@pytest.mark.parametrize("email", ["not-an-address", "ada@", "a" * 250 + "@example.com"])
def test_signup_refuses_invalid_addresses(email):
    with pytest.raises(ValidationError) as excinfo:
        signup(email=email)
    assert "email" in excinfo.value.message_dict
    assert User.objects.count() == 0


def test_rolled_back_signup_leaves_no_account_and_sends_nothing(delivered):
    def failing_request():
        with transaction.atomic():
            signup()
            raise RuntimeError("something later in the request failed")

    with delivered() as callbacks, pytest.raises(RuntimeError):
        failing_request()
    assert callbacks == []
    assert User.objects.count() == 0
    assert OutboundEmail.objects.count() == 0
    assert mail.outbox == []


def test_reserved_names_cover_the_site_urls():
    for name in ("admin", "api", "static", "media", "feeds", "u", "t", "p", "login", "logout"):
        assert name in RESERVED_USERNAMES
    for name in ("signup", "settings", "about", "healthz", "root", "support", "help", "www"):
        assert name in RESERVED_USERNAMES
    assert "mail" in RESERVED_USERNAMES
    assert "faun" in RESERVED_USERNAMES


# --- verification ------------------------------------------------------------------------------


def test_verification_link_verifies_once(delivered):
    with delivered():
        user = signup()
    token = token_from(mail.outbox[0], "/verify/")

    verified = user_verify(token=token)

    assert verified.pk == user.pk
    assert verified.is_verified
    with pytest.raises(InvalidLink) as excinfo:
        user_verify(token=token)
    assert excinfo.value.reason == "used"


def test_resent_links_all_stop_working_once_one_is_used(delivered):
    with delivered():
        user = signup()
        verification_resend(email="ADA@example.com")
    first, second = (token_from(m, "/verify/") for m in mail.outbox)
    user_verify(token=second)
    with pytest.raises(InvalidLink):
        user_verify(token=first)
    user.refresh_from_db()
    assert user.is_verified


def test_expired_verification_link_is_refused(monkeypatch, settings):
    user = UserFactory(email_verified_at=None)
    past = time.time() - settings.ACCOUNTS_VERIFY_LINK_MAX_AGE - 60
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: past))
    token = verification_token_make(user=user)
    monkeypatch.undo()

    with pytest.raises(InvalidLink) as excinfo:
        user_verify(token=token)
    assert excinfo.value.reason == "expired"
    user.refresh_from_db()
    assert not user.is_verified


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: "garbage",
        lambda token: "",
        lambda token: token + "x" * 2000,
        lambda token: signing.dumps({"u": 1, "s": "forged"}, salt="accounts.email-verify"),
        lambda token: signing.dumps("not-a-dict", salt="accounts.email-verify"),
        lambda token: signing.dumps({"u": "1", "s": "x"}, salt="accounts.email-verify"),
    ],
)
def test_forged_verification_links_are_refused(tamper):
    user = UserFactory(email_verified_at=None)
    token = verification_token_make(user=user)
    with pytest.raises(InvalidLink) as excinfo:
        user_verify(token=tamper(token))
    assert excinfo.value.reason == "invalid"
    user.refresh_from_db()
    assert not user.is_verified


def test_a_verification_link_for_an_old_address_is_refused():
    user = UserFactory(email="old@example.com", email_verified_at=None)
    token = verification_token_make(user=user)
    User.objects.filter(pk=user.pk).update(email="new@example.com")
    with pytest.raises(InvalidLink) as excinfo:
        user_verify(token=token)
    assert excinfo.value.reason == "invalid"


def test_an_email_change_link_is_not_a_verification_link(delivered):
    user = UserFactory(email_verified_at=None)
    with delivered():
        email_change_request(user=user, new_email="new@example.com")
    token = token_from(mail.outbox[0], "/settings/email/confirm/")
    with pytest.raises(InvalidLink):
        user_verify(token=token)


def test_resend_only_emails_unverified_accounts(delivered):
    UserFactory(email="verified@example.com")
    UserFactory(email="pending@example.com", email_verified_at=None)
    with delivered():
        assert verification_resend(email="nobody@example.com") is None
        assert verification_resend(email="verified@example.com") is None
        assert verification_resend(email=" Pending@example.com ") is not None
    assert [m.to for m in mail.outbox] == [["pending@example.com"]]


def test_is_verified_follows_email_verified_at():
    assert UserFactory().is_verified
    assert not UserFactory(email_verified_at=None).is_verified


# --- profile, email, password ------------------------------------------------------------------


def test_profile_update_saves_the_public_fields():
    user = UserFactory()
    user_profile_update(
        user=user, display_name=" Ada L. ", bio="Writes compilers.", website="https://ada.dev"
    )
    user.refresh_from_db()
    assert (user.display_name, user.bio, user.website) == (
        "Ada L.",
        "Writes compilers.",
        "https://ada.dev",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"display_name": "x" * 81}, "display_name"),
        ({"bio": "x" * 1001}, "bio"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "ftp://ada.dev/"}, "website"),
        ({"website": "https://" + "a" * 300 + ".dev"}, "website"),
        ({"display_name": "Ada\x00"}, "display_name"),
        ({"display_name": "Ada\nLovelace"}, "display_name"),
        ({"bio": "Writes\x1bcompilers."}, "bio"),
        ({"website": "https://ada.dev/\x7f"}, "website"),
    ],
)
def test_profile_update_refuses_bad_values(fields, field):
    user = UserFactory(display_name="Ada")
    with pytest.raises(ValidationError) as excinfo:
        user_profile_update(
            user=user, **({"display_name": "Ada", "bio": "", "website": ""} | fields)
        )
    assert field in excinfo.value.message_dict
    user.refresh_from_db()
    assert user.display_name == "Ada"


def test_email_change_verifies_the_new_address_before_switching(delivered):
    user = UserFactory(email="old@example.com")
    with delivered():
        email_change_request(user=user, new_email="New@Example.com")
    [message] = mail.outbox
    assert message.to == ["New@example.com"]
    user.refresh_from_db()
    assert user.email == "old@example.com"

    token = token_from(message, "/settings/email/confirm/")
    with delivered():
        changed = email_change_confirm(token=token)

    assert changed.email == "New@example.com"
    assert changed.is_verified
    notice = mail.outbox[1]
    assert notice.to == ["old@example.com"]
    assert "changed to New@example.com" in notice.body
    with pytest.raises(InvalidLink) as excinfo:
        email_change_confirm(token=token)
    assert excinfo.value.reason == "used"


def test_email_change_fixes_a_mistyped_signup_address(delivered):
    user = UserFactory(email="ada@exmaple.com", email_verified_at=None)
    with delivered():
        email_change_request(user=user, new_email="ada@example.com")
    email_change_confirm(token=token_from(mail.outbox[0], "/settings/email/confirm/"))
    user.refresh_from_db()
    assert (user.email, user.is_verified) == ("ada@example.com", True)


def test_email_change_to_a_taken_address_tells_its_owner_and_sends_no_link(delivered):
    UserFactory(username="grace", email="grace@example.com")
    user = UserFactory(email="ada@example.com")
    with delivered():
        email_change_request(user=user, new_email="grace@example.com")
    [message] = mail.outbox
    assert message.to == ["grace@example.com"]
    assert "already have" in message.subject
    assert "/settings/email/confirm/" not in message.body


def test_email_change_link_refused_once_another_account_took_the_address(delivered):
    user = UserFactory(email="ada@example.com")
    with delivered():
        email_change_request(user=user, new_email="new@example.com")
    UserFactory(email="NEW@example.com")
    with pytest.raises(InvalidLink) as excinfo:
        email_change_confirm(token=token_from(mail.outbox[0], "/settings/email/confirm/"))
    assert excinfo.value.reason == "taken"
    user.refresh_from_db()
    assert user.email == "ada@example.com"


def test_email_change_to_the_current_address_is_refused():
    user = UserFactory(email="ada@example.com")
    with pytest.raises(ValidationError):
        email_change_request(user=user, new_email="ADA@example.com")


def test_password_change_runs_the_validators_and_a_reset_proves_the_address():
    user = UserFactory(email_verified_at=None)
    with pytest.raises(ValidationError):
        user_password_change(user=user, password="short")
    user_password_change(user=user, password="new-" + PASSWORD)
    user.refresh_from_db()
    assert user.check_password("new-" + PASSWORD)
    assert not user.is_verified
    user_password_change(user=user, password="newer-" + PASSWORD, email_proven=True)
    assert user.is_verified


def test_password_reset_emails_known_addresses_only(delivered):
    UserFactory(username="ada", email="ada@example.com")
    with delivered():
        assert password_reset_request(email="nobody@example.com") == 0
        assert password_reset_request(email="ADA@example.com") == 1
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert "/password/reset/" in message.body
    assert OutboundEmail.objects.get().status == "sent"


# --- deletion ----------------------------------------------------------------------------------


def test_deleting_an_account_keeps_its_posts_and_withdraws_its_votes():
    user = UserFactory()
    own_post = PostFactory(author=user, title="Kept after the author leaves")
    other_post = PostFactory()
    vote_cast(user=user, post=other_post)
    other_post.refresh_from_db()
    assert other_post.score == 1

    user_delete(user=user)

    assert not User.objects.filter(pk=user.pk).exists()
    own_post.refresh_from_db()
    assert own_post.author is None
    assert own_post.status == Post.Status.PUBLISHED
    other_post.refresh_from_db()
    assert other_post.score == 0 == Vote.objects.filter(post=other_post).count()
