# The calendar, the policies and the decision reminders now live in the deadlines app, which copied them first.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0008_statistics_index'),
        ('deadlines', '0002_from_petitions_and_cases'),
    ]

    operations = [
        # Whole tables dropped (removing a field first would make SQLite rebuild them with
        # constraints that name it).
        migrations.DeleteModel(
            name='PetitionReminder',
        ),
        migrations.DeleteModel(
            name='CalendarDay',
        ),
        migrations.DeleteModel(
            name='CalendarYear',
        ),
        migrations.DeleteModel(
            name='DeadlinePolicy',
        ),
    ]
