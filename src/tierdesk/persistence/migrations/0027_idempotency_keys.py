"""API calls made with an Idempotency-Key: the first answer kept a day, per credential and key."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tierdesk", "0026_notification_claim_token"),
    ]

    operations = [
        migrations.CreateModel(
            name="IdempotencyKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("scope", models.CharField(max_length=80)),
                ("key", models.CharField(max_length=255)),
                ("request_hash", models.CharField(max_length=64)),
                ("method", models.CharField(max_length=10)),
                ("path", models.CharField(max_length=500)),
                ("status", models.PositiveSmallIntegerField(null=True)),
                ("content_type", models.CharField(blank=True, max_length=100)),
                ("body", models.BinaryField(default=b"")),
                ("claim_token", models.CharField(max_length=32)),
                ("locked_until", models.DateTimeField(null=True)),
                ("created_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("scope", "key"), name="idempotency_key_once")
                ],
            },
        ),
    ]
