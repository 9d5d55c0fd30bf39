"""Install the COLIBRI-like default strategy (editable afterwards in the admin)."""

from django.db import migrations


def install(apps, schema_editor):
    from pyros.alerts.rules import COLIBRI_RULES

    Strategy = apps.get_model("alerts", "Strategy")
    if Strategy.objects.filter(is_default=True).exists():
        return
    Strategy.objects.update_or_create(
        name="COLIBRI",
        defaults={"rules": COLIBRI_RULES.to_json(), "is_default": True,
                  "description": "After COLIBRI's operating software: 10/30/60 s by alert "
                                 "age and error, 2x2 mosaic beyond 13', refuse beyond 45'."})


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
