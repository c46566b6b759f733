# The calendar, the policies and the decision reminders now live in the deadlines app, which copied them first.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0008_statistics_index'),
        ('deadlines', '0002_from_petitions_and_cases'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='calendarday',
            name='year',
        ),
        migrations.DeleteModel(
            name='DeadlinePolicy',
        ),
        migrations.RemoveField(
            model_name='petitionreminder',
            name='petition',
        ),
        migrations.DeleteModel(
            name='CalendarDay',
        ),
        migrations.DeleteModel(
            name='CalendarYear',
        ),
        migrations.DeleteModel(
            name='PetitionReminder',
        ),
    ]
