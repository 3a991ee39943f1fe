"""Accounts: sign-up and email verification, profile edits, email and password changes, deletion,
and a moderator's suspension (docs/moderation.md#bans).

Links in emails are signed with `django.core.signing` (SECRET_KEY, a salt per purpose, a maximum
age) and carry a fingerprint of the account's email state: the address and when it was verified.
Following a link changes that state, so each link works once; a forged, expired or reused link
raises `InvalidLink`. Password reset links are Django's own tokens, which change with the password.

Every email goes through the outbox (`email_queue`), in the same transaction as the change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import BAN_REASON_MAX_LENGTH, User, username_validator
from accounts.signals import user_deleting
from core.links import absolute_url
from core.signing import InvalidLink, signed_loads
from core.text import duration_text, text_problem
from outbox.models import EMAIL_MAX_LENGTH, OutboundEmail
from outbox.services import email_queue

VERIFY_SALT = "accounts.email-verify"
EMAIL_CHANGE_SALT = "accounts.email-change"
MAX_TOKEN_LENGTH = 1000

# Names that would pass for the site itself, its staff or its URLs. Compared case-insensitively.
RESERVED_USERNAMES = frozenset(
    {
        *("admin", "administrator", "root", "staff", "moderator", "mod", "mods", "sysop"),
        *("api", "static", "media", "feeds", "feed", "rss", "atom", "u", "t", "p", "c"),
        *("login", "logout", "signin", "signout", "signup", "register", "join", "verify"),
        *("settings", "account", "accounts", "password", "profile", "me", "you"),
        *("about", "healthz", "health", "status", "support", "help", "contact", "abuse"),
        *("security", "www", "mail", "email", "postmaster", "hostmaster", "webmaster"),
        *("noreply", "no_reply", "info", "faun", "official", "team", "system", "bot"),
        *("newest", "top", "tags", "channels", "submit", "search", "new", "docs", "blog"),
        *("null", "none", "undefined", "anonymous", "deleted", "deleted_user", "nobody"),
    }
)


def _link_state(user: User) -> str:
    """A fingerprint of what a link may change: following the link changes it, which is what
    makes links single-use."""
    verified = user.email_verified_at.isoformat() if user.email_verified_at else ""
    return salted_hmac(
        "accounts.link-state", f"{user.pk}|{user.email.lower()}|{verified}", algorithm="sha256"
    ).hexdigest()[:32]


def _link_load(token: str, *, salt: str, max_age: int) -> dict[str, Any]:
    data = signed_loads(token, salt=salt, max_age=max_age, max_length=MAX_TOKEN_LENGTH)
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("u"), int)
        or not isinstance(data.get("s"), str)
    ):
        raise InvalidLink("invalid")
    return data


def email_validate(email: str) -> None:
    """A well-formed address that fits the column (254 characters, as RFC 5321 allows)."""
    validate_email(email)
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            f"Use at most {EMAIL_MAX_LENGTH} characters for an email address.", code="max_length"
        )


def username_validate(username: str) -> None:
    """The username rules: 3 to 30 letters, digits or underscores; not reserved; not taken by
    anyone in any letter case. Raises ValidationError with the first rule broken."""
    username_validator(username)
    if username.lower() in RESERVED_USERNAMES:
        raise ValidationError("That username is reserved. Pick another.", code="reserved")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError("That username is taken.", code="taken")


def verification_token_make(*, user: User) -> str:
    return signing.dumps({"u": user.pk, "s": _link_state(user)}, salt=VERIFY_SALT)


@transaction.atomic
def verification_email_queue(*, user: User) -> OutboundEmail:
    """Queue the email with the link that verifies `user`'s address and logs them in."""
    url = absolute_url(
        reverse("accounts:verify", kwargs={"token": verification_token_make(user=user)})
    )
    return email_queue(
        to=user.email,
        subject=f"Confirm your email address for {settings.SITE_NAME}",
        template="verify_email",
        context={
            "user": user,
            "url": url,
            "valid_for": duration_text(settings.ACCOUNTS_VERIFY_LINK_MAX_AGE),
        },
    )


def _account_exists_notice(*, existing: User) -> OutboundEmail:
    # Someone signed up (or moved an account) with an address that already has an account: tell
    # its owner, not the visitor. Views cap how many emails a visitor may trigger per address.
    return email_queue(
        to=existing.email,
        subject=f"You already have a {settings.SITE_NAME} account",
        template="account_exists",
        context={
            "user": existing,
            "login_url": absolute_url(reverse("accounts:login")),
            "reset_url": absolute_url(reverse("accounts:password_reset")),
        },
    )


@transaction.atomic
def user_signup(*, username: str, email: str, password: str) -> User | None:
    """Create an unverified account and queue its verification email; returns the new user.

    When `email` already belongs to an account nothing is created: that address is told it
    already has an account (its username, and where to reset the password) and None is
    returned. Callers answer both cases the same way, so sign-up never reveals which addresses
    are registered; the password is hashed in both cases so that timing does not either.

    Raises ValidationError (keyed by field) for a bad address, a username that breaks the rules
    or is taken, or a password the validators refuse. Nothing is written then.
    """
    username = username.strip()
    email = User.objects.normalize_email(email.strip())
    try:
        email_validate(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from None
    try:
        username_validate(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from None
    user = User(username=username, email=email)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from None

    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        make_password(password)
        _account_exists_notice(existing=existing)
        return None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent sign-up took the username or the address since the checks above.
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            _account_exists_notice(existing=existing)
            return None
        raise ValidationError({"username": ["That username is taken."]}) from None
    verification_email_queue(user=user)
    return user


@transaction.atomic
def user_verify(*, token: str) -> User:
    """Follow a verification link: the account's address is verified from now on.

    Raises InvalidLink: "expired" after ACCOUNTS_VERIFY_LINK_MAX_AGE, "used" once the address
    is verified, "invalid" for a forged link or one issued for an address since changed.
    """
    data = _link_load(token, salt=VERIFY_SALT, max_age=settings.ACCOUNTS_VERIFY_LINK_MAX_AGE)
    user = User.objects.select_for_update().filter(pk=data["u"], is_active=True).first()
    if user is None:
        raise InvalidLink("invalid")
    if not constant_time_compare(data["s"], _link_state(user)):
        raise InvalidLink("used" if user.is_verified else "invalid")
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


@transaction.atomic
def verification_resend(*, email: str) -> OutboundEmail | None:
    """Queue a fresh verification link for the unverified account at `email`. Returns None and
    sends nothing when no unverified account has that address; callers answer the same."""
    user = User.objects.filter(
        email__iexact=email.strip(), is_active=True, email_verified_at__isnull=True
    ).first()
    if user is None:
        return None
    return verification_email_queue(user=user)


@transaction.atomic
def user_profile_update(*, user: User, display_name: str, bio: str, website: str) -> User:
    """Save the public profile. Raises ValidationError (keyed by field) for values the model
    refuses, such as an over-long bio, a website that is not an http(s) URL or a control
    character (docs/posting.md#text-a-user-writes)."""
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.website = website.strip()
    if user.website and not user.website.lower().startswith(("http://", "https://")):
        raise ValidationError({"website": ["Enter an http:// or https:// address."]})
    profile_fields = {"display_name", "bio", "website"}
    for name in profile_fields:
        # full_clean() does not check a TextField's max_length; check every field the same way.
        limit = getattr(User._meta.get_field(name), "max_length", None)
        if limit is not None and len(getattr(user, name)) > limit:
            raise ValidationError({name: [f"Use at most {limit} characters."]})
        # The form refuses these too; any other caller must not store them either.
        if problem := text_problem(getattr(user, name), multiline=name == "bio"):
            raise ValidationError({name: [problem]})
    user.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in profile_fields])
    user.save(update_fields=["display_name", "bio", "website"])
    return user


@transaction.atomic
def email_change_request(*, user: User, new_email: str) -> OutboundEmail:
    """Ask to move `user`'s account to `new_email`. The account keeps its current address until
    the link sent to the new one is followed (within ACCOUNTS_EMAIL_CHANGE_LINK_MAX_AGE).

    If another account already has `new_email`, that address is told so instead and no link is
    sent; callers answer the same either way. Raises ValidationError for an invalid address or
    the user's current one.
    """
    new_email = User.objects.normalize_email(new_email.strip())
    email_validate(new_email)
    if new_email.lower() == user.email.lower():
        raise ValidationError("That is already your email address.", code="unchanged")
    existing = User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).first()
    if existing is not None:
        return _account_exists_notice(existing=existing)
    token = signing.dumps(
        {"u": user.pk, "e": new_email, "s": _link_state(user)}, salt=EMAIL_CHANGE_SALT
    )
    return email_queue(
        to=new_email,
        subject=f"Confirm your new email address for {settings.SITE_NAME}",
        template="email_change",
        context={
            "user": user,
            "new_email": new_email,
            "url": absolute_url(reverse("accounts:email_change_confirm", kwargs={"token": token})),
            "valid_for": duration_text(settings.ACCOUNTS_EMAIL_CHANGE_LINK_MAX_AGE),
        },
    )


@transaction.atomic
def email_change_confirm(*, token: str) -> User:
    """Follow an email-change link: the account moves to the new, now verified, address and the
    old address is told about it.

    Raises InvalidLink: "expired", "used" (the account already has that address), "invalid"
    (forged, or the account's address changed since), "taken" (another account has it now).
    """
    data = _link_load(
        token, salt=EMAIL_CHANGE_SALT, max_age=settings.ACCOUNTS_EMAIL_CHANGE_LINK_MAX_AGE
    )
    new_email = data.get("e")
    if not isinstance(new_email, str):
        raise InvalidLink("invalid")
    user = User.objects.select_for_update().filter(pk=data["u"], is_active=True).first()
    if user is None:
        raise InvalidLink("invalid")
    if not constant_time_compare(data["s"], _link_state(user)):
        raise InvalidLink("used" if user.email.lower() == new_email.lower() else "invalid")
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise InvalidLink("taken")
    old_email = user.email
    user.email = new_email
    user.email_verified_at = timezone.now()
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "email_verified_at"])
    except IntegrityError:
        raise InvalidLink("taken") from None
    email_queue(
        to=old_email,
        subject=f"Your {settings.SITE_NAME} email address was changed",
        template="email_changed",
        context={
            "user": user,
            "new_email": new_email,
            "reset_url": absolute_url(reverse("accounts:password_reset")),
        },
    )
    return user


@transaction.atomic
def user_password_change(*, user: User, password: str, email_proven: bool = False) -> User:
    """Set a new password after Django's validators accept it (ValidationError otherwise).

    `email_proven` is for the password reset link: following it proves the user reads the
    account's mailbox, so an unverified address becomes verified. Other sessions of the user end,
    as their session hash no longer matches; the caller keeps the current one.
    """
    validate_password(password, user=user)
    user.set_password(password)
    fields = ["password"]
    if email_proven and not user.is_verified:
        user.email_verified_at = timezone.now()
        fields.append("email_verified_at")
    user.save(update_fields=fields)
    return user


@transaction.atomic
def password_reset_request(*, email: str) -> int:
    """Queue a password reset link for each active account with this address. Returns how many
    were queued (0 for an unknown address: callers answer the same). The link is Django's
    password reset token, valid PASSWORD_RESET_TIMEOUT seconds and until the password changes.
    """
    users = User.objects.filter(email__iexact=email.strip(), is_active=True)
    queued = 0
    for user in users:
        if not user.has_usable_password():
            continue
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        email_queue(
            to=user.email,
            subject=f"Reset your {settings.SITE_NAME} password",
            template="password_reset",
            context={
                "user": user,
                "url": absolute_url(path),
                "valid_for": duration_text(settings.PASSWORD_RESET_TIMEOUT),
            },
        )
        queued += 1
    return queued


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account for good: the User row is deleted, not deactivated.

    Posts stay and show "deleted user" (Post.author is SET NULL). Votes are withdrawn by the
    posts app on the `user_deleting` signal, so stored scores keep matching the vote rows. Saved
    posts, channel memberships and API tokens are deleted with the user, and so are outbox emails
    to the account's address, sent or not, so the address is not kept anywhere.
    """
    user_deleting.send(sender=User, user=user)
    OutboundEmail.objects.filter(to=user.email).delete()
    user.delete()


class SuspensionRefused(Exception):
    """A suspension (or lifting one) cannot happen as asked; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def user_suspend(*, user: User, until: datetime, reason: str) -> User:
    """Suspend `user` until `until` (BANNED_FOREVER for a ban) for `reason`: they cannot log in,
    their sessions and API tokens stop working, and the writing services refuse them.

    Under the account's row lock; raises SuspensionRefused for a staff account, a reason that is
    empty, longer than 300 characters or not one line of text, a date already past, and an
    account already suspended (another moderator just did it: lift that first).
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    reason = " ".join(reason.split())
    if locked.is_staff:
        raise SuspensionRefused("Staff accounts are not suspended here; ask an administrator.")
    if not reason or len(reason) > BAN_REASON_MAX_LENGTH:
        raise SuspensionRefused(f"Give a reason of 1 to {BAN_REASON_MAX_LENGTH} characters.")
    if problem := text_problem(reason):
        raise SuspensionRefused(problem)
    if until <= timezone.now():
        raise SuspensionRefused("Choose a date in the future.")
    if locked.is_suspended:
        raise SuspensionRefused(
            f"{locked.username} is already suspended. {locked.suspension_notice}"
        )
    locked.banned_until, locked.ban_reason = until, reason
    locked.save(update_fields=["banned_until", "ban_reason"])
    return locked


@transaction.atomic
def user_reinstate(*, user: User) -> User:
    """Lift `user`'s suspension or ban. Raises SuspensionRefused when there is none (another
    moderator just lifted it, or it ran out)."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_suspended:
        raise SuspensionRefused(f"{locked.username} is not suspended.")
    locked.banned_until, locked.ban_reason = None, ""
    locked.save(update_fields=["banned_until", "ban_reason"])
    return locked
