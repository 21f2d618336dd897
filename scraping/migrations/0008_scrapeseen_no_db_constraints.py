"""The staging table's keys stop being database constraints (models.ScrapeSeen):
each page's commit checked two a user, a fifth of a first scrape's ingest on
PostgreSQL. The table is empty between scrapes, so the rebuild SQLite needs is
quick."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts_app', '0006_seal_proxies'),
        ('scraping', '0007_scrape_fresh'),
    ]

    operations = [
        migrations.AlterField(
            model_name='scrapeseen',
            name='scrape',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='scraping.scrape'),
        ),
        migrations.AlterField(
            model_name='scrapeseen',
            name='user',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts_app.iguser'),
        ),
    ]
