"""`python manage.py seed_demo [--petitions N]`: the demo county (API.md, "Operations commands").

Safe to run again. Units, users and categories are found by code or username and only the
missing ones are created; nothing existing is changed (not even a password). Petitions are
topped up: `--petitions N` means "the database holds at least N petitions", so a second run
with the same N adds none, and a larger N adds the difference, each with its history.

Everything after the reference data is written by the product's services, with the clock set to
each step's moment (cases.demo.history). It lives in cases, the lowest app that can import every
service the history calls. The million-row generator for the benchmarks is `bench/generate.py`.
"""

import os
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from accounts.models import Notification
from cases.demo import county, history
from cases.models import Case, CaseEvent, SupervisionOrder
from deadlines.calendar import holidays_load
from petitions.models import Petition, PetitionEvent

DEFAULT_PETITIONS = 1000
DEFAULT_PASSWORD = "xinfang-demo-2026"


class Command(BaseCommand):
    help = "Create the demo county (units, users for every role, categories) and N petitions with their history. Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--petitions",
            type=int,
            default=DEFAULT_PETITIONS,
            help=f"Total petitions the database should hold afterwards (default {DEFAULT_PETITIONS}); only the missing ones are added.",
        )

    def handle(self, *args, petitions: int, **options) -> None:
        if petitions < 0:
            self.stderr.write("--petitions must be zero or more.")
            raise SystemExit(2)
        started = time.perf_counter()
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        self.stdout.write(f"Seeding the demo county into {connection.vendor} database {connection.settings_dict['NAME']!s} …")

        report, units, users = county.county_create(password=password)
        self.stdout.write(
            f"Units {report.units_created} created / {report.units_kept} kept, "
            f"users {report.users_created} created / {report.users_kept} kept, "
            f"second-level categories {report.categories_created} created / {report.categories_kept} kept."
        )
        if report.created_usernames:
            if os.environ.get("DEMO_PASSWORD"):
                source = "the password in DEMO_PASSWORD"
            else:
                source = f"the default password {DEFAULT_PASSWORD!r} (set DEMO_PASSWORD to choose another)"
            self.stdout.write(
                f"The {report.users_created} new users log in with {source}:\n"
                "  clerk, supervisor, admin (also /admin/) in 县信访局; handler, leader in 城关镇;\n"
                "  clerk_<code>, handler_<code>, leader_<code> for the bureau, each department and township, "
                f"leader_{county.LEADERSHIP_CODE} for the county leadership; codes: {', '.join(sorted(units))}."
            )
        elif report.users_kept:
            self.stdout.write("Existing users were left as they are (passwords unchanged).")

        holidays_load()  # as the deadlines migration did; keeps days an administrator entered

        added = history.history_add(requested=petitions, units=units, users=users)
        if not added.added:
            self.stdout.write(f"The database holds {added.existing:,} petitions (target {petitions:,}): nothing to add.")
        else:
            petition_statuses = Counter(Petition.objects.values_list("status", flat=True))
            case_statuses = Counter(Case.objects.values_list("status", flat=True))
            self.stdout.write(
                f"Added {added.added:,} petitions with their history ({added.steps:,} service calls) "
                f"to the {added.existing:,} already stored.\n"
                f"  petitions: {', '.join(f'{status} {count:,}' for status, count in sorted(petition_statuses.items()))}\n"
                f"  cases: {', '.join(f'{status} {count:,}' for status, count in sorted(case_statuses.items()))}\n"
                f"  supervision orders {SupervisionOrder.objects.count():,}, petition events {PetitionEvent.objects.count():,}, "
                f"case events {CaseEvent.objects.count():,}, notifications {Notification.objects.count():,}"
            )
        self.stdout.write(self.style.SUCCESS(f"Done in {time.perf_counter() - started:.1f} s."))
