"""Benchmarks of the monthly statistics (issue 5, part 8) on a database seeded with
`bench/generate.py --petitions 1000000`.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinfang_bench .venv/bin/python bench/run_reports.py

Every measurement runs in a fresh Python process (started through `/bin/sh`, as in run_scan.py, so
that `ru_maxrss` is the process's own), with `settings.DEBUG = False`. Time is `perf_counter` around
the call; queries are counted, and timed one by one, with `connection.execute_wrapper` on a run of
their own. "Cold" is the first call in the process: a new database connection, nothing imported
lazily yet, no plan or ORM state cached. PostgreSQL's buffers stay warm from earlier runs (this
script cannot empty them).

- figures: `reporting.selectors.report_figures` for the county, a department and a township, for the
  last full month and for the three months ending with it: cold, then warm median and p95, queries,
  and EXPLAIN (ANALYZE, BUFFERS) of the slowest queries (target for the county's month: ≤ 500 ms);
- page: `/reports/` as the supervisor through django.test.Client (skipped while the view is a stub);
- files: `reporting.exports.export_file` of the county's last full month as PDF, Excel and CSV, each
  in its own process: the figures, the first build, warm builds, the process's peak RSS (targets for
  the PDF: ≤ 5 s, ≤ 400 MB);
- month close: `reporting.services.month_close` of the last full month (the county and every unit),
  inside a transaction that is rolled back, so the database is left as it was found.

Read-only otherwise. Results go to bench/results/reports-*.json, the plans to reports-explain-*.txt.
"""

import argparse
import json
import os
import re
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

from bench.measure import proc_status_mb, rss_peak_mb, summary  # noqa: E402

RESULTS = ROOT / "bench" / "results"
FIGURES_LIMIT_MS = 500.0
PDF_LIMIT_S, PDF_LIMIT_MB = 5.0, 400.0
DEPARTMENT, TOWNSHIP = "zhujian", "chengguan"  # the department and the township with the most petitions
SCOPES = ("county", DEPARTMENT, TOWNSHIP)
PERIODS = ("month", "quarter")
EXPLAIN_SLOWEST = 4


def _setup() -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log: production-like
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def _shape(sql: str) -> str:
    sql = re.sub(r"\s+", " ", sql)
    sql = re.sub(r"(%s, )+%s", "%s, …", sql)
    return sql[:160]


def last_full_month(today: date) -> tuple[int, int]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.year, last.month


def _period(name: str, today: date):
    from reporting.periods import Period

    year, month = last_full_month(today)
    month_period = Period.month(year, month)
    if name == "month":
        return month_period
    first = month_period.start
    for _ in range(2):
        first = (first - timedelta(days=1)).replace(day=1)
    return Period(first, month_period.end)


def _unit(scope: str):
    from accounts.models import Unit

    return None if scope == "county" else Unit.objects.get(code=scope)


class QueryLog:
    """Each query's SQL, parameters and time, while `active`."""

    def __init__(self) -> None:
        self.active = False
        self.entries: list[dict] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if self.active:
                self.entries.append({"sql": sql, "params": params, "ms": (time.perf_counter() - started) * 1000})


def _explain(entries: list[dict], count: int) -> list[dict]:
    from django.db import connection

    plans = []
    for entry in sorted(entries, key=lambda entry: -entry["ms"])[:count]:
        if not entry["sql"].lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + entry["sql"], entry["params"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append(
            {"ms": round(entry["ms"], 1), "sql": entry["sql"], "params": [str(param) for param in entry["params"] or ()], "plan": plan}
        )
    return plans


def _by_query(entries: list[dict]) -> list[dict]:
    return sorted(({"sql": _shape(entry["sql"]), "ms": round(entry["ms"], 1)} for entry in entries), key=lambda row: -row["ms"])


def _timed(call, log: QueryLog, iterations: int) -> dict:
    """Cold first call, one logged call (queries), then `iterations` timed ones."""
    started = time.perf_counter()
    result = call()
    cold_ms = (time.perf_counter() - started) * 1000
    log.active, log.entries = True, []
    call()
    log.active = False
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return {"result": result, "cold_ms": round(cold_ms, 1), **summary(samples), "queries": len(log.entries)}


# --- measurements (each in a child process) -----------------------------------------------------------


def child_figures(args: argparse.Namespace, log: QueryLog) -> dict:
    from django.utils import timezone

    from reporting.selectors import report_figures

    today = timezone.localdate()
    period, unit = _period(args.period, today), _unit(args.scope)
    measured = _timed(lambda: report_figures(period=period, unit=unit), log, args.iterations)
    figures = measured.pop("result")
    return {
        **measured,
        "period": period.as_dict(),
        "sql_ms": round(sum(entry["ms"] for entry in log.entries), 1),
        "by_query": _by_query(log.entries),
        "plans": _explain(log.entries, EXPLAIN_SLOWEST) if args.explain else [],
        "figures": {
            "totals": figures["totals"],
            "rates": figures["rates"],
            "rate_counts": figures["rate_counts"],
            "overdue": len(figures["overdue"]),
            "supervised": len(figures["supervised"]),
        },
    }


def child_page(args: argparse.Namespace, log: QueryLog) -> dict:
    import logging

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User

    logging.getLogger("axes").setLevel(logging.WARNING)
    year, month = last_full_month(timezone.localdate())
    client = Client(raise_request_exception=True)
    client.force_login(User.objects.get(username="supervisor"))
    url = reverse("report-page")
    try:
        measured = _timed(lambda: client.get(url, {"year": year, "month": month}), log, args.iterations)
    except NotImplementedError:
        return {"skipped": "reporting.views.report_page is not written yet (raises NotImplementedError)"}
    response = measured.pop("result")
    return {**measured, "url": url, "status": response.status_code, "bytes": len(response.content), "by_query": _by_query(log.entries)}


def child_export(args: argparse.Namespace, log: QueryLog) -> dict:
    from django.urls import reverse
    from django.utils import timezone

    from accounts.services import site_language
    from reporting import exports
    from reporting.selectors import report_get

    reverse("report-page")  # the URLconf, as a worker has it after its first task
    period = _period("month", timezone.localdate())
    rss_before = rss_peak_mb()
    started = time.perf_counter()
    with site_language():
        report = report_get(period=period, unit=None)
        figures_s = time.perf_counter() - started
        started_export = time.perf_counter()
        try:
            exported = exports.export_file(report=report, format=args.format)
        except NotImplementedError:
            return {"skipped": "reporting.exports.export_file is not written yet (raises NotImplementedError)"}
        first_s = time.perf_counter() - started_export
        total_s = time.perf_counter() - started
        rss_after_first = rss_peak_mb()
        samples = []
        for _ in range(args.export_iterations):
            started = time.perf_counter()
            exports.export_file(report=report, format=args.format)
            samples.append((time.perf_counter() - started) * 1000)
    pages = None
    if args.format == "pdf":
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / "reports-last.pdf"
        path.write_bytes(exported.content)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        pages = next((int(line.split()[1]) for line in info.splitlines() if line.startswith("Pages:")), None)
    return {
        "period": period.as_dict(),
        "format": args.format,
        "figures_s": round(figures_s, 2),
        "first_export_s": round(first_s, 2),
        "figures_and_first_export_s": round(total_s, 2),
        "warm_export": summary(samples) if samples else None,
        "bytes": len(exported.content),
        "pages": pages,
        "overdue_rows": len(report.figures["overdue"]),
        "supervised_rows": len(report.figures["supervised"]),
        "rss_before_mb": round(rss_before, 1),
        "rss_after_first_mb": round(rss_after_first, 1),
    }


def child_close(args: argparse.Namespace, log: QueryLog) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from reporting import selectors, services

    year, month = last_full_month(timezone.localdate())
    supervisor = User.objects.get(username="supervisor")
    per_scope = []
    original = selectors.report_figures

    def timed_figures(**kwargs):
        started = time.perf_counter()
        figures = original(**kwargs)
        per_scope.append(
            {"unit": kwargs["unit"].code if kwargs["unit"] else "county", "ms": round((time.perf_counter() - started) * 1000, 1)}
        )
        return figures

    selectors.report_figures = timed_figures
    log.active = True
    with transaction.atomic():
        started = time.perf_counter()
        closing = services.month_close(actor=supervisor, year=year, month=month)
        elapsed = time.perf_counter() - started
        snapshots = closing.snapshots.count()
        transaction.set_rollback(True)  # leave the month open: the dataset stays reusable
    log.active = False
    return {
        "month": f"{year}-{month:02d}",
        "seconds": round(elapsed, 2),
        "snapshots": snapshots,
        "queries": len(log.entries),
        "sql_ms": round(sum(entry["ms"] for entry in log.entries), 1),
        "per_scope": per_scope,
    }


CHILDREN = {"figures": child_figures, "page": child_page, "export": child_export, "close": child_close}


def child(args: argparse.Namespace) -> None:
    started_process = time.perf_counter()
    _setup()
    from django.db import connection

    log = QueryLog()
    with connection.execute_wrapper(log):
        setup_s = time.perf_counter() - started_process
        try:
            report = CHILDREN[args.child](args, log)
        except Exception as error:  # a file format still being written: say so and go on with the others
            report = {"skipped": f"failed: {type(error).__name__}: {str(error)[:200]}"}
    report.update(
        {
            "process_setup_s": round(setup_s, 2),
            "process_s": round(time.perf_counter() - started_process, 2),
            "rss_peak_mb": round(rss_peak_mb(), 1),
            "vm_hwm_mb": (hwm := proc_status_mb("VmHWM")) and round(hwm, 1),
        }
    )
    print("RESULT " + json.dumps(report, ensure_ascii=False, default=str))


# --- the parent -------------------------------------------------------------------------------------


def _run_child(*spec: str) -> dict:
    # Through a shell that forks, as in run_scan.py: a process exec'd straight from this one would
    # report at least this process's peak RSS as its own.
    command = ["/bin/sh", "-c", '"$@"; exit $?', "sh", sys.executable, str(Path(__file__).resolve()), "--child", *spec]
    load = os.getloadavg()[0]
    process = subprocess.run(command, capture_output=True, text=True)
    if process.returncode != 0:
        raise RuntimeError(f"child {spec} failed ({process.returncode}):\n{process.stderr[-4000:]}")
    line = next(line for line in process.stdout.splitlines() if line.startswith("RESULT "))
    return {"load_average_before": round(load, 2), **json.loads(line[len("RESULT ") :])}


def dataset() -> dict:
    from django.db import connection
    from django.utils import timezone

    from cases.models import Case
    from petitions.models import Petition

    today = timezone.localdate()
    month = _period("month", today)
    start, end = month.bounds()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'petitions_petition'")
        petitions = cursor.fetchone()[0]
    return {
        "database": str(connection.settings_dict["NAME"]),
        "today": today.isoformat(),
        "petitions_estimate": petitions,
        "cases": Case.objects.count(),
        "petitions_in_month": Petition.objects.filter(received_at__gte=start, received_at__lt=end).count(),
    }


def rates_by_month(today: date, months: int) -> list[dict]:
    """The county's three rates month by month: what the demo data makes of them."""
    from reporting.periods import Period
    from reporting.selectors import RATE_KEYS, overdue_cases, rate_counts

    rows = []
    year, month = last_full_month(today)
    for _ in range(months):
        period = Period.month(year, month)
        counts = rate_counts(period, None, today)
        rows.append(
            {
                "month": f"{year}-{month:02d}",
                **{key: counts[key] for key in RATE_KEYS},
                "overdue_cases": len(overdue_cases(period, None, today)),
            }
        )
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return rows


def _print_figures(row: dict) -> None:
    if "skipped" in row:
        print(f"  figures {row['scope']:<10} {row['period_name']:<8} {row['skipped']}")
        return
    ok = row["median_ms"] <= FIGURES_LIMIT_MS if row["scope"] == "county" and row["period_name"] == "month" else None
    verdict = "" if ok is None else ("  ok" if ok else "  OVER LIMIT")
    print(
        f"  figures {row['scope']:<10} {row['period_name']:<8} cold {row['cold_ms']:7.1f} ms  median {row['median_ms']:7.1f} ms  "
        f"p95 {row['p95_ms']:7.1f} ms  queries {row['queries']:>3}  SQL {row['sql_ms']:6.1f} ms  RSS {row['rss_peak_mb']:.0f} MB  "
        f"load {row['load_average_before']}{verdict}"
    )
    for query in row["by_query"][:3]:
        print(f"      {query['ms']:7.1f} ms  {query['sql'][:110]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--scope", default="county", help=argparse.SUPPRESS)
    parser.add_argument("--period", default="month", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="pdf", help=argparse.SUPPRESS)
    parser.add_argument("--explain", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--iterations", type=int, default=20, help="warm runs of the figures and the page (default 20)")
    parser.add_argument("--export-iterations", type=int, default=3, help="warm builds of each file after the first (default 3)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["figures", "page", "files", "close", "rates"])
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    _setup()
    from django.utils import timezone

    started = datetime.now()
    today = timezone.localdate()
    report: dict = {
        "at": started.isoformat(timespec="seconds"),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip(),
        "uncommitted": subprocess.run(
            ["git", "status", "--short", "--", "reporting", "petitions/models.py", "cases/models.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.splitlines(),
        **dataset(),
        "load_average_start": os.getloadavg(),
        "figures": [],
        "page": None,
        "files": [],
        "close": None,
        "rates_by_month": [],
    }
    print(
        f"{report['petitions_estimate']:,} petitions, {report['cases']:,} cases in {report['database']}; "
        f"{report['petitions_in_month']:,} in the last full month; today {report['today']}; load average {os.getloadavg()[0]:.2f}"
    )
    iterations = ["--iterations", str(args.iterations)]
    if "figures" not in args.skip:
        for period_name in PERIODS:
            for scope in SCOPES:
                explain = ["--explain"] if period_name == "month" else []
                row = _run_child("figures", "--scope", scope, "--period", period_name, *iterations, *explain)
                row.update(scope=scope, period_name=period_name)
                report["figures"].append(row)
                _print_figures(row)
    if "page" not in args.skip:
        row = _run_child("page", *iterations)
        report["page"] = row
        if "skipped" in row:
            print(f"  page: skipped, {row['skipped']}")
        else:
            print(
                f"  page /reports/ supervisor: cold {row['cold_ms']:.1f} ms  median {row['median_ms']:.1f} ms  p95 {row['p95_ms']:.1f} ms  "
                f"queries {row['queries']}  status {row['status']}  {row['bytes']:,} bytes  RSS {row['rss_peak_mb']:.0f} MB"
            )
    if "files" not in args.skip:
        for format in ("pdf", "xlsx", "csv"):
            row = _run_child("export", "--format", format, "--export-iterations", str(args.export_iterations))
            report["files"].append(row)
            if "skipped" in row:
                print(f"  {format}: skipped, {row['skipped']}")
                continue
            ok = ""
            if format == "pdf":
                fits = row["figures_and_first_export_s"] <= PDF_LIMIT_S and row["rss_peak_mb"] <= PDF_LIMIT_MB
                ok = "  ok" if fits else "  OVER LIMIT"
            warm = row["warm_export"]
            print(
                f"  {format:<4} figures {row['figures_s']:.2f} s + first build {row['first_export_s']:.2f} s = "
                f"{row['figures_and_first_export_s']:.2f} s; warm builds median {warm['median_ms'] / 1000 if warm else 0:.2f} s; "
                f"{row['bytes']:,} bytes, {row['pages']} pages; peak RSS {row['rss_peak_mb']:.0f} MB "
                f"(before {row['rss_before_mb']:.0f}); process {row['process_s']:.1f} s; load {row['load_average_before']}{ok}"
            )
    if "close" not in args.skip:
        row = _run_child("close")
        report["close"] = row
        slowest = sorted(row.get("per_scope", []), key=lambda scope: -scope["ms"])[:3]
        if "skipped" in row:
            print(f"  month_close: {row['skipped']}")
        else:
            print(
                f"  month_close {row['month']}: {row['seconds']:.2f} s, {row['snapshots']} snapshots, {row['queries']} queries "
                f"(SQL {row['sql_ms'] / 1000:.2f} s); slowest scopes {slowest}; peak RSS {row['rss_peak_mb']:.0f} MB; rolled back"
            )
    if "rates" not in args.skip:
        report["rates_by_month"] = rates_by_month(today, 12)
        print(
            "  county by month (numerator/denominator): timely acceptance, on-time completion, participation, satisfaction; overdue cases"
        )
        for row in report["rates_by_month"]:
            cells = "  ".join(
                f"{row[key]['numerator']:>6}/{row[key]['denominator']:<6}"
                for key in ("timely_acceptance", "on_time_completion", "participation", "satisfaction")
            )
            print(f"    {row['month']}  {cells}  {row['overdue_cases']:>5}")
    report["load_average_end"] = os.getloadavg()
    print(f"load average at the end: {' '.join(f'{value:.2f}' for value in report['load_average_end'])}")

    RESULTS.mkdir(exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    with open(RESULTS / f"reports-explain-{stamp}.txt", "w") as plans:
        for row in report["figures"]:
            for plan in row.pop("plans", []):
                plans.write(
                    f"== {row['scope']} {row['period_name']}: {plan['ms']} ms\n{plan['sql']}\n{plan['params']}\n\n{plan['plan']}\n\n"
                )
    path = RESULTS / f"reports-{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(f"Results: {path.relative_to(ROOT)} (plans of the slowest queries in reports-explain-{stamp}.txt)")


if __name__ == "__main__":
    main()
