"""`python manage.py seed_demo [--petitions N]`: the demo county (API.md, "Operations commands").

Safe to run again. Units, users and categories are found by code or username and only the
missing ones are created; nothing existing is changed (not even a password). Petitions are
topped up: `--petitions N` means "the database holds at least N petitions", so a second run
with the same N adds none, and a larger N adds the difference on top, numbered after each
year's last registration number.
"""

import os
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from bench import demo_county, demo_petitions
from deadlines.calendar import holidays_load

DEFAULT_PETITIONS = 3000
DEFAULT_PASSWORD = "xinfang-demo-2026"


class Command(BaseCommand):
    help = (
        "Create the demo county (units, users for every role, categories) and N historical petitions with their cases. Safe to run twice."
    )

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
        database = connection.settings_dict
        self.stdout.write(f"Seeding the demo county into {connection.vendor} database {database['NAME']!s} …")

        report, units, users = demo_county.county_create(password=password)
        self.stdout.write(
            f"Reference data ({time.perf_counter() - started:.1f} s): "
            f"units {report.units_created} created / {report.units_kept} kept, "
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
                f"leader_{demo_county.LEADERSHIP_CODE} for the county leadership; codes: {', '.join(sorted(units))}."
            )
        elif report.users_kept:
            self.stdout.write("Existing users were left as they are (passwords unchanged).")

        holidays = holidays_load()  # as migration 0004 did; keeps days an administrator entered
        self.stdout.write(
            f"Holiday calendar {holidays.years[0]}–{holidays.years[-1]} (chinesecalendar): "
            f"{holidays.created} days created, {holidays.updated} updated, {holidays.kept_manual} entered by hand kept."
        )

        self.stdout.write(f"Petitions (target {petitions:,}):")
        load = demo_petitions.load(requested=petitions, units=units, users=users, log=self.stdout.write)
        if load.added:
            demo_petitions.vacuum(self.stdout.write)
            statuses = ", ".join(f"{status} {count:,}" for status, count in sorted(load.by_status.items()))
            numbers = ", ".join(f"{year}: {first:06d}–{last:06d}" for year, (first, last) in load.numbers.items())
            rows = ", ".join(f"{table} {count:,}" for table, count in load.rows.items())
            stages = ", ".join(f"{label} {count:,}" for label, count in sorted(load.cases.by_label.items()))
            decisions = ", ".join(f"{action} {count:,}" for action, count in sorted(load.cases.decisions.items()))
            self.stdout.write(
                f"Added {load.added:,} petitions to the {load.existing:,} already stored"
                f"{' (bulk mode: indexes and constraints rebuilt)' if load.bulk_mode else ''}.\n"
                f"  statuses: {statuses}\n"
                f"  repeats {load.repeats:,}, group visits {load.groups:,}\n"
                f"  registration numbers added per year: {numbers}\n"
                f"  acceptances: {decisions}\n"
                f"  new cases by stage now: {stages} ({load.cases.steered} steered to a stage no case showed yet)\n"
                f"  open case deadlines added: {load.cases.deadlines_open:,}, of them owed by a unit "
                f"(not the petitioner's windows): {load.cases.deadlines_owed:,}\n"
                f"  supervision orders: {load.cases.supervision_orders:,}, {load.cases.supervision_open:,} waiting for the unit's answer\n"
                f"  rows written: {rows}"
            )
        self.stdout.write(self.style.SUCCESS(f"Done in {time.perf_counter() - started:.1f} s."))
