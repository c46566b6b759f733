"""The reminder scan (issue 4) on a database seeded with `bench/generate.py --petitions 1000000`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinfang_bench .venv/bin/python bench/run_scan.py

`deadlines.services.deadlines_scan` is what Celery beat runs every few minutes (and `manage.py
scan_deadlines` by hand). Each measurement runs in a fresh Python process, so its peak RSS
(`getrusage(RUSAGE_SELF).ru_maxrss`) is the scan's own plus Django's start-up, which is reported
beside it; the Python heap's peak is taken with tracemalloc, started just before the scan, in a
second run of the same case (tracing slows Python down, so that run's time is not the one
reported). Targets: ≤ 5 s and ≤ 200 MB.

- catch-up: the first scan after seeding. Every owed deadline (open, not the petitioner's own
  window) that is overdue or due within REMINDER_DUE_SOON_DAYS gets one reminder;
- steady state: the same scan again when nothing new is due, the common case every 5 minutes;
- concurrent: two processes start the catch-up at the same moment, then the steady state; the
  once-only claim must leave one reminder row per deadline and level and no notification twice;
- a week without scans: the catch-up as of today + 7 (more reminders, more writes).

The scan writes reminder rows, notifications and outbox e-mails. Before each catch-up the rows
written since this script started are deleted, so every catch-up starts from the seeded state and
the database is left as it was found (the tables' statistics are kept as with rows in them: see
Bench.restore, and run `--parts cases` first on a new database, which leaves them so). The outbox is not sent:
the Celery message the scan queues goes to an in-memory broker (no REDIS_URL), and is counted.
Results go to bench/results/scan-*.json, the plans of the scan's SELECTs to scan-explain-*.txt.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if "SECRET_KEY" not in os.environ:
    os.environ.setdefault("DEBUG", "1")

from bench.measure import proc_status_mb, rss_peak_mb  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LIMIT_SECONDS = 5.0
LIMIT_MB = 200.0


def _setup() -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log: production-like, and it would grow with the queries


def _tree() -> dict:
    """The commit measured, and whether the scan's files had changes not committed yet."""

    def git(*command: str) -> str:
        return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted": git(
            "status", "--short", "--", "deadlines/services.py", "accounts/services.py", "accounts/selectors.py"
        ).splitlines(),
    }


# --- one measurement (a child process) ------------------------------------------------------------


def _shape(sql: str) -> str:
    """A query's kind for the per-query totals: placeholders lists collapsed, first 150 characters."""
    sql = re.sub(r"\s+", " ", sql)
    sql = re.sub(r"(\((?:%s, )*%s\))(, \((?:%s, )*%s\))+", r"\1, …", sql)
    sql = re.sub(r"(%s, )+%s", "%s, …", sql)
    return sql[:150]


def child(args: argparse.Namespace) -> None:
    started_process = time.perf_counter()
    os.environ.pop("REDIS_URL", None)  # the broker is in memory: the queued outbox task is counted, never sent
    _setup()
    import tracemalloc

    from django.db import connection

    from accounts import tasks
    from config.celery import app
    from deadlines.services import deadlines_scan

    app.conf.task_always_eager = False  # eager would send the e-mails inside the scan's process
    if args.parts == "cases":
        # Case clocks only: the petitions' decision clocks are left out as the petitioner's windows are.
        # Only in this measuring process.
        import deadlines.services
        from deadlines.models import DeadlineKind

        deadlines.services.PETITIONER_WINDOWS = deadlines.services.PETITIONER_WINDOWS | {DeadlineKind.DECISION}
    enqueued = {"outbox_send": 0}
    original_delay = tasks.outbox_send.delay

    def counting_delay(*task_args, **task_kwargs):
        enqueued["outbox_send"] += 1
        return original_delay(*task_args, **task_kwargs)

    tasks.outbox_send.delay = counting_delay

    queries: dict[str, dict] = {}
    plans: dict[str, dict] = {}

    def wrapper(execute, sql, params, many, context):
        shape = _shape(sql)
        if args.explain and not many and shape not in plans and sql.lstrip().upper().startswith("SELECT"):
            execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params, many, context)
            plan = "\n".join(row[0] for row in context["cursor"].fetchall())
            plans[shape] = {"sql": sql if len(sql) < 3000 else sql[:3000] + " …", "plan": plan}
        begun = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = queries.setdefault(shape, {"count": 0, "ms": 0.0})
            entry["count"] += 1
            entry["ms"] += (time.perf_counter() - begun) * 1000

    connection.ensure_connection()
    if not args.cold:
        # What a worker process has after its first task: the URLconf (reverse() imports every view
        # module, WeasyPrint included: about 0.9 s and 30 MB once) and the site language's catalogs.
        from django.urls import get_resolver

        from accounts.services import site_language

        get_resolver().url_patterns  # noqa: B018 - loads the URLconf
        with site_language():
            pass
    rss_before = rss_peak_mb()
    vm_rss_before = proc_status_mb("VmRSS")
    setup_s = time.perf_counter() - started_process
    if args.start_at:
        time.sleep(max(0.0, args.start_at - time.time()))
    if args.trace:
        tracemalloc.start()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    with connection.execute_wrapper(wrapper):
        begun = time.perf_counter()
        result = deadlines_scan(as_of=date.fromisoformat(args.as_of), batch_size=args.batch_size)
        wall = time.perf_counter() - begun
    profile_text = None
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        profile_text = out.getvalue()
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.trace else None
    if args.trace:
        tracemalloc.stop()
    report = {
        "as_of": args.as_of,
        "parts": args.parts,
        "batch_size": args.batch_size,
        "traced": args.trace,
        "wall_s": round(wall, 3),
        "reminders": result.reminders,
        "notifications": result.notifications,
        "queries": sum(entry["count"] for entry in queries.values()),
        "sql_ms": round(sum(entry["ms"] for entry in queries.values()), 1),
        "outbox_tasks_queued": enqueued["outbox_send"],
        "profiled": args.profile,
        "cold": args.cold,
        "rss_before_scan_mb": round(rss_before, 1),
        "rss_peak_mb": round(rss_peak_mb(), 1),
        "vm_rss_before_scan_mb": vm_rss_before and round(vm_rss_before, 1),
        "vm_hwm_mb": (hwm := proc_status_mb("VmHWM")) and round(hwm, 1),
        "heap_peak_mb": round(heap_peak, 1) if heap_peak is not None else None,
        "process_setup_s": round(setup_s, 2),
        "by_query": sorted(
            ({"sql": shape, "count": entry["count"], "ms": round(entry["ms"], 1)} for shape, entry in queries.items()),
            key=lambda row: -row["ms"],
        ),
        "plans": plans,
        "profile": profile_text,
    }
    print("RESULT " + json.dumps(report, ensure_ascii=False, default=str))


# --- the parent: dataset, restores, runs ------------------------------------------------------------


def _run_children(specs: list[list[str]], *, together: bool = False) -> list[dict]:
    """Start one child per spec (extra arguments), at the same moment if `together`; their reports."""
    # Through a shell that forks: on Linux a process's ru_maxrss starts from the high-water mark of the
    # image it replaced at exec, so a child exec'd straight from this process would report at least this
    # process's peak. The shell is small; its forked child starts from that.
    base = ["/bin/sh", "-c", '"$@"; exit $?', "sh", sys.executable, str(Path(__file__).resolve()), "--child"]
    start = ["--start-at", str(time.time() + 6)] if together else []  # after every child's Django start-up
    processes = [subprocess.Popen([*base, *spec, *start], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for spec in specs]
    reports = []
    for process in processes:
        out, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"scan process failed ({process.returncode}):\n{err[-4000:]}")
        line = next(line for line in out.splitlines() if line.startswith("RESULT "))
        reports.append(json.loads(line[len("RESULT ") :]))
    return reports


class Bench:
    def __init__(self, *, as_of: date, batch_size: int) -> None:
        from django.db import connection

        from accounts.models import Notification, OutboxEmail
        from deadlines.models import ReminderSent

        self.connection = connection
        self.as_of = as_of
        self.batch_size = batch_size
        self.parts = "all"
        models = [OutboxEmail, Notification, ReminderSent]  # the outbox first: it points at the notifications
        self.tables = {model: model._meta.db_table for model in models}
        self.start_ids = {model: self._max_id(table) for model, table in self.tables.items()}
        self.load: list = []

    def _max_id(self, table: str) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            return cursor.fetchone()[0]

    def restore(self) -> dict:
        """Delete what the runs wrote (outbox first: it points at the notifications).

        The tables are analyzed before the delete and not vacuumed after it: their statistics stay
        those of a table with rows in it, as autovacuum keeps them in production. Statistics of an
        empty table (VACUUM or ANALYZE after the delete) are a trap here: the foreign-key checks that
        run at each batch's commit are planned once per connection, at the first commit, and with
        autovacuum off (as on this machine's PostgreSQL) nothing replans them. Planned as sequential
        scans of a table believed empty, they read every notification once per e-mail row: a
        100,000-petition catch-up took 650 s instead of 25 s.
        """
        deleted = {}
        with self.connection.cursor() as cursor:
            for model, table in self.tables.items():
                if self._max_id(table) > self.start_ids[model]:
                    cursor.execute(f"ANALYZE {table}")
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [self.start_ids[model]])
                deleted[model.__name__] = cursor.rowcount
        return deleted

    def statistics(self) -> dict:
        """What the planner believes about the written tables, and whether autovacuum would refresh it."""
        with self.connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            autovacuum = cursor.fetchone()[0]
            cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname IN %s", [tuple(self.tables.values())])
            return {"autovacuum": autovacuum, "reltuples": dict(cursor.fetchall())}

    def written(self) -> dict:
        """Rows the runs wrote since the last restore, and duplicates (there must be none)."""
        from accounts.models import Notification, OutboxEmail
        from deadlines.models import ReminderSent

        notification_table, reminder_table = self.tables[Notification], self.tables[ReminderSent]
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {reminder_table} WHERE id > %s GROUP BY deadline_id, level HAVING COUNT(*) > 1) d",
                [self.start_ids[ReminderSent]],
            )
            duplicate_reminders = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) n FROM {notification_table} WHERE id > %s "
                "GROUP BY recipient_id, kind, subject_type_id, subject_id, message HAVING COUNT(*) > 1) d",
                [self.start_ids[Notification]],
            )
            duplicate_groups, duplicate_extra = cursor.fetchone()
        return {
            "reminder_rows": ReminderSent.objects.filter(id__gt=self.start_ids[ReminderSent]).count(),
            "notification_rows": Notification.objects.filter(id__gt=self.start_ids[Notification]).count(),
            "outbox_rows": OutboxEmail.objects.filter(id__gt=self.start_ids[OutboxEmail]).count(),
            "duplicate_reminders": duplicate_reminders,
            "duplicate_notifications": int(duplicate_extra),
            "duplicate_notification_groups": duplicate_groups,
        }

    def run(
        self,
        name: str,
        *,
        as_of: date | None = None,
        processes: int = 1,
        trace: bool = False,
        explain: bool = False,
        profile: bool = False,
        cold: bool = False,
    ) -> list[dict]:
        spec = ["--as-of", (as_of or self.as_of).isoformat(), "--batch-size", str(self.batch_size), "--parts", self.parts]
        spec += ["--trace"] if trace else []
        spec += ["--explain"] if explain else []
        spec += ["--profile"] if profile else []
        spec += ["--cold"] if cold else []
        load_before = os.getloadavg()[0]
        reports = _run_children([spec] * processes, together=processes > 1)
        for report in reports:
            report["load_average_before"] = round(load_before, 2)
            report["name"] = name
            _print(report)
        return reports


def _print(report: dict) -> None:
    if report["traced"]:
        verdict = f"heap peak {report['heap_peak_mb']:.1f} MB (traced: its time is not the one reported)"
    elif report["profiled"]:
        verdict = "(profiled: its time is not the one reported)"
    elif report["cold"]:
        verdict = "(URLconf and catalogs loaded inside the scan: once per worker process)"
    else:
        within = report["wall_s"] <= LIMIT_SECONDS and report["rss_peak_mb"] <= LIMIT_MB
        verdict = "ok" if within else "OVER TARGET"
    print(
        f"  {report['name']:<32} {report['wall_s']:7.2f} s  queries {report['queries']:5}  "
        f"reminders {report['reminders']:6}  notifications {report['notifications']:6}  "
        f"RSS {report['rss_before_scan_mb']:5.1f} → {report['rss_peak_mb']:5.1f} MB (VmHWM {report['vm_hwm_mb']})  {verdict}  "
        f"(load {report['load_average_before']})"
    )


def dataset(as_of: date) -> dict:
    from django.conf import settings
    from django.db.models import Count, Q

    from accounts.models import User
    from cases.models import SupervisionOrder, SupervisionStatus
    from deadlines.models import PETITIONER_WINDOWS, Deadline, DeadlineStatus, ReminderSent
    from petitions.models import Petition

    soon = as_of + timedelta(days=settings.REMINDER_DUE_SOON_DAYS)
    open_deadlines = Deadline.objects.filter(status=DeadlineStatus.OPEN)
    owed = open_deadlines.exclude(kind__in=PETITIONER_WINDOWS)
    by_kind = {
        row["kind"]: {key: row[key] for key in ("total", "overdue", "due_today", "due_soon", "later")}
        for row in owed.values("kind")
        .annotate(
            total=Count("id"),
            overdue=Count("id", filter=Q(due_on__lt=as_of)),
            due_today=Count("id", filter=Q(due_on=as_of)),
            due_soon=Count("id", filter=Q(due_on__gt=as_of, due_on__lte=soon)),
            later=Count("id", filter=Q(due_on__gt=soon)),
        )
        .order_by("kind")
    }
    return {
        "petitions": Petition.objects.count(),
        "as_of": as_of.isoformat(),
        "due_soon_days": settings.REMINDER_DUE_SOON_DAYS,
        "open_deadlines": open_deadlines.count(),
        "open_owed_deadlines": sum(row["total"] for row in by_kind.values()),
        "open_petitioner_windows": open_deadlines.filter(kind__in=PETITIONER_WINDOWS).count(),
        "open_petitioner_windows_in_scan_range": open_deadlines.filter(kind__in=PETITIONER_WINDOWS, due_on__lte=soon).count(),
        "owed_by_kind": by_kind,
        "owed_in_reminder_window": owed.filter(due_on__lte=soon).count(),
        "supervision_orders_open": SupervisionOrder.objects.filter(status=SupervisionStatus.OPEN).count(),
        "reminder_rows_before": ReminderSent.objects.count(),
        "active_users": User.objects.filter(is_active=True).count(),
        "users_with_email_on": User.objects.filter(is_active=True, email_notifications=True).exclude(email="").count(),
    }


def _command_run(runs: dict, as_of: date) -> None:
    """`manage.py scan_deadlines` once in the steady state, timed from outside: the whole process."""
    started = time.perf_counter()
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}  # inline tasks: nothing queued
    env["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"  # nothing due; if there were, not printed
    command = subprocess.run(
        ["/bin/sh", "-c", '"$@"; exit $?', "sh", "/usr/bin/time", "-f", "%e %M", sys.executable, "manage.py", "scan_deadlines"]
        + ["--as-of", as_of.isoformat()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    elapsed, max_kb = command.stderr.strip().splitlines()[-1].split()
    runs["steady_command"] = {
        "command": f"manage.py scan_deadlines --as-of {as_of}",
        "output": command.stdout.strip()[-500:],
        "process_wall_s": float(elapsed),
        "process_max_rss_mb": round(int(max_kb) / 1024, 1),
        "measured_s": round(time.perf_counter() - started, 2),
    }
    print(
        f"  manage.py scan_deadlines (whole process, Django start-up included): {float(elapsed):.2f} s, "
        f"max RSS {int(max_kb) / 1024:.1f} MB: {command.stdout.strip()[-200:]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--explain", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--scenarios",
        default="traced,cold,command,concurrent,outage",
        help="besides the catch-up and the steady state (comma-separated): traced (tracemalloc and EXPLAIN runs), cold (a "
        "catch-up without the URLconf loaded), command (manage.py scan_deadlines, with --parts all), concurrent, outage",
    )
    parser.add_argument("--profile", action="store_true", help="also run one catch-up under cProfile (its stats go to results/)")
    parser.add_argument("--as-of", help="the day to scan as, YYYY-MM-DD (default today in Asia/Shanghai)")
    parser.add_argument("--batch-size", type=int, default=1000, help="deadlines_scan's batch size (default 1000, as beat runs it)")
    parser.add_argument("--steady-runs", type=int, default=5, help="timed steady-state runs (default 5)")
    parser.add_argument("--outage-days", type=int, default=7, help="the extra catch-up as of today + N days (0: skip)")
    parser.add_argument(
        "--parts",
        choices=["cases", "all"],
        default="cases",
        help="cases: the case deadlines only (issue 4's scan; the petitions' decision reminders are switched off in the "
        "measuring processes); all: the scan as it is, petitions waiting for a decision included",
    )
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    _setup()
    from django.db import connection
    from django.utils import timezone

    as_of = date.fromisoformat(args.as_of) if args.as_of else timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    data = dataset(as_of)
    print(f"{data['petitions']:,} petitions in {connection.settings_dict['NAME']} ({version}); load average {os.getloadavg()[0]:.2f}")
    print(
        f"Open deadlines: {data['open_deadlines']:,}; owed by a unit (not the petitioner's windows): {data['open_owed_deadlines']:,}; "
        f"petitioner windows: {data['open_petitioner_windows']:,}."
    )
    for kind, row in data["owed_by_kind"].items():
        print(
            f"  {kind:<24} {row['total']:7,}  overdue {row['overdue']:6,}  due today {row['due_today']:5,}  "
            f"due in 1–{data['due_soon_days']} days {row['due_soon']:5,}  later {row['later']:7,}"
        )
    print(
        f"  in the reminder window on {as_of}: {data['owed_in_reminder_window']:,}; open supervision orders "
        f"{data['supervision_orders_open']:,}; users with e-mail on {data['users_with_email_on']} of {data['active_users']}"
    )
    if data["reminder_rows_before"]:
        print(f"  note: {data['reminder_rows_before']:,} reminder rows were there already; the catch-up counts only what is left to send.")

    bench = Bench(as_of=as_of, batch_size=args.batch_size)
    bench.parts = args.parts
    data["statistics"] = bench.statistics()
    print(f"Planner statistics of the written tables: {data['statistics']}")
    print(f"Measuring: {'the case deadlines only' if args.parts == 'cases' else 'the whole scan (case deadlines and petition decisions)'}.")
    report: dict = {
        "at": datetime.now().isoformat(timespec="seconds"),
        "database": str(connection.settings_dict["NAME"]),
        "postgresql": version,
        "parts": args.parts,
        "tree": _tree(),
        "dataset": data,
        "targets": {"seconds": LIMIT_SECONDS, "rss_mb": LIMIT_MB},
        "runs": {},
        "checks": {},
    }
    runs = report["runs"]
    checks = report["checks"]
    wanted = set(args.scenarios.split(","))
    try:
        print("Catch-up (the first scan after seeding):")
        bench.restore()
        runs["catch_up"] = bench.run("catch-up")
        checks["catch_up"] = bench.written()
        if "traced" in wanted:
            bench.restore()
            runs["catch_up_traced"] = bench.run("catch-up (traced, plans)", trace=True, explain=True)
        if "cold" in wanted:
            bench.restore()
            runs["catch_up_cold"] = bench.run("catch-up, cold process", cold=True)
        if args.profile:
            bench.restore()
            runs["catch_up_profiled"] = bench.run("catch-up (profiled)", profile=True)

        print("Steady state (nothing new due):")
        runs["steady"] = [bench.run(f"steady state {index + 1}")[0] for index in range(args.steady_runs)]
        if "traced" in wanted:
            runs["steady_traced"] = bench.run("steady state (traced, plans)", trace=True, explain=True)
        checks["steady"] = bench.written()
        if "command" in wanted and args.parts == "all":  # the command cannot leave the petitions out
            _command_run(runs, as_of)

        if "concurrent" in wanted:
            print("Two scans at once (catch-up, then steady state):")
            bench.restore()
            runs["concurrent_catch_up"] = bench.run("concurrent catch-up", processes=2)
            checks["concurrent_catch_up"] = bench.written()
            runs["concurrent_steady"] = bench.run("concurrent steady state", processes=2)
            checks["concurrent_steady"] = bench.written()
            single, pair = checks["catch_up"], checks["concurrent_catch_up"]
            print(
                f"  once only: {pair['reminder_rows']:,} reminder rows (one scan alone wrote {single['reminder_rows']:,}), "
                f"{pair.get('petition_reminder_rows', 0):,} petition reminder rows (alone {single.get('petition_reminder_rows', 0):,}), "
                f"{pair['notification_rows']:,} notifications (alone {single['notification_rows']:,}), "
                f"{pair['outbox_rows']:,} e-mails (alone {single['outbox_rows']:,}); duplicate reminders {pair['duplicate_reminders']}"
                f", duplicate petition reminders {pair.get('duplicate_petition_reminders', 0)}"
                f", duplicate notifications {pair['duplicate_notifications']}; after the steady pair: "
                f"{checks['concurrent_steady']['reminder_rows']:,} reminder rows"
            )

        if "outage" in wanted and args.outage_days:
            later = as_of + timedelta(days=args.outage_days)
            print(f"A week without scans (catch-up as of {later}):")
            bench.restore()
            runs["outage_catch_up"] = bench.run(f"catch-up as of +{args.outage_days} days", as_of=later)
            checks["outage_catch_up"] = bench.written()
            if "traced" in wanted:
                bench.restore()
                runs["outage_catch_up_traced"] = bench.run(f"catch-up as of +{args.outage_days} (traced)", as_of=later, trace=True)
    finally:
        report["restored"] = bench.restore()
        print(f"Database restored: {report['restored']}")
    report["load_average_after"] = os.getloadavg()
    steady = [run["wall_s"] for run in runs["steady"]]
    report["summary"] = {
        "catch_up_s": runs["catch_up"][0]["wall_s"],
        "catch_up_rss_mb": runs["catch_up"][0]["rss_peak_mb"],
        "catch_up_heap_mb": runs["catch_up_traced"][0]["heap_peak_mb"] if "catch_up_traced" in runs else None,
        "steady_median_s": round(statistics.median(steady), 3),
        "steady_rss_mb": max(run["rss_peak_mb"] for run in runs["steady"]),
    }

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    plans = {}
    for name in ("catch_up_traced", "steady_traced"):
        for run in runs.get(name, []):
            for plan in run.pop("plans").values():
                plans[f"{name}: {plan['sql'][:80]}"] = plan
    for group in runs.values():
        for run in group if isinstance(group, list) else []:
            run.pop("plans", None)
    profiled = runs.get("catch_up_profiled")
    if profiled:
        (RESULTS / f"scan-profile-{stamp}.txt").write_text(profiled[0].pop("profile") or "")
    for group in runs.values():
        for run in group if isinstance(group, list) else []:
            run.pop("profile", None)
    path = RESULTS / f"scan-{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    with open(RESULTS / f"scan-explain-{stamp}.txt", "w") as out:
        for name, plan in plans.items():
            out.write(f"== {name}\n{plan['sql']}\n\n{plan['plan']}\n\n")
    print(f"Results: {path.relative_to(ROOT)} (plans of the scan's SELECTs in scan-explain-{stamp}.txt)")


if __name__ == "__main__":
    main()
