"""The second factor moves onto django-otp: each user's authenticator secret, kept in plain text
on the user row until now, becomes a device whose secret is sealed with the desk's OTP key
(TIERDESK_OTP_KEY, else the key generated into the data directory); the plain column goes.

A secret that was turned on becomes a confirmed device; one still being set up, an unconfirmed
device the user confirms with a code as before. Going back is not offered: the plain secrets are
not written again."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_secrets(apps, schema_editor):
    import base64

    from tierdesk.persistence.sealing import seal

    User = apps.get_model("tierdesk", "User")
    Device = apps.get_model("tierdesk", "AuthenticatorDevice")
    for user in User.objects.exclude(totp_secret="").only("pk", "totp_secret", "totp_enabled"):
        text = user.totp_secret.strip().upper()
        key = base64.b32decode(text + "=" * (-len(text) % 8))
        Device.objects.create(
            user_id=user.pk,
            name="Authenticator app",
            confirmed=user.totp_enabled,
            sealed_key=seal(key),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tierdesk", "0029_shared_cache_table"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuthenticatorDevice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The human-readable name of this device.", max_length=64
                    ),
                ),
                (
                    "confirmed",
                    models.BooleanField(default=True, help_text="Is this device ready for use?"),
                ),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(
                        default=0, help_text="Number of successive failed attempts."
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True,
                        help_text="The date and time when this device was initially created in the system.",
                        null=True,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="The most recent date and time this device was used.",
                        null=True,
                    ),
                ),
                (
                    "sealed_key",
                    models.TextField(
                        help_text="The secret, sealed (tierdesk.persistence.sealing)."
                    ),
                ),
                ("step", models.PositiveSmallIntegerField(default=30)),
                ("t0", models.BigIntegerField(default=0)),
                ("digits", models.PositiveSmallIntegerField(default=6)),
                ("tolerance", models.PositiveSmallIntegerField(default=1)),
                ("drift", models.SmallIntegerField(default=0)),
                ("last_t", models.BigIntegerField(default=-1)),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "authenticator device",
                "abstract": False,
            },
        ),
        migrations.RunPython(move_secrets, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="user",
            name="totp_enabled",
        ),
        migrations.RemoveField(
            model_name="user",
            name="totp_secret",
        ),
    ]
