"""The OpenAPI schema the API serves is the one committed in tests/openapi.yaml: a change to the
API's contract shows up in review as a diff of that file (`make schema` writes it)."""

from pathlib import Path

from django.core.management import call_command

SNAPSHOT = Path(__file__).with_name("openapi.yaml")


def test_the_served_schema_is_the_committed_one(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated))
    assert generated.read_text() == SNAPSHOT.read_text(), (
        "The API schema changed: run `make schema` and commit tests/openapi.yaml if it is meant to."
    )


def test_old_admin_addresses_of_moved_models_redirect(admin_client):
    response = admin_client.get("/admin/accounts/outboundemail/")
    assert response.status_code == 301
    assert response["Location"] == "/admin/outbox/outboundemail/"
    response = admin_client.get("/admin/accounts/subscription/7/change/")
    assert response["Location"] == "/admin/newsletters/subscription/7/change/"
