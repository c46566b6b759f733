from celery import shared_task

from reporting import services


@shared_task
def report_run_build(run_id: int) -> str:
    """Build one report file; safe to deliver twice (the run is claimed before it is built)."""
    run = services.report_run_build(run_id)
    return "built" if run else "not claimed"


@shared_task
def reports_tick() -> dict:
    """Beat, every few minutes: last month's report for the county office once the month is over,
    and runs whose task was lost queued again."""
    return {"monthly": len(services.monthly_reports_schedule()), "resumed": services.report_runs_resume()}
