"""The owner's proxy list is a secret (the addresses carry the proxies'
passwords): sealed with the vault, with a masked copy for pages. A locked vault
(passphrase mode) leaves it for the first unlock, as
accounts_app 0006_seal_proxies explains."""

from django.db import migrations, models


def seal(apps, schema_editor) -> None:
    from accounts_app import proxies

    sealed, waiting = proxies.seal_app_rows(apps.get_model("igdash", "AppSettings"))
    proxies.report_migration("proxy lists", sealed, waiting)


def unseal(apps, schema_editor) -> None:
    from accounts_app import proxies

    proxies.unseal_app_rows(apps.get_model("igdash", "AppSettings"))


class Migration(migrations.Migration):
    dependencies = [("igdash", "0005_viewers_group")]

    operations = [
        migrations.RenameField("appsettings", "proxies", "proxies_unsealed"),
        migrations.AlterField(
            model_name="appsettings",
            name="proxies_unsealed",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="Stored in clear by an older igdash, sealed at the next unlock.",
            ),
        ),
        migrations.AddField(
            model_name="appsettings",
            name="proxies_enc",
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="appsettings",
            name="proxies_hint",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text=(
                    "One proxy per line, rotated between logins and retries; credentials masked."
                ),
                verbose_name="proxies",
            ),
        ),
        migrations.RunPython(seal, unseal),
    ]
