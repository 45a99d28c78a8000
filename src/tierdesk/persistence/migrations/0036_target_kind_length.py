"""A target's kind holds `supplier_response` (17 characters): the column grows to 32."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tierdesk", "0035_rate_counts")]

    operations = [
        migrations.AlterField(
            model_name="tickettarget",
            name="kind",
            field=models.CharField(max_length=32),
        ),
    ]
