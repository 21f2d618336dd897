"""Drop the username-only index: (username, id) of 0001 serves every lookup by
username too, and each index on username takes a random write per new user
(docs/performance.md: ~25% of a first scrape's page store).

Only the index is dropped (SeparateDatabaseAndState): AlterField on SQLite
would rebuild the users table, which drops the search triggers with it.
"""

from django.db import migrations, models

INDEX = "accounts_app_iguser_username_1dba6c20"


def drop(apps, schema_editor) -> None:
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}_like"')


def create(apps, schema_editor) -> None:
    schema_editor.execute(f'CREATE INDEX "{INDEX}" ON "accounts_app_iguser" ("username")')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{INDEX}_like" ON "accounts_app_iguser" ("username" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [("accounts_app", "0004_search_index_in_bulk")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="iguser",
                    name="username",
                    field=models.CharField(max_length=64),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create, elidable=False)],
        )
    ]
