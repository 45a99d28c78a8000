"""The outbox: each claim carries its own token, and every update its worker makes checks it,
so a worker whose lease was taken over records nothing over the worker that took it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tierdesk", "0025_monitoring_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="claim_token",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
    ]
