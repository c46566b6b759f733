"""Re-seed the holiday calendar from the installed `chinesecalendar` package, e.g. after upgrading it."""

from django.core.management.base import BaseCommand, CommandError

from petitions.calendar import holidays_load, package_years


class Command(BaseCommand):
    help = (
        "Load public holidays and make-up working days from the chinesecalendar package into the calendar "
        "(all years it knows, or --year). Days entered by administrators are kept. Open deadlines are not recomputed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="only this year (repeatable)")

    def handle(self, *args, year=None, **options):
        try:
            result = holidays_load(years=year)
        except ValueError as error:
            raise CommandError(f"{error} It knows {package_years()[0]}–{package_years()[-1]}.") from None
        self.stdout.write(
            f"Years {', '.join(map(str, result.years))}: {result.created} days added, {result.updated} changed, "
            f"{result.deleted} removed, {result.kept_manual} entered by administrators kept."
        )
