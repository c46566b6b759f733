# Case deadlines and their reminders now live in the deadlines app, which copied them under the same ids.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_statistics_index'),
        ('deadlines', '0002_from_petitions_and_cases'),
    ]

    # Whole tables dropped (removing a field first would make SQLite rebuild them with constraints
    # that name it).
    operations = [
        migrations.AlterField(
            model_name='supervisionorder',
            name='deadline',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='supervision_order', to='deadlines.deadline'),
        ),
        migrations.DeleteModel(
            name='ReminderSent',
        ),
        migrations.DeleteModel(
            name='Deadline',
        ),
    ]
