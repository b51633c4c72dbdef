"""Finding a listener by part of a name (the five-year report's search, the listener list):
`icontains` asks PostgreSQL for UPPER(name) LIKE '%…%', which no B-tree index serves, so
every search read all 100,000 listeners (about 60 ms a query, three queries a page).
Trigram indexes on the same expressions serve it. PostgreSQL only; the extension pg_trgm
is a trusted one (PostgreSQL 13+), so the database's owner may create it. Where it cannot be
created, the migration goes on without the indexes: the search still works, only slower."""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

COLUMNS = ["last_name", "first_name", "patronymic"]


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        logger.warning("pg_trgm not available, name search stays unindexed: %s", error)
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS listener_{column}_trgm ON listeners_listener "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS listener_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("listeners", "0009_job_heartbeat")]

    operations = [migrations.RunPython(create, drop)]
