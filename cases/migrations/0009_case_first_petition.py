# A case's number is its first petition's registration number: the petition is stored on the case.

import django.db.models.deletion
from django.db import migrations, models


def fill_first_petition(apps, schema_editor):
    case_model, link_model = apps.get_model("cases", "Case"), apps.get_model("cases", "CasePetition")
    first = dict(link_model.objects.filter(is_first=True).values_list("case_id", "petition_id"))
    cases = list(case_model.objects.only("pk").iterator(chunk_size=5000))
    for case in cases:
        case.first_petition_id = first[case.pk]
    case_model.objects.bulk_update(cases, ["first_petition"], batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_deadlines_moved_out"),
        ("petitions", "0009_deadlines_moved_out"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="first_petition",
            field=models.OneToOneField(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="petitions.petition", verbose_name="first petition"
            ),
        ),
        migrations.RunPython(fill_first_petition, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="first_petition",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="petitions.petition", verbose_name="first petition"
            ),
        ),
    ]
