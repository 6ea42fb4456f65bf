"""Many Lambda containers at once: separate processes, released together, against DynamoDB on loopback.

Processes, not threads: like Lambda, each container has its own module state (the resolver keeps the
current event on a module-level object, so threads in one process would not model Lambda at all).
"""

from __future__ import annotations

import json
import multiprocessing
from typing import Any

import pytest

from tests.conftest import course_item, section_items

PARALLEL = 50

# The test process has reader threads for its server subprocesses; they hold no lock a child needs.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")


def _container(barrier: Any, results: Any, index: int, idempotency_key: str | None) -> None:
    from app import lambda_handler
    from localdev.lambda_context import LocalLambdaContext
    from sections.wiring import dependencies
    from tests.conftest import make_event as event_for

    dependencies.cache_clear()  # a fresh container builds its own clients
    headers = {"idempotency-key": idempotency_key} if idempotency_key else {}
    event = event_for(body=json.dumps({"name": "Parallel", "lessons_order": [1, 2]}), headers=headers)

    barrier.wait(timeout=120)
    response = lambda_handler(event, LocalLambdaContext("create-section", timeout_seconds=15))
    results.put(
        {"status": response["statusCode"], "body": json.loads(response["body"]), "headers": response["headers"]}
    )


def run_in_parallel(idempotency_key: str | None = None) -> list[dict[str, Any]]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PARALLEL)
    results = context.Queue()
    processes = [
        context.Process(target=_container, args=(barrier, results, index, idempotency_key)) for index in range(PARALLEL)
    ]
    for process in processes:
        process.start()
    answers = [results.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert all(process.exitcode == 0 for process in processes)
    return answers


def test_parallel_creates_get_distinct_ids_and_all_land_in_sections_order(server_dynamodb):
    answers = run_in_parallel()

    assert [answer["status"] for answer in answers] == [201] * PARALLEL
    ids = sorted(answer["body"]["id"] for answer in answers)
    assert ids == list(range(1, PARALLEL + 1))
    assert sorted(answer["headers"]["Location"] for answer in answers) == sorted(
        f"/api/v2/course/1/section/{section_id}/" for section_id in ids
    )
    stored = sorted(int(item["section_id"]["N"]) for item in section_items(server_dynamodb))
    order = [int(entry["N"]) for entry in course_item(server_dynamodb)["sections_order"]["L"]]
    assert stored == ids
    assert sorted(order) == ids and len(order) == PARALLEL
    assert course_item(server_dynamodb)["section_seq"] == {"N": str(PARALLEL)}


def test_parallel_creates_with_one_idempotency_key_create_exactly_one_section(server_dynamodb):
    answers = run_in_parallel(idempotency_key="same-key-for-all")

    created = [answer for answer in answers if answer["status"] == 201]
    in_flight = [answer for answer in answers if answer["status"] == 409]
    assert len(created) + len(in_flight) == PARALLEL
    assert created, "at least the first request completes"
    assert {answer["body"]["id"] for answer in created} == {1}
    assert {answer["headers"]["Location"] for answer in created} == {"/api/v2/course/1/section/1/"}
    assert all(answer["body"]["type"].endswith("idempotency-key-in-flight") for answer in in_flight)
    (item,) = section_items(server_dynamodb)
    assert item["section_id"] == {"N": "1"}
    assert course_item(server_dynamodb)["sections_order"] == {"L": [{"N": "1"}]}
