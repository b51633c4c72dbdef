"""The registration number folded for the public look-up (issue 19): added empty, filled
for the documents already issued, then indexed."""

from django.db import migrations, models


def fill_number_keys(apps, schema_editor) -> None:
    # The folding is the rules' own: what Document.save() stores from now on.
    from certificates.rules import number_key

    Document = apps.get_model("certificates", "Document")
    rows = []
    for document in Document.objects.only("pk", "number").iterator(chunk_size=2000):
        document.number_key = number_key(document.number)
        rows.append(document)
        if len(rows) == 1000:
            Document.objects.bulk_update(rows, ["number_key"])
            rows = []
    Document.objects.bulk_update(rows, ["number_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0005_job_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="number_key",
            field=models.CharField(
                default="",
                editable=False,
                max_length=30,
                verbose_name="registration number, folded for look-up",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_number_keys, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="document",
            name="number_key",
            field=models.CharField(
                db_index=True,
                editable=False,
                max_length=30,
                verbose_name="registration number, folded for look-up",
            ),
        ),
    ]
