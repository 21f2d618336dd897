"""The read-only "viewers" group (igdash/roles.py): its members may look at every
page and download exports, and change nothing."""

from django.db import migrations


def create_viewers(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="viewers")


def remove_viewers(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name="viewers", user__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("igdash", "0004_remove_own_login_throttle"),
    ]

    operations = [migrations.RunPython(create_viewers, remove_viewers)]
