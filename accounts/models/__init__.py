"""Accounts models, split by sub-domain: users, API tokens and the outbox (`users.py`);
newsletters, subscriptions, personal digests and their deliveries (`newsletters.py`)."""

from accounts.models.newsletters import (
    Delivery,
    DigestPreference,
    Newsletter,
    NewsletterIssue,
    Subscription,
)
from accounts.models.users import (
    USERNAME_PATTERN,
    ApiToken,
    CaseInsensitiveUserManager,
    OutboundEmail,
    User,
    username_validator,
)

__all__ = [
    "USERNAME_PATTERN",
    "ApiToken",
    "CaseInsensitiveUserManager",
    "Delivery",
    "DigestPreference",
    "Newsletter",
    "NewsletterIssue",
    "OutboundEmail",
    "Subscription",
    "User",
    "username_validator",
]
