"""Benchmarks of the case pages and API (issue 3, part 8) on a database seeded with
`bench/generate.py --petitions 1000000`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinfang_bench .venv/bin/python bench/run_cases.py

Timed the same way as bench/run.py (its helpers): requests through django.test.Client in this
process with DEBUG off, time.perf_counter around each, the query count from one captured run.

- the list page `/cases/` and `GET /api/v1/cases/`, 50 rows, first, middle and last page, for
  the supervisor (the county), a township handler and a township leader, without filters and
  with `status`, `overdue` and `mine` (median ≤ 100 ms, ≤ 10 queries);
- the case page `/cases/<pk>/` and `GET /api/v1/cases/<pk>/` for cases with the fewest and the
  most events (≤ 50 ms; the query count must not grow with the events);
- the reply (处理意见书) as PDF, page and API (≤ 1 s).

Read-only: nothing is written. Results go to bench/results/cases-*.json, with the plans of the
list queries of middle and last pages in cases-explain-*.txt.
"""

import argparse
import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Importing bench.run sets Django up as run.py does (settings, DEBUG off for the timing).
from bench.run import RESULTS, ROOT, explain, measure, url_or_none  # noqa: E402

# isort: split
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from cases import selectors  # noqa: E402
from cases.models import Case, CaseStatus, ReplyStatus  # noqa: E402

# force_login goes through django-axes, which logs every login: not what is being measured.
logging.getLogger("axes").setLevel(logging.WARNING)

PAGE_SIZE = 50
LIST_LIMIT_MS, LIST_LIMIT_QUERIES = 100, 10
DETAIL_LIMIT_MS = 50
PDF_LIMIT_MS = 1000
USERS = ("supervisor", "handler_chengguan", "leader")  # the county; a township handler; a township leader
FILTERS = {
    "all": {},
    "status=in_progress": {"status": CaseStatus.IN_PROGRESS},
    "overdue": {"overdue": "true"},
    "mine": {"mine": "true"},
}


def print_row(section: str, row: dict, limit_ms: float, limit_queries: float = float("inf")) -> None:
    ok = row["median_ms"] <= limit_ms and (row.get("queries") or 0) <= limit_queries and row["status"] == 200
    print(
        f"  {section:<6} {row['case']:<62} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
        f"queries {row.get('queries')!s:>3}  status {row['status']}  {'ok' if ok else 'OVER LIMIT'}"
    )


def keep(report: dict, section: str, row: dict, *, explain_it: bool = False) -> None:
    sqls = row.pop("sql")
    if explain_it:
        for sql in sqls:
            if 'FROM "cases_case"' in sql and "LIMIT" in sql:
                report["explain"][f"{section}: {row['case']}"] = {"sql": sql, "plan": explain(sql)}
                break
    report[section].append(row)


def list_benchmarks(*, iterations: int, report: dict) -> None:
    page_url, api_url = url_or_none("case-list"), url_or_none("api-case-list")
    for username in USERS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for filter_name, filters in FILTERS.items():
            total = selectors.case_list(user=user, filters=filters).count()
            last = max(1, -(-total // PAGE_SIZE))
            for page in sorted({1, (last + 1) // 2, last}):
                name = f"{username} {filter_name} page {page}/{last} ({total:,} rows)"
                for section, url, extra in (("list", page_url, {}), ("api", api_url, {"page_size": PAGE_SIZE})):
                    if not url:
                        continue
                    query = {**filters, **extra, "page": page}
                    result = measure(lambda url=url, query=query, client=client: client.get(url, query).status_code, iterations=iterations)
                    row = {"case": name, "url": url, "query": query, **result}
                    keep(report, section, row, explain_it=page != 1)
                    print_row(section, row, LIST_LIMIT_MS, LIST_LIMIT_QUERIES)


def detail_cases() -> list[tuple[str, Case]]:
    """Cases with the fewest and the most events, and the most events among the open ones."""
    counted = Case.objects.annotate(events_count=Count("events"))
    fewest = counted.order_by("events_count", "id").first()
    most = counted.order_by("-events_count", "id").first()
    open_most = counted.filter(status=CaseStatus.IN_PROGRESS).order_by("-events_count", "id").first()
    return [(f"{case.events_count} events, {case.status}", case) for case in (fewest, most, open_most) if case]


def detail_benchmarks(*, iterations: int, report: dict) -> None:
    client = Client()
    client.force_login(User.objects.get(username="supervisor"))
    for name, case in detail_cases():
        for section, url_name in (("detail", "case-detail"), ("api", "api-case-detail")):
            url = reverse(url_name, args=[case.pk])
            result = measure(lambda url=url: client.get(url).status_code, iterations=iterations)
            row = {"case": f"case {case.pk} ({name})", "url": url, **result}
            keep(report, "detail", row)
            print_row(section, row, DETAIL_LIMIT_MS)


def document_benchmarks(*, iterations: int, report: dict) -> None:
    """The reply of a case whose reply is served (the document most printed)."""
    case = Case.objects.filter(status=CaseStatus.REPLIED, reply__status=ReplyStatus.SERVED).order_by("-accepted_at").first()
    client = Client()
    client.force_login(case.lead_official)
    for section, url_name in (("pdf", "case-document"), ("pdf", "api-case-document")):
        url = reverse(url_name, args=[case.pk, "reply"])
        result = measure(lambda url=url: client.get(url).status_code, iterations=iterations, warmup=2)
        size = len(client.get(url).content)
        row = {"case": f"{url_name} reply of case {case.pk} ({size:,} bytes)", "url": url, **result}
        keep(report, "documents", row)
        print_row(section, row, PDF_LIMIT_MS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--pdf-iterations", type=int, default=10)
    parser.add_argument("--skip", nargs="*", default=[], choices=["lists", "details", "documents"])
    args = parser.parse_args()

    load = os.getloadavg()
    print(f"{Case.objects.count():,} cases in {connection.settings_dict['NAME']}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    report: dict = {
        "at": datetime.now().isoformat(timespec="seconds"),
        "database": str(connection.settings_dict["NAME"]),
        "cases": Case.objects.count(),
        "load_average_before": load,
        "list": [],
        "api": [],
        "detail": [],
        "documents": [],
        "explain": {},
    }
    if "lists" not in args.skip:
        list_benchmarks(iterations=args.iterations, report=report)
    if "details" not in args.skip:
        detail_benchmarks(iterations=args.iterations, report=report)
    if "documents" not in args.skip:
        document_benchmarks(iterations=args.pdf_iterations, report=report)
    report["load_average_after"] = os.getloadavg()
    print(f"load average after: {' '.join(f'{value:.2f}' for value in report['load_average_after'])}")

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"cases-{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    with open(RESULTS / f"cases-explain-{stamp}.txt", "w") as plans:
        for name, item in report["explain"].items():
            plans.write(f"== {name}\n{item['sql']}\n\n{item['plan']}\n\n")
    print(f"Results: {path.relative_to(ROOT)} (plans of middle and last pages in cases-explain-{stamp}.txt)")


if __name__ == "__main__":
    main()
