"""Re-seed the holiday calendar from the installed `chinesecalendar` package, e.g. after upgrading it."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from deadlines.calendar import package_years
from deadlines.services import ActorRequired, holidays_reload


class Command(BaseCommand):
    help = (
        "Load public holidays and make-up working days from the chinesecalendar package into the calendar "
        "(all years it knows, or --year). Days entered by administrators are kept. Open petition and case "
        "deadlines the change moves are recounted, with an event naming --by on each."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="only this year (repeatable)")
        parser.add_argument("--by", metavar="USERNAME", help="the administrator responsible, recorded on each moved deadline")

    def handle(self, *args, year=None, by=None, **options):
        actor = None
        if by:
            actor = User.objects.filter(username=by, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user “{by}”.")
        try:
            result, moved = holidays_reload(actor=actor, years=year)
        except ValueError as error:
            raise CommandError(f"{error} It knows {package_years()[0]}–{package_years()[-1]}.") from None
        except ActorRequired as error:
            raise CommandError(
                f"This changes the calendar where open deadlines run (from {error.args[0].isoformat()} on), so they would move. "
                "Run it again with --by USERNAME, the administrator responsible, who is recorded on each moved deadline. "
                "Nothing was changed."
            ) from None
        self.stdout.write(
            f"Years {', '.join(map(str, result.years))}: {result.created} days added, {result.updated} changed, "
            f"{result.deleted} removed, {result.kept_manual} entered by administrators kept."
        )
        if actor is not None:
            self.stdout.write(moved.summary())
