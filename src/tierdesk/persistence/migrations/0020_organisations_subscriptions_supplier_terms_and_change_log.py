"""Administration: organisations can be deactivated and carry a contact; end-customer accounts
have subscriptions; suppliers have support terms; every administrative change is logged.

The change log is append-only, as the ticket record is: the database refuses UPDATE and DELETE on
it row by row (TRUNCATE, a table owner's maintenance operation used by test flushes, is not
guarded).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION tierdesk_adminchange_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'tierdesk_adminchange is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tierdesk_adminchange_append_only
    BEFORE UPDATE OR DELETE ON tierdesk_adminchange
    FOR EACH ROW EXECUTE FUNCTION tierdesk_adminchange_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS tierdesk_adminchange_append_only ON tierdesk_adminchange;
DROP FUNCTION IF EXISTS tierdesk_adminchange_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER tierdesk_adminchange_no_update BEFORE UPDATE ON tierdesk_adminchange
       BEGIN SELECT RAISE(ABORT, 'tierdesk_adminchange is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER tierdesk_adminchange_no_delete BEFORE DELETE ON tierdesk_adminchange
       BEGIN SELECT RAISE(ABORT, 'tierdesk_adminchange is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS tierdesk_adminchange_no_update;",
    "DROP TRIGGER IF EXISTS tierdesk_adminchange_no_delete;",
]


def guard_up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def guard_down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("tierdesk", "0019_open_tickets_queue_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="contact_email",
            field=models.EmailField(blank=True, db_default="", default="", max_length=254),
        ),
        migrations.AddField(
            model_name="organisation",
            name="contact_phone",
            field=models.CharField(blank=True, db_default="", default="", max_length=40),
        ),
        migrations.AddField(
            model_name="organisation",
            name="is_active",
            field=models.BooleanField(db_default=True, default=True),
        ),
        migrations.CreateModel(
            name="SupportTerms",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("email", "E-mail"),
                            ("portal", "Support portal"),
                            ("phone", "Telephone"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "contact",
                    models.CharField(
                        help_text="an address, a URL or a phone number", max_length=300
                    ),
                ),
                ("severity_map", models.JSONField(default=dict)),
                (
                    "ola_target",
                    models.CharField(
                        blank=True, help_text='e.g. "4h", "1 business day"', max_length=60
                    ),
                ),
                ("calendar", models.CharField(blank=True, max_length=40)),
                ("escalation_contacts", models.JSONField(default=list)),
                ("notes", models.TextField(blank=True)),
                ("updated_at", models.DateTimeField()),
                (
                    "organisation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="support_terms",
                        to="tierdesk.organisation",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="AdminChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField()),
                ("object_kind", models.CharField(max_length=20)),
                ("object_id", models.CharField(max_length=40)),
                ("object_label", models.CharField(max_length=200)),
                ("verb", models.CharField(max_length=20)),
                ("before", models.JSONField(null=True)),
                ("after", models.JSONField(null=True)),
                (
                    "actor",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tierdesk.organisation",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["-at", "-id"], name="adminchange_at"),
                    models.Index(fields=["object_kind", "-at"], name="adminchange_kind_at"),
                    models.Index(fields=["actor", "-at"], name="adminchange_actor_at"),
                ],
            },
        ),
        migrations.CreateModel(
            name="Subscription",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reference", models.CharField(max_length=100)),
                ("product", models.CharField(max_length=200)),
                ("is_active", models.BooleanField(default=True)),
                ("starts_on", models.DateField(blank=True, null=True)),
                ("ends_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField()),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="subscriptions",
                        to="tierdesk.organisation",
                    ),
                ),
            ],
            options={
                "ordering": ["account_id", "reference"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("account", "reference"), name="one_subscription_per_reference"
                    )
                ],
            },
        ),
        migrations.RunPython(guard_up, guard_down),
    ]
