"""SQLite: the trigram table is filled in bulk, not by a trigger per inserted user.

The insert trigger of 0003 tokenised every new user inside the scrape's page
transaction: a first scrape of 1M followers spent 3.7x a raw insert on it
(docs/performance.md). Now a one-row table holds the highest user id already
indexed; `accounts_app.search.index_pending()` indexes the users above it in one
statement (the scrape engine calls it after every finalise, housekeeping every
hour), and searches read those not yet indexed with LIKE.

The delete and update triggers stay, for indexed rows only: the FTS5 'delete'
command must be given exactly what was indexed, so it must never be sent for a
row that never was. "Indexed" is asked of FTS5 itself (its docsize table has one
row per indexed rowid), not of the watermark: ids are AUTOINCREMENT, but a
`flush` resets the sequence and a fixture may load explicit ids, and neither may
corrupt the index. `index_pending()` notices such a drift and rebuilds.
"""

from django.db import migrations

FTS = "accounts_app_iguser_fts"
STATE = "accounts_app_iguser_fts_state"
INDEXED = f"EXISTS (SELECT 1 FROM {FTS}_docsize WHERE id = old.id)"

FORWARD = [
    f"""CREATE TABLE {STATE} (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        indexed_upto INTEGER NOT NULL)""",
    # 0003's insert trigger has indexed every row there is.
    f"""INSERT INTO {STATE} (id, indexed_upto)
        VALUES (1, (SELECT COALESCE(MAX(id), 0) FROM accounts_app_iguser))""",
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON accounts_app_iguser
    WHEN {INDEXED} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, username, full_name)
        VALUES ('delete', old.id, old.username, old.full_name);
    END""",
    f"""CREATE TRIGGER {FTS}_au AFTER UPDATE OF username, full_name ON accounts_app_iguser
    WHEN {INDEXED} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, username, full_name)
        VALUES ('delete', old.id, old.username, old.full_name);
        INSERT INTO {FTS}(rowid, username, full_name)
        VALUES (new.id, new.username, new.full_name);
    END""",
]

# Back to 0003: index what is pending, then per-row triggers again.
BACKWARD = [
    f"""INSERT INTO {FTS}(rowid, username, full_name)
        SELECT id, username, full_name FROM accounts_app_iguser
        WHERE id > (SELECT indexed_upto FROM {STATE} WHERE id = 1)""",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {STATE}",
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
]


def _has_fts(connection) -> bool:
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS])
        return cursor.fetchone() is not None


def _run(statements):
    def run(apps, schema_editor) -> None:
        connection = schema_editor.connection
        if not _has_fts(connection):
            return  # PostgreSQL (pg_trgm) or a SQLite without FTS5 trigram
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts_app", "0003_iguser_search")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
