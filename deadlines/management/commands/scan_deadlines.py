"""The reminder scan that Celery beat runs, by hand (API.md "Operations commands")."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from deadlines.services import deadlines_scan


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date written YYYY-MM-DD, not “{value}”. Nothing was sent.") from None


class Command(BaseCommand):
    help = (
        "Send the due-soon, due-today and overdue reminders that open deadlines have reached, each once. "
        "--as-of YYYY-MM-DD scans as if it were that day (default today)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="the day to scan as (default today)")

    def handle(self, *args, as_of=None, **options):
        result = deadlines_scan(as_of=_day(as_of) if as_of else None)
        self.stdout.write(f"{result.reminders} reminders sent, {result.notifications} notifications.")
