"""The cache's table on the embedded desk: it holds the rate-limit counters every process shares.

Made by Django's createcachetable, which creates the table of each database cache in CACHES and
does nothing when the cache is Redis."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("tierdesk", "0028_user_time_zone"),
    ]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
