"""Issue 18: the names stored before the models cleaned them on save (NamesCleaned) are
cleaned once: NFC, no zero-width or bidirectional-control characters, single spaces. A name
whose cleaned spelling would duplicate another's under a unique constraint keeps its stored
spelling (institute.text.clean_stored_names logs it). Going back changes nothing: the
invisible characters are not worth restoring."""

from django.db import migrations

from institute.text import clean_stored_names

# The names as they stand in this migration (the models' NAME_FIELDS may grow later; a
# later migration cleans what it adds).
NAMES = {
    "User": ("first_name", "last_name"),
    "Institute": (
        "name_kk",
        "name_ru",
        "name_en",
        "short_name_kk",
        "short_name_ru",
        "head_name",
        "city_kk",
        "city_ru",
    ),
    "Region": ("name_kk", "name_ru", "name_en"),
    "District": ("name_kk", "name_ru", "name_en"),
    "Branch": ("name_kk", "name_ru"),
    "Organisation": ("name_kk", "name_ru"),
    "Field": ("name_kk", "name_ru", "name_en"),
    "Teacher": ("last_name", "first_name", "patronymic"),
}


def clean(apps, schema_editor) -> None:
    for model, fields in NAMES.items():
        clean_stored_names(apps.get_model("institute", model), fields)


class Migration(migrations.Migration):
    dependencies = [("institute", "0004_user_email_index")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop, elidable=True)]
