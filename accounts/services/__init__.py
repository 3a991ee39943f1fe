"""Writes for accounts and the email outbox. Every function is atomic unless it only talks to the
outside world (publishing a task, building a message).

Split by sub-domain; import from here (`from accounts.services import email_queue`).
"""

from accounts.services.outbox import (
    EmailDraft,
    email_backoff,
    email_claim,
    email_claim_many,
    email_enqueue,
    email_enqueue_many,
    email_mark_sent,
    email_message,
    email_queue,
    email_queue_many,
    email_release,
    email_render,
    outbox_requeue_due,
    outbox_retry,
)
from accounts.services.users import (
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
    username_validate,
    verification_email_queue,
    verification_resend,
    verification_token_make,
)

__all__ = [
    "RESERVED_USERNAMES",
    "EmailDraft",
    "InvalidLink",
    "email_backoff",
    "email_change_confirm",
    "email_change_request",
    "email_claim",
    "email_claim_many",
    "email_enqueue",
    "email_enqueue_many",
    "email_mark_sent",
    "email_message",
    "email_queue",
    "email_queue_many",
    "email_release",
    "email_render",
    "outbox_requeue_due",
    "outbox_retry",
    "password_reset_request",
    "user_delete",
    "user_password_change",
    "user_profile_update",
    "user_signup",
    "user_verify",
    "username_validate",
    "verification_email_queue",
    "verification_resend",
    "verification_token_make",
]
