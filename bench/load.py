"""`make load`: bounded load runs against `localdev serve`, on loopback only.

Two scenarios, each LOAD_USERS users for LOAD_SECONDS seconds creating sections in course 1 (one
request in ten with an Idempotency-Key):
- `embedded`: the local API on its embedded DynamoDB (moto), as `make dev` runs it;
- `contention`: the local API on DynamoDB Local behind the conflict double, while
  a stand-in for the course service holds the course item in transactions of its own, over and
  over, so the creates' id allocations meet DynamoDB's TransactionConflictException.
With BASE_URL and TOKEN set, one run against that API instead. Each run reports creates per
second, latency percentiles and errors; every answer other than 201 is an error, and any error
fails the run. LOAD_SCENARIOS picks scenarios (comma-separated).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field

import requests

from localdev.conflict_proxy import ConflictProxy, key_schemas
from localdev.dynamodb import course_service_transactions, create_tables, dynamodb_client, seed_demo_courses
from localdev.dynamodb_local import DynamoDBLocal
from localdev.functions import roles_claim
from localdev.keys import LocalKeys
from localdev.processes import localdev_process
from localdev.template import local_template

USERS = int(os.environ.get("LOAD_USERS", "8"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
COMMIT_SECONDS = 0.03
# How often the stand-in course service holds the course item in a transaction of its own.
COURSE_SERVICE_PAUSE_SECONDS = 0.05


@dataclass
class Report:
    scenario: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 201)

    def print(self) -> None:
        ordered = sorted(self.latencies)
        print(f"Load [{self.scenario}]: {USERS} users for {SECONDS:.0f} s")
        print(f"  creates    {self.statuses[201]}  ({self.statuses[201] / self.seconds:.1f}/s)")
        print(f"  errors     {self.errors}  statuses {dict(sorted(self.statuses.items()))}")
        if ordered:
            p50, p95, p99 = (ordered[int(q * (len(ordered) - 1))] for q in (0.5, 0.95, 0.99))
            print(f"  latency ms p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {ordered[-1]:.1f}")
        for note in self.notes:
            print(f"  {note}")


def run_user(url: str, token: str, stop_at: float, report: Report) -> None:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    count = 0
    while time.monotonic() < stop_at:
        count += 1
        extra = {"Idempotency-Key": str(uuid.uuid4())} if count % 10 == 0 else {}
        started = time.perf_counter()
        try:
            status = session.post(
                url, data='{"name": "Load test", "lessons_order": [1, 2, 3]}', headers={**headers, **extra}, timeout=30
            ).status_code
        except requests.RequestException:
            status = 0
        with report.lock:
            report.latencies.append((time.perf_counter() - started) * 1000)
            report.statuses[status] += 1


def load(base_url: str, token: str, report: Report) -> Report:
    url = base_url.rstrip("/") + "/api/v2/course/1/section/"
    stop_at = time.monotonic() + SECONDS
    users = [threading.Thread(target=run_user, args=(url, token, stop_at, report)) for _ in range(USERS)]
    started = time.monotonic()
    for user in users:
        user.start()
    for user in users:
        user.join()
    report.seconds = time.monotonic() - started
    return report


def local_token() -> str:
    scopes = local_template().authorizer_scopes()
    return LocalKeys().mint(sub="load-user", groups=["course:1:manager"], roles_claim=roles_claim(), scopes=scopes)


def local_api(stack: ExitStack, *arguments: str) -> str:
    server = stack.enter_context(localdev_process("serve", "--port", "0", *arguments))
    return server.wait_for([r"Local API:\s+(?P<url>http://\S+)"])["url"]


def embedded() -> Report:
    with ExitStack() as stack:
        return load(local_api(stack, "--dynamodb-port", "0"), local_token(), Report("embedded"))


def contention() -> Report:
    report = Report("contention")
    with ExitStack() as stack:
        store = DynamoDBLocal().start()
        stack.callback(store.stop)
        template = local_template()
        proxy = ConflictProxy(store.endpoint, key_schemas(template.tables()), commit_seconds=COMMIT_SECONDS).start()
        stack.callback(proxy.stop)
        client = dynamodb_client(store.endpoint)
        create_tables(client, template)
        seed_demo_courses(client, "CoursesTable")
        url = local_api(stack, "--dynamodb-endpoint", proxy.endpoint, "--workers", str(USERS))
        course_service = dynamodb_client(proxy.endpoint)
        with course_service_transactions(course_service, "CoursesTable", 1, COURSE_SERVICE_PAUSE_SECONDS) as outcomes:
            load(url, local_token(), report)
        report.notes.append(f"course service transactions: {dict(outcomes)}")
        report.notes.append(
            f"conflicts answered by the double: {proxy.conflicts} ({COMMIT_SECONDS * 1000:.0f} ms commits)"
        )
    return report


SCENARIOS = {"embedded": embedded, "contention": contention}


def main() -> int:
    if os.environ.get("BASE_URL"):
        reports = [load(os.environ["BASE_URL"], os.environ["TOKEN"], Report(os.environ["BASE_URL"]))]
    else:
        chosen = os.environ.get("LOAD_SCENARIOS", ",".join(SCENARIOS)).split(",")
        reports = [SCENARIOS[name]() for name in chosen]
    for report in reports:
        report.print()
    return 1 if any(report.errors or not report.latencies for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
