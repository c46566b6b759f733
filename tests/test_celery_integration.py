"""Reminders and notifications through the real parts: a Redis server and Celery worker and beat
processes started here, and the app's code run in its own process as the web server would run it.

The Redis server is the test's own (a free port on 127.0.0.1), so stopping it does not disturb the
other tests running beside this one. The database is the test database, shared by every process.
"""

import email
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from time_machine import escape_hatch as time_machine_escape_hatch

from accounts.models import Notification, NotificationKind, OutboxEmail, OutboxStatus
from accounts.tests.factories import make_user
from cases.tests.factories import make_case
from deadlines.models import Deadline, DeadlineKind

# serialized_rollback keeps the categories and policies the migrations seed, here and for the tests after.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT_SECONDS = 60


def wait_until(condition, what: str, timeout: float = WAIT_SECONDS):
    """Poll an outside process's progress (not a clock: nothing here depends on how long it takes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RedisServer:
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        self.process = subprocess.Popen([*command, "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        wait_until(self.answers, "Redis to start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        wait_until(lambda: not self.answers(), "Redis to stop")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@dataclass
class Stack:
    """The processes of docker-compose's stack, on this machine: the Celery worker and beat, and
    `django()` to run code as the web server does."""

    redis: RedisServer
    directory: Path
    processes: list = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        database = connection.settings_dict
        host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
        return {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": f"postgres://{database['USER']}@{host}:{port}/{database['NAME']}",
            "REDIS_URL": self.redis.url,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.directory / "mail"),
            "OUTBOX_SEND_SECONDS": "1",
            "DATABASE_CONN_MAX_AGE": "0",
            "MEDIA_ROOT": str(self.directory / "media"),
        }

    def start(self, name: str, *arguments: str) -> Path:
        log = self.directory / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *arguments],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return log

    def start_worker(self) -> Path:
        log = self.start("worker", "worker", "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info")
        wait_until(lambda: "ready." in log.read_text(), "the worker to be ready")
        return log

    def start_beat(self) -> Path:
        return self.start("beat", "beat", "-l", "info", "--schedule", str(self.directory / "beat-schedule"))

    def django(self, code: str) -> subprocess.CompletedProcess:
        completed = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
            cwd=settings.BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert completed.returncode == 0, completed.stderr
        return completed

    def mails(self) -> list[email.message.Message]:
        """Every e-mail delivered so far (the file backend writes one file per connection)."""
        found = []
        for path in sorted((self.directory / "mail").glob("*.log")):
            for chunk in path.read_bytes().split(b"-" * 79):
                if chunk.strip():
                    found.append(email.message_from_bytes(chunk.strip()))
        return found

    def stop_all(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def body(message: email.message.Message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def succeeded(log: Path, task: str) -> int:
    return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", log.read_text()))


@pytest.fixture
def stack(tmp_path):
    redis = RedisServer()
    redis.start()
    (tmp_path / "mail").mkdir()
    stack = Stack(redis=redis, directory=tmp_path)
    yield stack
    stack.stop_all()
    if redis.answers():
        redis.stop()


@pytest.fixture
def people(county):
    """Everyone the flows below notify, with an e-mail address."""
    county.county_leader = make_user(unit=county.leadership, roles=["leader"], username="county_leader")
    for user in (county.clerk_a, county.handler_a, county.leader_a, county.supervisor, county.county_leader):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return county


def test_a_worker_delivers_a_reminder_end_to_end(people, stack, time_machine):
    # The worker and beat processes keep the machine's clock, even under --today: so does this test.
    if time_machine_escape_hatch.is_travelling():
        time_machine.move_to(time_machine_escape_hatch.time.time())
    case = make_case(people, state="assigned")
    OutboxEmail.objects.all().delete()  # the assignment's mail: this test is about the reminder
    Deadline.objects.filter(case=case, kind=DeadlineKind.HANDLING).update(due_on=timezone.localdate())
    worker = stack.start_worker()

    stack.django("from deadlines.tasks import scan_deadlines; scan_deadlines.delay()")

    wait_until(lambda: len(stack.mails()) >= 2, "the two reminder e-mails")
    wait_until(lambda: succeeded(worker, "accounts.tasks.outbox_send") >= 1, "the outbox task to finish")
    reminders = Notification.objects.filter(kind=NotificationKind.DUE_TODAY)
    assert sorted(reminders.values_list("recipient__username", flat=True)) == ["handler_a", "leader_a"]
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    mails = stack.mails()
    assert sorted(mail["To"] for mail in mails) == ["handler_a@example.org", "leader_a@example.org"]
    assert all(f"/cases/{case.pk}/" in body(mail) for mail in mails)
    assert succeeded(worker, "deadlines.tasks.scan_deadlines") == 1


REGISTER_AND_ACT = """
from datetime import timedelta
from django.utils import timezone
from accounts.models import User, Unit
from cases import services as cases
from petitions import services as petitions
from petitions.models import Category

clerk, handler, leader = (User.objects.get(username=name) for name in ("clerk_a", "handler_a", "leader_a"))
township = Unit.objects.get(pk=clerk.unit_id)
person = petitions.petitioner_input_clean(name="王五", id_number="{id_number}", phone="13800138000")
visit = petitions.petition_register(
    actor=clerk, channel="visit", received_at=timezone.now() - timedelta(hours=1), petitioners=[person], headcount=60,
    category=Category.objects.get(code="08"), purpose="complaint", locality=township, summary="征地补偿",
)
visit = petitions.petition_route(actor=clerk, petition=visit, unit=township, mode="transfer")
_petition, case = cases.petition_accept(actor=handler, petition=visit)
cases.case_assign(actor=leader, case=case, lead_official=leader, lead_unit=township, members=[handler])
print("committed", case.pk)
"""


def test_mail_written_while_redis_is_down_arrives_once_when_it_is_back(people, stack):
    from petitions.tests.factories import make_id_number

    worker = stack.start_worker()
    stack.redis.stop()

    started = time.monotonic()
    done = stack.django(REGISTER_AND_ACT.replace("{id_number}", make_id_number()))
    acting_took = time.monotonic() - started

    assert "committed" in done.stdout
    # Alert (county leader, supervisor), routed (clerk, handler), accepted (the unit's leader), assigned (leader, handler).
    expected = {
        NotificationKind.ALERT: ["county_leader", "supervisor"],
        NotificationKind.ROUTED: ["clerk_a", "handler_a"],
        NotificationKind.ACCEPTED: ["leader_a"],
        NotificationKind.ASSIGNED: ["handler_a", "leader_a"],
    }
    for kind, usernames in expected.items():
        assert sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)) == usernames
    assert OutboxEmail.objects.filter(status=OutboxStatus.PENDING).count() == 7
    assert stack.mails() == []
    assert acting_took < 60, "queueing must give up quickly while Redis is down"

    stack.redis.start()
    beat = stack.start_beat()

    wait_until(lambda: not OutboxEmail.objects.filter(status=OutboxStatus.PENDING).exists(), "the outbox to drain")
    ticks = succeeded(worker, "accounts.tasks.outbox_send")
    wait_until(lambda: succeeded(worker, "accounts.tasks.outbox_send") >= ticks + 2, "two more beat ticks")
    mails = stack.mails()
    delivered = sorted((mail["To"], body(mail)) for mail in mails)
    assert len(delivered) == 7
    assert len(set(delivered)) == 7, "an e-mail arrived twice"
    wanted = sorted(
        (f"{username}@example.org", Notification.objects.get(kind=kind, recipient__username=username).message)
        for kind, usernames in expected.items()
        for username in usernames
    )
    assert sorted((to, text.split("\n\n")[0]) for to, text in delivered) == wanted
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert "beat: Starting" in beat.read_text()


ASK_FOR_A_REPORT = """
from django.utils import timezone
from accounts.models import User
from reporting import services
from reporting.periods import Period

today = timezone.localdate()
run = services.report_run_request(
    actor=User.objects.get(username="supervisor"), period=Period.month(today.year, today.month), unit=None, format="pdf"
)
print("asked", run.pk)
"""


def test_a_worker_builds_a_report_file_asked_for_on_the_web(people, stack):
    from reporting.models import ReportRun, RunStatus

    make_case(people, state="replied")
    worker = stack.start_worker()

    stack.django(ASK_FOR_A_REPORT)

    run = wait_until(lambda: ReportRun.objects.filter(status__in=[RunStatus.DONE, RunStatus.FAILED]).first(), "the report run to end")
    assert (run.status, run.progress, run.error) == (RunStatus.DONE, 100, "")
    assert (stack.directory / "media" / run.file.name).read_bytes().startswith(b"%PDF")
    assert succeeded(worker, "reporting.tasks.report_run_build") == 1


def test_the_beat_schedule_runs_the_scan_and_the_outbox(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["scan-deadlines"]["task"] == "deadlines.tasks.scan_deadlines"
    assert schedule["scan-deadlines"]["schedule"] == timedelta(minutes=settings.REMINDER_SCAN_MINUTES)
    assert schedule["send-outbox"]["task"] == "accounts.tasks.outbox_send"
    # Killed well before Redis would hand an unacknowledged message to another worker.
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
