"""The subscribe form refuses control characters in the address, on its field
(docs/posting.md#text-a-user-writes), and subscribes nobody."""

from __future__ import annotations

import pytest
from django.urls import reverse

from newsletters.models import Subscription
from newsletters.services.subscriptions import newsletter_for_channel
from outbox.models import OutboundEmail
from tests.posts.factories import ChannelFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("email", ['"ada\x01"@example.com', '"ada\x1f"@example.com'])
def test_subscribe_refuses_an_address_with_a_control_character(client, email):
    newsletter_for_channel(channel=ChannelFactory(handle="devopslinks"))
    response = client.post(
        reverse("newsletters:subscribe", kwargs={"handle": "devopslinks"}), {"email": email}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["email"]
    assert any(f"U+{ord(email[4]):04X}" in error for error in errors), errors
    assert not Subscription.objects.exists()
    assert not OutboundEmail.objects.exists()
