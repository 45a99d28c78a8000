"""Full-text search over knowledge-base articles, native to each database.

PostgreSQL: a stored generated tsvector (title weighted above body, stemmed in the article's own
language) with a GIN index. SQLite: an FTS5 table over the article table, kept in step by
triggers, ranked with bm25. `tierdesk.queries.kb.search` is the one function that reads either.
"""

from django.db import migrations

CONFIG = (
    "CASE language WHEN 'en' THEN 'english'::regconfig WHEN 'de' THEN 'german'::regconfig "
    "WHEN 'fr' THEN 'french'::regconfig WHEN 'nl' THEN 'dutch'::regconfig "
    "ELSE 'simple'::regconfig END"
)
POSTGRES_UP = f"""
ALTER TABLE tierdesk_article ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector({CONFIG}, coalesce(title, '')), 'A') ||
    setweight(to_tsvector({CONFIG}, coalesce(body, '')), 'B')
) STORED;
CREATE INDEX article_search ON tierdesk_article USING GIN (search);
"""
POSTGRES_DOWN = """
DROP INDEX IF EXISTS article_search;
ALTER TABLE tierdesk_article DROP COLUMN IF EXISTS search;
"""
SQLITE_UP = [
    """CREATE VIRTUAL TABLE tierdesk_article_fts USING fts5(
        title, body, content='tierdesk_article', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER tierdesk_article_fts_insert AFTER INSERT ON tierdesk_article BEGIN
        INSERT INTO tierdesk_article_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
       END""",
    """CREATE TRIGGER tierdesk_article_fts_delete AFTER DELETE ON tierdesk_article BEGIN
        INSERT INTO tierdesk_article_fts(tierdesk_article_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
       END""",
    """CREATE TRIGGER tierdesk_article_fts_update AFTER UPDATE ON tierdesk_article BEGIN
        INSERT INTO tierdesk_article_fts(tierdesk_article_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO tierdesk_article_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
       END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS tierdesk_article_fts_insert",
    "DROP TRIGGER IF EXISTS tierdesk_article_fts_delete",
    "DROP TRIGGER IF EXISTS tierdesk_article_fts_update",
    "DROP TABLE IF EXISTS tierdesk_article_fts",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement, params=None)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("tierdesk", "0012_knowledge_base_status_and_spans")]
    operations = [migrations.RunPython(up, down)]
