"""The calendar, the policies and every clock move into the deadlines app.

An existing database keeps everything it had: the calendar and the policies as the administrators
left them, each case deadline and its reminders under the same ids (supervision orders point at
them), and a decision clock for every petition, counted from its receipt or its last routing, met,
late or still open as the petition stands, with the decision reminders already sent. A new
database gets the `chinesecalendar` package's years here.
"""

from django.core.management.color import no_style
from django.db import migrations
from django.utils import timezone

BATCH = 5000
OPEN_STATUSES = ("registered", "routed")


def copy_calendar_and_policies(apps, schema_editor):
    for model_name in ("CalendarYear", "CalendarDay", "DeadlinePolicy"):
        old, new = apps.get_model("petitions", model_name), apps.get_model("deadlines", model_name)
        fields = [field.attname for field in new._meta.concrete_fields]
        new.objects.bulk_create([new(**{name: getattr(row, name) for name in fields}) for row in old.objects.all()])
    if not apps.get_model("deadlines", "CalendarYear").objects.exists():
        from deadlines.calendar import holidays_load

        holidays_load(apps=apps)


def copy_case_deadlines(apps, schema_editor):
    old_deadline, old_reminder = apps.get_model("cases", "Deadline"), apps.get_model("cases", "ReminderSent")
    if not old_deadline.objects.exists():
        return
    content_type = _content_type(apps, "cases", "case")
    deadline, reminder = apps.get_model("deadlines", "Deadline"), apps.get_model("deadlines", "ReminderSent")
    batch = []
    for row in old_deadline.objects.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(
            deadline(
                pk=row.pk,
                subject_type=content_type,
                subject_id=row.case_id,
                kind=row.kind,
                start_on=row.start_on,
                due_on=row.due_on,
                paused_days=row.paused_days,
                extension_days=row.extension_days,
                status=row.status,
                met_on=row.met_on,
            )
        )
        batch = _flush(deadline, batch)
    _flush(deadline, batch, at_least=1)
    batch = []
    for row in old_reminder.objects.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(reminder(pk=row.pk, deadline_id=row.deadline_id, level=row.level, due_on=row.due_on, sent_at=row.sent_at))
        batch = _flush(reminder, batch)
    _flush(reminder, batch, at_least=1)


def add_petition_decision_clocks(apps, schema_editor):
    petition_model, event_model = apps.get_model("petitions", "Petition"), apps.get_model("petitions", "PetitionEvent")
    if not petition_model.objects.exists():
        return
    content_type = _content_type(apps, "petitions", "petition")
    deadline, reminder = apps.get_model("deadlines", "Deadline"), apps.get_model("deadlines", "ReminderSent")
    routed_on = {}
    for petition_id, at in event_model.objects.filter(action="route").order_by("at", "id").values_list("petition_id", "at").iterator():
        routed_on[petition_id] = timezone.localdate(at)
    batch = []
    rows = petition_model.objects.order_by("pk").values_list("pk", "status", "received_at", "decision_due", "decided_at")
    for pk, status, received_at, decision_due, decided_at in rows.iterator(chunk_size=BATCH):
        start_on = routed_on.get(pk) if status == "routed" else None
        met_on = timezone.localdate(decided_at) if decided_at and status not in OPEN_STATUSES else None
        if status in OPEN_STATUSES:
            clock_status = "open"
        else:
            clock_status = "overdue" if met_on and met_on > decision_due else "met"
        batch.append(
            deadline(
                subject_type=content_type,
                subject_id=pk,
                kind="decision",
                start_on=start_on or timezone.localdate(received_at),
                due_on=decision_due,
                status=clock_status,
                met_on=met_on,
            )
        )
        batch = _flush(deadline, batch)
    _flush(deadline, batch, at_least=1)
    clocks = dict(deadline.objects.filter(subject_type=content_type, kind="decision").values_list("subject_id", "pk"))
    batch = []
    for row in apps.get_model("petitions", "PetitionReminder").objects.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(reminder(deadline_id=clocks[row.petition_id], level=row.level, due_on=row.due_on, sent_at=row.sent_at))
        batch = _flush(reminder, batch)
    _flush(reminder, batch, at_least=1)


def reset_sequences(apps, schema_editor):
    """Rows were copied with their ids; the next new row (a petition's clock first) must not take one of them."""
    models = [apps.get_model("deadlines", name) for name in ("CalendarDay", "DeadlinePolicy", "Deadline", "ReminderSent")]
    with schema_editor.connection.cursor() as cursor:
        for statement in schema_editor.connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def _content_type(apps, app_label: str, model: str):
    content_type, _created = apps.get_model("contenttypes", "ContentType").objects.get_or_create(app_label=app_label, model=model)
    return content_type


def _flush(model, batch: list, *, at_least: int = BATCH) -> list:
    if len(batch) >= at_least:
        model.objects.bulk_create(batch)
        return []
    return batch


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("deadlines", "0001_initial"),
        ("petitions", "0008_statistics_index"),
        ("cases", "0007_statistics_index"),
    ]

    operations = [
        migrations.RunPython(copy_calendar_and_policies, migrations.RunPython.noop),
        migrations.RunPython(copy_case_deadlines, migrations.RunPython.noop),
        migrations.RunPython(reset_sequences, migrations.RunPython.noop),
        migrations.RunPython(add_petition_decision_clocks, migrations.RunPython.noop),
    ]
