"""The record becomes redactable and is re-chained.

Each event's hash now covers a digest of its content (`content_digest`) instead of the content,
so a redaction can replace the content by a tombstone and the chain still verifies. The trigger
on `tierdesk_event` now allows one UPDATE: `data` replaced by a tombstone naming one more
redaction, every other column unchanged; DELETE stays refused.

Every ticket whose chain is intact under the old hashing is re-chained under the new one; a
ticket whose chain was already broken is left as found (so `audit verify` still reports it: a
re-chaining never launders tampering). The re-chaining is recorded (`Rechaining`, and each
ticket's head before and after in `RechainedHead`) and `audit verify` reports it.
"""

import hashlib
import json
from datetime import UTC

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

MIGRATION = "0033_redactable_record"
GENESIS = "0" * 64

POSTGRES_TRIGGER = """
CREATE OR REPLACE FUNCTION tierdesk_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.id = OLD.id AND NEW.ticket_id = OLD.ticket_id AND NEW.seq = OLD.seq
        AND NEW.at = OLD.at AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
        AND NEW.kind = OLD.kind AND NEW.public = OLD.public
        AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash
        AND jsonb_typeof(NEW.data -> 'redacted_by') = 'array'
        AND jsonb_array_length(NEW.data -> 'redacted_by') > COALESCE(
            CASE WHEN jsonb_typeof(OLD.data -> 'redacted_by') = 'array'
                THEN jsonb_array_length(OLD.data -> 'redacted_by') END, 0)
    THEN
        RETURN NEW;  -- a redaction's tombstone: the one change allowed
    END IF;
    RAISE EXCEPTION 'tierdesk_event is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""
POSTGRES_OLD_TRIGGER = """
CREATE OR REPLACE FUNCTION tierdesk_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'tierdesk_event is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""
SQLITE_UPDATE_TRIGGER = """
CREATE TRIGGER tierdesk_event_no_update BEFORE UPDATE ON tierdesk_event
WHEN NOT COALESCE(
    NEW.id IS OLD.id AND NEW.ticket_id IS OLD.ticket_id AND NEW.seq IS OLD.seq
    AND NEW."at" IS OLD."at" AND NEW.actor_id IS OLD.actor_id AND NEW.kind IS OLD.kind
    AND NEW.public IS OLD.public AND NEW.prev_hash IS OLD.prev_hash AND NEW.hash IS OLD.hash
    AND IFNULL(json_type(NEW.data, '$.redacted_by'), '') = 'array'
    AND json_array_length(NEW.data, '$.redacted_by') > COALESCE(
        CASE WHEN json_type(OLD.data, '$.redacted_by') = 'array'
            THEN json_array_length(OLD.data, '$.redacted_by') END, 0),
    0)
BEGIN SELECT RAISE(ABORT, 'tierdesk_event is append-only: UPDATE refused'); END;
"""
SQLITE_OLD_UPDATE_TRIGGER = """CREATE TRIGGER tierdesk_event_no_update BEFORE UPDATE ON tierdesk_event
       BEGIN SELECT RAISE(ABORT, 'tierdesk_event is append-only: UPDATE refused'); END;"""


def _json(value):
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _body(event, number, prev):
    # Frozen copies of both hashings: the domain's may change later, this migration may not.
    return {
        "actor": str(event.actor_id) if event.actor_id is not None else None,
        "at": event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "kind": event.kind,
        "prev": prev,
        "public": event.public,
        "seq": event.seq,
        "ticket": number,
    }


def _old_hash(event, number, prev):
    return hashlib.sha256(_json(_body(event, number, prev) | {"data": event.data})).hexdigest()


def _new_hash(event, number, prev):
    content = hashlib.sha256(_json(event.data)).hexdigest()
    return hashlib.sha256(_json(_body(event, number, prev) | {"content": content})).hexdigest()


def _intact(events, number, head, hashing=_old_hash):
    prev = GENESIS
    for expected, event in enumerate(events, start=1):
        if event.seq != expected or event.prev_hash != prev:
            return False
        if hashing(event, number, prev) != event.hash:
            return False
        prev = event.hash
    return prev == head


def _set_trigger(schema_editor, *, enabled):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        state = "ENABLE" if enabled else "DISABLE"
        schema_editor.execute(
            f"ALTER TABLE tierdesk_event {state} TRIGGER tierdesk_event_append_only"
        )
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS tierdesk_event_no_update")


def rechain(apps, schema_editor):
    Ticket = apps.get_model("tierdesk", "Ticket")
    Event = apps.get_model("tierdesk", "Event")
    Rechaining = apps.get_model("tierdesk", "Rechaining")
    RechainedHead = apps.get_model("tierdesk", "RechainedHead")
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_TRIGGER, params=None)
    _set_trigger(schema_editor, enabled=False)
    run = Rechaining.objects.create(
        migration=MIGRATION, at=timezone.now(), tickets=0, events=0, previous_heads=""
    )
    digest = hashlib.sha256()
    tickets = events = broken = 0
    after = 0
    while True:
        batch = list(Ticket.objects.filter(id__gt=after).order_by("id")[:500])
        heads = []
        for ticket in batch:
            rows = list(Event.objects.filter(ticket_id=ticket.pk).order_by("seq"))
            if not rows:
                continue
            if not _intact(rows, ticket.number, ticket.last_hash):
                broken += 1  # left as found: no head, so the audit names it
                heads.append(
                    RechainedHead(
                        rechaining=run, ticket=ticket, seq=len(rows), previous=ticket.last_hash
                    )
                )
                continue
            previous = ticket.last_hash
            prev = GENESIS
            for event in rows:
                event.prev_hash = prev
                event.hash = prev = _new_hash(event, ticket.number, prev)
            Event.objects.bulk_update(rows, ["prev_hash", "hash"], batch_size=500)
            Ticket.objects.filter(pk=ticket.pk).update(last_hash=prev)
            heads.append(
                RechainedHead(
                    rechaining=run, ticket=ticket, seq=len(rows), previous=previous, head=prev
                )
            )
            digest.update(f"{ticket.number} {previous}\n".encode())
            tickets += 1
            events += len(rows)
        RechainedHead.objects.bulk_create(heads)
        if len(batch) < 500:
            break
        after = batch[-1].pk
    if tickets or broken:
        Rechaining.objects.filter(pk=run.pk).update(
            tickets=tickets, events=events, left_broken=broken, previous_heads=digest.hexdigest()
        )
    else:  # a new desk: nothing was chained before, nothing to report
        run.delete()
    if vendor == "postgresql":
        _set_trigger(schema_editor, enabled=True)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UPDATE_TRIGGER)


def unchain(apps, schema_editor):
    """Back to hashing the content itself: possible only while nothing was redacted."""
    Ticket = apps.get_model("tierdesk", "Ticket")
    Event = apps.get_model("tierdesk", "Event")
    if Event.objects.filter(kind="redacted").exists():
        raise RuntimeError("the record holds redactions: its old hashes cannot be computed again")
    vendor = schema_editor.connection.vendor
    _set_trigger(schema_editor, enabled=False)
    for ticket in Ticket.objects.order_by("id").iterator():
        rows = list(Event.objects.filter(ticket_id=ticket.pk).order_by("seq"))
        if not rows or not _intact(rows, ticket.number, ticket.last_hash, _new_hash):
            continue
        prev = GENESIS
        for event in rows:
            event.prev_hash = prev
            event.hash = prev = _old_hash(event, ticket.number, prev)
        Event.objects.bulk_update(rows, ["prev_hash", "hash"], batch_size=500)
        Ticket.objects.filter(pk=ticket.pk).update(last_hash=prev)
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_OLD_TRIGGER, params=None)
        _set_trigger(schema_editor, enabled=True)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_OLD_UPDATE_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [
        ("tierdesk", "0032_supplier_registry"),
    ]

    operations = [
        migrations.CreateModel(
            name="Rechaining",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("migration", models.CharField(max_length=100)),
                ("at", models.DateTimeField()),
                ("tickets", models.PositiveIntegerField()),
                ("events", models.PositiveIntegerField()),
                ("left_broken", models.PositiveIntegerField(default=0)),
                ("previous_heads", models.CharField(max_length=64)),
            ],
        ),
        migrations.CreateModel(
            name="RechainedHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.PositiveIntegerField()),
                ("previous", models.CharField(max_length=64)),
                ("head", models.CharField(blank=True, default="", max_length=64)),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tierdesk.ticket",
                    ),
                ),
                (
                    "rechaining",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="heads",
                        to="tierdesk.rechaining",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("rechaining", "ticket"), name="one_head_per_rechaining"
                    )
                ],
            },
        ),
        migrations.RunPython(rechain, unchain),
    ]
