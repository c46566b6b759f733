"""The benchmarks' large dataset: `python bench/generate.py --petitions 1000000`.

Writes the demo county's reference data (cases.demo.county, as seed_demo does) and then N
petitions with their cases in bulk (COPY on PostgreSQL): bench/demo_petitions.py, bench/demo_cases.py
and bench/bulk_load.py. Its rows imitate what the services write, at a speed the services cannot
reach; the demo (`manage.py seed_demo`) writes its smaller history through the services themselves.

Same meaning of `--petitions` as seed_demo: the database holds at least N petitions afterwards.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The ID numbers are encrypted with the keys this runs with; bench/run.py must use the same ones.
if "SECRET_KEY" not in os.environ:
    os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench import demo_petitions  # noqa: E402
from cases.demo import county  # noqa: E402
from deadlines.calendar import holidays_load  # noqa: E402

DEFAULT_PASSWORD = "xinfang-demo-2026"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--petitions", type=int, required=True, help="Total petitions the database should hold afterwards.")
    petitions = parser.parse_args().petitions
    if petitions < 0:
        parser.error("--petitions must be zero or more.")
    log = print
    started = time.perf_counter()
    log(f"Generating into {connection.vendor} database {connection.settings_dict['NAME']!s} …")
    report, units, users = county.county_create(password=os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD)
    log(
        f"Reference data ({time.perf_counter() - started:.1f} s): units {report.units_created} created / {report.units_kept} kept, "
        f"users {report.users_created} created / {report.users_kept} kept, "
        f"second-level categories {report.categories_created} created / {report.categories_kept} kept."
    )
    holidays = holidays_load()
    log(f"Holiday calendar {holidays.years[0]}–{holidays.years[-1]}: {holidays.created} days created, {holidays.updated} updated.")

    log(f"Petitions (target {petitions:,}):")
    load = demo_petitions.load(requested=petitions, units=units, users=users, log=log)
    if load.added:
        demo_petitions.vacuum(log)
        statuses = ", ".join(f"{status} {count:,}" for status, count in sorted(load.by_status.items()))
        numbers = ", ".join(f"{year}: {first:06d}–{last:06d}" for year, (first, last) in load.numbers.items())
        rows = ", ".join(f"{table} {count:,}" for table, count in load.rows.items())
        stages = ", ".join(f"{label} {count:,}" for label, count in sorted(load.cases.by_label.items()))
        decisions = ", ".join(f"{action} {count:,}" for action, count in sorted(load.cases.decisions.items()))
        log(
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
    log(f"Done in {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
