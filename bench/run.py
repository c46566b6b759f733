"""Benchmarks of issue 2, part 10, on a database seeded with `bench/generate.py --petitions 1000000`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinfang_bench .venv/bin/python bench/run.py

Requests go through django.test.Client inside this process (middleware, session, view,
template or serializer, database), timed with time.perf_counter; query counts come from
CaptureQueriesContext on a separate run so the counting does not slow the timed ones.

- list page and API list: filtered by status and township, 50 rows, on the first, middle and
  last page, for a county-wide supervisor, the bureau clerk and a township clerk;
- registration: API POST (the service runs the repeat check) and page POST (the view runs the
  repeat check, then saves with the clerk's choice), for people who petitioned on the same
  matter recently (the check finds candidates) and for new people.

Registrations are really committed, then removed at the end with the year's counter set back,
so the database is left as it was. Where the pages or API are not there yet, the selectors are
timed instead (and the report says so). Results go to bench/results/ (gitignored).
"""

import argparse
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The ID numbers were encrypted with the keys `bench/generate.py` ran with: run both with the same
# SECRET_KEY / PERSONAL_DATA_KEY, or both without (DEBUG=1 and its development key). Timing runs
# with DEBUG off all the same (see below), as in production.
if "SECRET_KEY" not in os.environ:
    os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Unit, User  # noqa: E402
from bench.measure import summary  # noqa: E402
from petitions import selectors, services  # noqa: E402
from petitions.identity import decrypt  # noqa: E402
from petitions.models import Category, Petition, Petitioner, PetitionPetitioner, RegistrationCounter, Status  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PAGE_SIZE = 50
LIMIT_MS = 100
LIMIT_QUERIES = 10

# Production-like: no debug toolbar of queries, templates compiled once. The in-process client
# calls itself "testserver"; static URLs need no collectstatic manifest.
settings.DEBUG = False
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def measure(call, *, iterations: int, warmup: int = 3) -> dict:
    """Run `call` warmup + iterations times; the query count comes from one extra, captured run."""
    for _ in range(warmup):
        call()
    with CaptureQueriesContext(connection) as captured:
        status = call()
    queries = [query["sql"] for query in captured.captured_queries]
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return {**summary(samples), "queries": len(queries), "status": status, "sql": queries}


def explain(sql: str) -> str:
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def record(report: dict, section: str, row: dict, *, explain_it: bool) -> None:
    """Keep the row; on a last page, also the plan of its SELECT over petitions (the one OFFSET makes grow)."""
    sqls = row.pop("sql")
    if explain_it:
        for sql in sqls:
            if 'FROM "petitions_petition"' in sql and "LIMIT" in sql and "COUNT(" not in sql:
                report["explain"][f"{section}: {row['case']}"] = {"sql": sql, "plan": explain(sql)}
                break
    report[section].append(row)
    print_row(row, {"list_page": "page", "api_list": "api "}[section])


def list_benchmarks(*, iterations: int, status: str, township: Unit, users: list[User], report: dict) -> None:
    page_url, api_url = url_or_none("petition-list"), url_or_none("api-petition-list")
    filters = {"status": status, "locality": str(township.pk)}
    for user in users:
        total = selectors.petition_list(user=user, filters=filters).count()
        last = max(1, -(-total // PAGE_SIZE))
        client = Client()
        client.force_login(user)
        for page in sorted({1, (last + 1) // 2, last}):
            name = f"{user.username} page {page}/{last} ({total:,} rows)"
            result = measure(
                lambda page=page, client=client: client.get(page_url, {**filters, "page": page}).status_code, iterations=iterations
            )
            row = {"case": name, "target": "view petition-list", **result}
            record(report, "list_page", row, explain_it=page != 1)
            if api_url:
                result = measure(
                    lambda page=page, client=client: client.get(api_url, {**filters, "page": page, "page_size": PAGE_SIZE}).status_code,
                    iterations=iterations,
                )
                record(report, "api_list", {"case": name, "target": "API GET /api/v1/petitions/", **result}, explain_it=page != 1)


def registration_cases(count: int) -> list[dict]:
    """People who petitioned on a matter in the last months (the check finds them) and new people."""
    window_start = timezone.now() - timedelta(days=settings.REPEAT_WINDOW_DAYS - 30)
    recent = (
        Petition.objects.filter(received_at__gte=window_start, received_at__lt=timezone.now() - timedelta(days=2), headcount=1)
        .order_by("-id")
        .values_list("pk", "category_id", "locality_id")[: count * 4 : 4]
    )
    cases = []
    for pk, category_id, locality_id in recent:
        link = PetitionPetitioner.objects.select_related("petitioner").filter(petition_id=pk).first()
        person = link.petitioner
        number = decrypt(person.id_number_encrypted)
        if not number:
            continue
        cases.append(
            {
                "kind": "repeat",
                "person": {"name": person.name, "id_number": number, "phone": decrypt(person.phone_encrypted), "address": person.address},
                "category": category_id,
                "locality": locality_id,
                "earlier": pk,
            }
        )
    return cases


def new_person(serial: int) -> dict:
    from petitions.tests.factories import make_id_number

    number = make_id_number(serial, region="410526", birth=f"19{70 + serial % 30}0{1 + serial % 9}15")
    return {"name": "赵测试", "id_number": number, "phone": f"1390000{serial:04d}", "address": "城关镇东关社区1号"}


def registration_benchmarks(*, iterations: int, clerk: User, report: dict) -> None:
    api_url, page_url = url_or_none("api-petition-list"), url_or_none("petition-register")
    client = Client()
    client.force_login(clerk)
    # Separate people for the API and the page, so neither finds the other's fresh registrations.
    all_cases = registration_cases(2 * (iterations + 3))
    api_cases, page_cases = all_cases[0::2], all_cases[1::2]
    township = Unit.objects.filter(kind="township").order_by("code").first()
    wages = Category.objects.get(code="0701").pk  # a second-level category of the demo county
    received_at = timezone.localtime() - timedelta(hours=1)
    base = {"channel": "visit", "purpose": "complaint", "summary": "反映拖欠工资问题（性能测试）", "content": "性能测试"}
    year = timezone.localdate().year
    counter_before = RegistrationCounter.objects.filter(year=year).values_list("last_number", flat=True).first()
    petition_max = Petition.objects.aggregate(Max("id"))["id__max"] or 0
    petitioner_max = Petitioner.objects.aggregate(Max("id"))["id__max"] or 0
    try:
        for kind in ("repeat", "new"):
            if api_url:
                samples, repeats_found, queries = [], 0, None
                for index in range(iterations + 3):
                    case = api_cases[index % len(api_cases)] if kind == "repeat" else None
                    person = case["person"] if case else new_person(index + 100)
                    body = {
                        **base,
                        "received_at": received_at.isoformat(),
                        "petitioners": [person],
                        "category": case["category"] if case else wages,
                        "locality": case["locality"] if case else township.pk,
                    }
                    capture = CaptureQueriesContext(connection) if index == 2 else None
                    started = time.perf_counter()
                    if capture is not None:
                        with capture:
                            response = client.post(api_url, body, content_type="application/json")
                        queries = len(capture.captured_queries)
                    else:
                        response = client.post(api_url, body, content_type="application/json")
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 201:
                        raise RuntimeError(f"API registration answered {response.status_code}: {response.content[:500]!r}")
                    repeats_found += bool(response.json().get("is_repeat"))
                    if index >= 3 and capture is None:
                        samples.append(elapsed)
                report["registration"].append(
                    {
                        "case": f"API POST, {kind} petitioner",
                        "target": "API POST /api/v1/petitions/ (service repeat check)",
                        "repeats_found": repeats_found,
                        "queries": queries,
                        **summary(samples),
                    }
                )
                print_row(report["registration"][-1], "reg ")
            if page_url:
                samples, queries = [], None
                for index in range(iterations + 3):
                    case = page_cases[index % len(page_cases)] if kind == "repeat" else None
                    person = case["person"] if case else new_person(index + 600)
                    # The clerk confirms the candidate the page offered (found here, outside the timing).
                    earlier = _first_candidate(person, case) if case else None
                    form = {
                        **base,
                        "received_at": received_at.strftime("%Y-%m-%dT%H:%M"),
                        "category": case["category"] if case else wages,
                        "locality": case["locality"] if case else township.pk,
                        "headcount": "",
                        "repeat_choice": str(earlier.pk) if earlier else "none",
                        "petitioners-TOTAL_FORMS": "1",
                        "petitioners-INITIAL_FORMS": "0",
                        "petitioners-MIN_NUM_FORMS": "1",
                        "petitioners-MAX_NUM_FORMS": "50",
                        **{f"petitioners-0-{key}": value for key, value in person.items()},
                    }
                    capture = CaptureQueriesContext(connection) if index == 2 else None
                    started = time.perf_counter()
                    if capture is not None:
                        with capture:
                            response = client.post(page_url, form)
                        queries = len(capture.captured_queries)
                    else:
                        response = client.post(page_url, form)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 302:
                        raise RuntimeError(f"Page registration answered {response.status_code}, not a redirect: {_errors(response)}")
                    if index >= 3 and capture is None:
                        samples.append(elapsed)
                report["registration"].append(
                    {
                        "case": f"page POST, {kind} petitioner" + (" (clerk confirmed the repeat)" if kind == "repeat" else ""),
                        "target": "view petition-register (view repeat check + service)",
                        "queries": queries,
                        **summary(samples),
                    }
                )
                print_row(report["registration"][-1], "reg ")
            if not api_url and not page_url:
                samples = []
                for index in range(iterations):
                    case = api_cases[index % len(api_cases)] if kind == "repeat" else None
                    person = case["person"] if case else new_person(index + 1100)
                    people = [services.petitioner_input_clean(**person)]
                    started = time.perf_counter()
                    services.petition_register(
                        actor=clerk,
                        channel="visit",
                        received_at=received_at,
                        petitioners=people,
                        category=Category.objects.get(pk=case["category"] if case else wages),
                        purpose="complaint",
                        locality=Unit.objects.get(pk=case["locality"] if case else township.pk),
                        summary=base["summary"],
                    )
                    samples.append((time.perf_counter() - started) * 1000)
                report["registration"].append(
                    {"case": f"service, {kind} petitioner", "target": "services.petition_register", **summary(samples)}
                )
                print_row(report["registration"][-1], "reg ")
    finally:
        created = Petition.objects.filter(id__gt=petition_max)
        removed = created.count()
        created.update(repeat_of=None)  # they may be repeats of each other (a protected link)
        created.delete()
        Petitioner.objects.filter(id__gt=petitioner_max, petitions__isnull=True).delete()
        if counter_before is None:
            RegistrationCounter.objects.filter(year=year).delete()
        else:
            RegistrationCounter.objects.filter(year=year).update(last_number=counter_before)
        if connection.vendor == "postgresql" and connection.get_autocommit():
            with connection.cursor() as cursor:  # index-only scans need the visibility map the inserts cleared
                for model in (Petition, Petitioner, PetitionPetitioner):
                    cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
        print(f"  cleaned up: {removed} benchmark registrations removed, counter {year} back to {counter_before}")


def _first_candidate(person: dict, case: dict) -> Petition | None:
    key = services.petitioner_input_clean(**person).key
    candidates = selectors.repeat_candidates(
        keys=[key], category_id=case["category"], locality_id=case["locality"], received_at=timezone.now() - timedelta(hours=1)
    )
    return candidates.first()


def _errors(response) -> str:
    """The error messages a form page shows, for a failing run (no personal data: the fields are ours)."""
    import re

    text = response.content.decode(errors="replace")
    return "; ".join(sorted(set(re.findall(r'class="[^"]*(?:invalid-feedback|alert-danger|errorlist)[^"]*"[^>]*>([^<]+)<', text))))[:800]


def print_row(row: dict, label: str) -> None:
    # The query limit is for lists; a registration's queries are reported but not limited.
    query_limit = LIMIT_QUERIES if label in ("page", "api ") else float("inf")
    ok = row["median_ms"] <= LIMIT_MS and (row.get("queries") or 0) <= query_limit
    print(
        f"  {label} {row['case']:<48} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
        f"queries {row.get('queries')!s:>3}  {'ok' if ok else 'OVER LIMIT'}  [{row['target']}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--status", default=Status.ROUTED, help="status filter for the lists (default: routed, the largest)")
    parser.add_argument("--township", default="chengguan", help="unit code of the township filter (default: the largest)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["lists", "registration"])
    args = parser.parse_args()

    total = Petition.objects.count()
    township = Unit.objects.get(code=args.township)
    users = [User.objects.get(username=name) for name in ("supervisor", "clerk", f"clerk_{args.township}")]
    version = connection.vendor
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0]
    load = os.getloadavg()
    print(f"{total:,} petitions in {connection.settings_dict['NAME']} ({version.split(' on ')[0]}); load average {load[0]:.2f}")
    report: dict = {
        "at": datetime.now().isoformat(timespec="seconds"),
        "database": str(connection.settings_dict["NAME"]),
        "petitions": total,
        "debug": settings.DEBUG,
        "load_average_before": load,
        "filters": {"status": args.status, "locality": township.name},
        "list_page": [],
        "api_list": [],
        "registration": [],
        "explain": {},
    }
    if "lists" not in args.skip:
        list_benchmarks(iterations=args.iterations, status=args.status, township=township, users=users, report=report)
    if "registration" not in args.skip:
        registration_benchmarks(iterations=args.iterations, clerk=users[1], report=report)
    report["load_average_after"] = os.getloadavg()

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"bench-{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    with open(RESULTS / f"explain-{stamp}.txt", "w") as plans:
        for name, item in report["explain"].items():
            plans.write(f"== {name}\n{item['sql']}\n\n{item['plan']}\n\n")
    print(f"Results: {path.relative_to(ROOT)} (plans of the last pages in explain-{stamp}.txt)")


if __name__ == "__main__":
    main()
