"""Drop three indexes that other indexes already cover (docs/performance.md,
storage): relationship.target_id (every rel_* index starts with it), rel_user
(the same column as Django's index on user_id), and the staging table's indexes
on scrape_id (the unique constraint starts with it) and user_id (read only
when a user is deleted or merged, and the table is empty between scrapes).

Only the indexes are dropped (SeparateDatabaseAndState): AlterField on SQLite
would copy the whole relationship table to change nothing else.
"""

import django.db.models.deletion
from django.db import migrations, models

# (index, table, column) as Django named them in 0001.
DROPPED = [
    ("scraping_relationship_target_id_5086e6e0", "scraping_relationship", "target_id"),
    ("scraping_scrapeseen_scrape_id_aad010fb", "scraping_scrapeseen", "scrape_id"),
    ("scraping_scrapeseen_user_id_ceeb7630", "scraping_scrapeseen", "user_id"),
]


def drop(apps, schema_editor) -> None:
    for index, _, _ in DROPPED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')


def create(apps, schema_editor) -> None:
    for index, table, column in DROPPED:
        schema_editor.execute(f'CREATE INDEX "{index}" ON "{table}" ("{column}")')


class Migration(migrations.Migration):
    dependencies = [
        ("accounts_app", "0005_iguser_one_username_index"),
        ("scraping", "0003_restrict_history_deletes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="relationship", name="rel_user"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="relationship",
                    name="target",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="relationships",
                        to="accounts_app.trackedaccount",
                    ),
                ),
                migrations.AlterField(
                    model_name="scrapeseen",
                    name="scrape",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="scraping.scrape",
                    ),
                ),
                migrations.AlterField(
                    model_name="scrapeseen",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts_app.iguser",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create, elidable=False)],
        ),
    ]
