"""`make load`: a bounded load run against `localdev serve`, on loopback only.

Starts its own local API on free ports (or uses BASE_URL with TOKEN), runs LOAD_USERS users for
LOAD_SECONDS seconds, each creating sections in course 1 (one request in ten with an
Idempotency-Key), then reports requests, errors, throughput and latency percentiles.
Every answer other than 201 counts as an error; the run fails if there is one.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack

import requests

from localdev.cli import _roles_claim
from localdev.keys import LocalKeys
from localdev.processes import localdev_process
from localdev.template import local_template

USERS = int(os.environ.get("LOAD_USERS", "8"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))


def run_user(
    url: str, token: str, stop_at: float, latencies: list[float], statuses: Counter[int], lock: threading.Lock
) -> None:
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
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            statuses[status] += 1


def main() -> int:
    with ExitStack() as stack:
        base_url = os.environ.get("BASE_URL")
        if base_url:
            token = os.environ["TOKEN"]
        else:
            server = stack.enter_context(localdev_process("serve", "--port", "0", "--dynamodb-port", "0"))
            base_url = server.wait_for([r"Local API:\s+(?P<url>http://\S+)"])["url"]
            scopes = local_template().authorizer_scopes()
            token = LocalKeys().mint(
                sub="load-user", groups=["course:1:manager"], roles_claim=_roles_claim(), scopes=scopes
            )
        url = base_url.rstrip("/") + "/api/v2/course/1/section/"
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        lock = threading.Lock()
        stop_at = time.monotonic() + SECONDS
        users = [
            threading.Thread(target=run_user, args=(url, token, stop_at, latencies, statuses, lock))
            for _ in range(USERS)
        ]
        started = time.monotonic()
        for user in users:
            user.start()
        for user in users:
            user.join()
        wall = time.monotonic() - started

    errors = sum(count for status, count in statuses.items() if status != 201)
    ordered = sorted(latencies)
    print(f"Load: {USERS} users for {SECONDS:.0f} s against {url}")
    print(f"  requests   {len(latencies)}  ({len(latencies) / wall:.1f}/s)")
    print(f"  errors     {errors}  statuses {dict(sorted(statuses.items()))}")
    if ordered:
        print(
            f"  latency ms p50 {statistics.median(ordered):.1f}  p99 {ordered[int(0.99 * (len(ordered) - 1))]:.1f}  max {ordered[-1]:.1f}"
        )
    return 1 if errors or not latencies else 0


if __name__ == "__main__":
    sys.exit(main())
