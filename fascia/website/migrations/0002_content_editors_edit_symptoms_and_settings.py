"""Content editors (Wagtail's "Moderators" group, which Fascia's content-editor role joins)
may also edit the symptoms and the organisation's contact details: Wagtail's own groups have
no permissions on a project's snippets and settings."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"
PERMISSIONS = [
    ("symptom", ["add", "change", "delete", "view"]),
    ("clinicsettings", ["change", "view"]),
]


def grant(apps, schema_editor):
    # Permissions are made after every migration has run; make this app's now.
    app_config = apps.get_app_config("website")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS for action in actions]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="website", codename__in=codenames)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="website"))


class Migration(migrations.Migration):
    dependencies = [
        ("website", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
