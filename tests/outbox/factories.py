"""Factories for the outbox's model."""

from __future__ import annotations

import factory

from outbox.models import OutboundEmail


class OutboundEmailFactory(factory.django.DjangoModelFactory):
    """A pending outbox row; to queue an email as the site does, use outbox.services.email_queue."""

    class Meta:
        model = OutboundEmail

    to = factory.Sequence(lambda n: f"reader{n}@example.com")
    subject = "Hello"
    text_body = "Hello in plain text."
    html_body = "<p>Hello in HTML.</p>"
    message_id = factory.Sequence(lambda n: f"<factory.{n}@faun.localhost>")
