"""Issue 18: programme titles and commission members' names stored before the models cleaned
them on save (NamesCleaned) are cleaned once (institute.text.clean_stored_names). Going back
changes nothing."""

from django.db import migrations

from institute.text import clean_stored_names

NAMES = {
    "Programme": ("title_kk", "title_ru", "internship_host"),
    "CommissionMember": ("full_name",),
}


def clean(apps, schema_editor) -> None:
    for model, fields in NAMES.items():
        clean_stored_names(apps.get_model("courses", model), fields)


class Migration(migrations.Migration):
    dependencies = [("courses", "0002_initial")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop, elidable=True)]
