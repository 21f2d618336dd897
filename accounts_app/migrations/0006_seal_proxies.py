"""A login's own proxy is a secret (its address carries the proxy's password):
sealed with the vault like the password, with a masked copy for pages.

The clear column becomes proxy_unsealed and is emptied here when the vault
opens. In passphrase mode the vault is locked while `serve` migrates (nobody
has entered the passphrase yet), so this cannot seal: it leaves those rows as
they were (no data lost, no start blocked) and the first unlock seals them
(accounts_app/proxies.py, docs/decisions.md).
"""

from django.db import migrations, models


def seal(apps, schema_editor) -> None:
    from accounts_app import proxies

    sealed, waiting = proxies.seal_login_rows(apps.get_model("accounts_app", "LoginCredential"))
    proxies.report_migration("Instagram logins' proxies", sealed, waiting)


def unseal(apps, schema_editor) -> None:
    from accounts_app import proxies

    proxies.unseal_login_rows(apps.get_model("accounts_app", "LoginCredential"))


class Migration(migrations.Migration):
    dependencies = [("accounts_app", "0005_iguser_one_username_index")]

    operations = [
        migrations.RenameField("logincredential", "proxy", "proxy_unsealed"),
        migrations.AlterField(
            model_name="logincredential",
            name="proxy_unsealed",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="Stored in clear by an older igdash, sealed at the next unlock.",
                max_length=500,
            ),
        ),
        migrations.AddField(
            model_name="logincredential",
            name="proxy_enc",
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="logincredential",
            name="proxy_hint",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="The login's own proxy with its user and password masked.",
                max_length=500,
                verbose_name="proxy",
            ),
        ),
        migrations.RunPython(seal, unseal),
    ]
