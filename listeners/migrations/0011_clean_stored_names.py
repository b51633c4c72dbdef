"""Issue 18: listeners' names, the signatories of orders and the upgrades recorded from
elsewhere, stored before the models cleaned them on save (NamesCleaned), are cleaned once
(institute.text.clean_stored_names: read in chunks, written in batches, so 100,000
listeners are never all in memory). A listener stored as «Сейіт» + a zero-width space +
«қызы» is then found by the surname as it looks. Going back changes nothing."""

from django.db import migrations

from institute.text import clean_stored_names

NAMES = {
    "Listener": ("last_name", "first_name", "patronymic"),
    "Order": ("head_name",),
    "ExternalUpgrade": ("issuer", "programme_title"),
}


def clean(apps, schema_editor) -> None:
    for model, fields in NAMES.items():
        clean_stored_names(apps.get_model("listeners", model), fields)


class Migration(migrations.Migration):
    dependencies = [("listeners", "0010_listener_name_trigram")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop, elidable=True)]
