"""The database itself refuses to change or remove a ticket's recorded events.

Row by row: UPDATE and DELETE are refused. TRUNCATE (a table owner's maintenance operation, used
by test flushes) is not guarded here; `tierdesk audit verify` catches events removed that way,
because each ticket row keeps the hash of its last event.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION tierdesk_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'tierdesk_event is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tierdesk_event_append_only
    BEFORE UPDATE OR DELETE ON tierdesk_event
    FOR EACH ROW EXECUTE FUNCTION tierdesk_events_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS tierdesk_event_append_only ON tierdesk_event;
DROP FUNCTION IF EXISTS tierdesk_events_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER tierdesk_event_no_update BEFORE UPDATE ON tierdesk_event
       BEGIN SELECT RAISE(ABORT, 'tierdesk_event is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER tierdesk_event_no_delete BEFORE DELETE ON tierdesk_event
       BEGIN SELECT RAISE(ABORT, 'tierdesk_event is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS tierdesk_event_no_update;",
    "DROP TRIGGER IF EXISTS tierdesk_event_no_delete;",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tierdesk", "0001_tickets_people_and_record")]
    operations = [migrations.RunPython(up, down)]
