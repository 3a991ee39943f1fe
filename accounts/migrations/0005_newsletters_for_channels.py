"""A Newsletter for every channel that already names one (Channel.newsletter_name)."""

from django.db import migrations


def create_newsletters(apps, schema_editor):
    Channel = apps.get_model("posts", "Channel")
    Newsletter = apps.get_model("accounts", "Newsletter")
    existing = set(Newsletter.objects.values_list("channel_id", flat=True))
    Newsletter.objects.bulk_create(
        [
            Newsletter(
                channel=channel,
                name=channel.newsletter_name,
                description=channel.description[:2000],
            )
            for channel in Channel.objects.exclude(newsletter_name="")
            if channel.pk not in existing
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_newsletters")]

    operations = [migrations.RunPython(create_newsletters, migrations.RunPython.noop)]
