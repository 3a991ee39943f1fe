"""Canonical forms: every spelling that reaches the same account name or mailbox gets one key, and
different names or mailboxes keep different keys."""

from __future__ import annotations

import pytest

from core.canonical import email_canonical, text_fold


@pytest.mark.parametrize(
    "spelling",
    [
        "kris",
        " KRIS ",
        "\u212aris",  # KELVIN SIGN
        "kri\u017f",  # LATIN SMALL LETTER LONG S
        "kr\u0131s",  # LATIN SMALL LETTER DOTLESS I (PostgreSQL's UPPER makes it I)
        "\uff4b\uff52\uff49\uff53",  # fullwidth
        "\uff2b\uff32\uff29\uff33",  # fullwidth capitals
    ],
)
def test_spellings_of_a_name_share_one_form(spelling):
    assert text_fold(spelling) == "kris"


def test_different_names_keep_different_forms():
    assert len({text_fold(name) for name in ("kris", "kriss", "kirs", "kri_s", "krys")}) == 5


@pytest.mark.parametrize(
    "spelling",
    [
        "victim@example.com",
        "Victim@Example.COM",
        " victim@example.com ",
        "victim+1@example.com",
        "victim+a+b@example.com",
        "victim+@example.com",
        '"victim"@example.com',
        '"victim+news"@example.com',
        '"vic\\tim"@example.com',  # a backslash quotes the next character
        "victim@example.com.",
        "\uff56ictim@example.com",  # fullwidth v
        "vict\u0131m@example.com",  # dotless i
    ],
)
def test_spellings_of_a_mailbox_share_one_form(spelling):
    assert email_canonical(spelling) == "victim@example.com"


def test_internationalised_domains_take_their_ascii_form():
    assert email_canonical("kim@B\u00fccher.example") == "kim@xn--bcher-kva.example"
    assert email_canonical("kim@xn--bcher-kva.example") == "kim@xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("victim@example.com", "victim@example.org"),
        ("victim@example.com", "victor@example.com"),
        ("victim@example.com", "victim-1@example.com"),
        ("victim@example.com", "victim.1@example.com"),
        ('"a@b"@example.com', "a@example.com"),
    ],
)
def test_different_mailboxes_keep_different_forms(one, other):
    assert email_canonical(one) != email_canonical(other)


@pytest.mark.parametrize("text", ["", "no-at-sign", "@", "a@", "@example.com", '"@x', "a@.."])
def test_odd_input_gives_a_form_not_an_error(text):
    assert isinstance(email_canonical(text), str)
