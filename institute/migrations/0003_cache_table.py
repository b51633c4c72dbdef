"""The cache's table (settings.CACHES: the sign-in lockout and the verification throttle),
created by `migrate` so that a server needs no extra step."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor) -> None:
    from django.conf import settings

    for cache in settings.CACHES.values():
        if cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
            table = schema_editor.quote_name(cache["LOCATION"])
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    dependencies = [("institute", "0002_audit_entry")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
