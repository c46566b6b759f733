"""A leader's approval inbox (issue 12) on a database seeded with `bench/generate.py --petitions 1000000`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinfang_bench DEBUG=1 .venv/bin/python bench/run_inbox.py

The inbox now holds, besides the plans and replies of the cases a leader leads, the extensions asked
of their unit, which its head decides (Art. 34): the query ORs the lead official with the lead unit.
This times its first page and its count, as the start page and the navbar read them, for the leader
of the unit leading most cases in progress, and prints the plan's scans. It also times the routing
suggestion the petition page reads. Best and median of 7 runs, in ms; nothing is written.
"""

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def timed(call: Callable[[], object], runs: int = 7) -> str:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return f"best {min(times):.1f} ms, median {statistics.median(times):.1f} ms"


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count

    settings.DEBUG = False  # no query log: production-like (DEBUG=1 only supplies the development key)

    from accounts.models import Role, User
    from cases import selectors
    from cases.models import Case, CaseStatus
    from petitions.models import Petition, Status
    from petitions.selectors import routing_suggestion

    print(f"{Case.objects.count():,} cases, {Petition.objects.count():,} petitions")
    busiest = Case.objects.filter(status=CaseStatus.IN_PROGRESS).values("lead_unit").annotate(n=Count("id")).order_by("-n")[0]
    leader = next(user for user in User.objects.filter(unit_id=busiest["lead_unit"]) if user.has_role(Role.LEADER))
    inbox = selectors.approval_inbox(user=leader)
    print(f"inbox of {leader.username} (unit leading {busiest['n']:,} cases in progress): {inbox.count()} waiting")
    print("  first page of 10:", timed(lambda: list(inbox[:10])))
    print("  count:", timed(inbox.count))
    for line in inbox[:10].explain(analyze=True).splitlines():
        if "Scan" in line:
            print("  ", line.strip()[:160])
    petition = Petition.objects.filter(status=Status.REGISTERED).order_by("-id").first()
    if petition is not None:
        print("routing suggestion of a registered petition:", timed(lambda: routing_suggestion(petition)))


if __name__ == "__main__":
    main()
