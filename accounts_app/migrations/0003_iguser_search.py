"""Substring search over IgUser(username, full_name).

SQLite: an FTS5 external-content table with the trigram tokenizer, kept in step by
triggers (the scrape engine writes users with raw INSERT ... ON CONFLICT, which
fires them too). PostgreSQL: pg_trgm GIN indexes on the expressions Django's
icontains produces. Other databases, or a SQLite built without FTS5 trigram, get
nothing and accounts_app/search.py falls back to LIKE.
"""

from django.db import migrations

FTS = "accounts_app_iguser_fts"
SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5(
        username, full_name, content='accounts_app_iguser', content_rowid='id',
        tokenize='trigram')""",
    f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON accounts_app_iguser BEGIN
        INSERT INTO {FTS}(rowid, username, full_name)
        VALUES (new.id, new.username, new.full_name);
    END""",
    f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON accounts_app_iguser BEGIN
        INSERT INTO {FTS}({FTS}, rowid, username, full_name)
        VALUES ('delete', old.id, old.username, old.full_name);
    END""",
    f"""CREATE TRIGGER {FTS}_au AFTER UPDATE OF username, full_name ON accounts_app_iguser
    BEGIN
        INSERT INTO {FTS}({FTS}, rowid, username, full_name)
        VALUES ('delete', old.id, old.username, old.full_name);
        INSERT INTO {FTS}(rowid, username, full_name)
        VALUES (new.id, new.username, new.full_name);
    END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
]
POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS iguser_username_trgm ON accounts_app_iguser "
    "USING gin ((UPPER(username::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS iguser_full_name_trgm ON accounts_app_iguser "
    "USING gin ((UPPER(full_name::text)) gin_trgm_ops)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS iguser_username_trgm",
    "DROP INDEX IF EXISTS iguser_full_name_trgm",
]


def _sqlite_has_trigram(cursor) -> bool:
    try:
        cursor.execute("CREATE VIRTUAL TABLE temp.igdash_probe USING fts5(x, tokenize='trigram')")
        cursor.execute("DROP TABLE temp.igdash_probe")
    except Exception:
        return False
    return True


def create(apps, schema_editor) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" and _sqlite_has_trigram(cursor):
            statements = SQLITE_CREATE
        elif connection.vendor == "postgresql":
            statements = POSTGRES_CREATE
        else:
            return
        for statement in statements:
            cursor.execute(statement)


def drop(apps, schema_editor) -> None:
    connection = schema_editor.connection
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("accounts_app", "0002_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
