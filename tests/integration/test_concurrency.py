"""Many Lambda environments creating in one course at once, on DynamoDB Local behind the conflict double.

Processes, not threads: like Lambda, each environment has its own module state (the resolver keeps
the current event on a module-level object, so threads in one process would not model Lambda).
Each process serves its requests one after another, as one warm environment does.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from dataclasses import dataclass
from typing import Any

import pytest

from localdev.conflict_proxy import ConflictProxy, key_schemas
from localdev.lambda_context import LocalLambdaContext
from localdev.template import local_template
from sections.repository import ORDER_SK
from tests.support import (
    COURSES_TABLE,
    add_course,
    call,
    course_item,
    course_service_holding,
    make_event,
    stored_section_ids,
)

PROCESSES = 10
CREATES_PER_PROCESS = 5
CREATES = PROCESSES * CREATES_PER_PROCESS
# The design must keep conflicts from serialising creates: see docs/data-model.md, "Contention".
MIN_RATE_WITH_CONFLICTS = 0.75
API_GATEWAY_INTEGRATION_SECONDS = 30  # an HTTP API's integration timeout (API Gateway quotas)

# The test process has reader threads for its servers; they hold no lock a child needs.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")


def _environment(endpoint: str, events: list[dict[str, Any]], barrier: Any, results: Any) -> None:
    """One warm Lambda environment of each function: serves its events one after another, as routed."""
    import os

    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    from localdev.lambda_context import LocalLambdaContext
    from sections.wiring import dependencies
    from tests.support import call

    dependencies.cache_clear()  # a fresh environment builds its own clients
    barrier.wait(timeout=120)
    for event in events:
        started = time.monotonic()
        if REORDER in event:  # a manager's editor: it lists the sections, then sends them in reverse
            course = event[REORDER]
            listing = make_event(method="GET", course=str(course), groups=f"[course:{course}:manager]", body=None)
            listed = call(listing, LocalLambdaContext("course-api", timeout_seconds=15))[2]
            order = [section["id"] for section in reversed(listed)]
            event = reorder_event(course, order)
        status, headers, body = call(event, LocalLambdaContext("course-api", timeout_seconds=15))
        results.put(
            {
                "method": event["requestContext"]["http"]["method"],
                "path": event["rawPath"],
                "status": status,
                "body": body,
                "headers": headers,
                "seconds": time.monotonic() - started,
                "finished": time.time(),
            }
        )


REORDER = "reorder-after-listing"


def reorder_event(course: int, order: list[int]) -> dict[str, Any]:
    body = json.dumps({"sections_order": order})
    return make_event(
        method="PATCH", course=str(course), course_path=True, groups=f"[course:{course}:manager]", body=body
    )


def creates(course: int, idempotency_key: str | None = None) -> list[dict[str, Any]]:
    headers = {"idempotency-key": idempotency_key} if idempotency_key else {}
    body = json.dumps({"name": "Parallel", "lessons_order": [1, 2]})
    event = make_event(course=str(course), groups=f"[course:{course}:manager]", body=body, headers=headers)
    return [event] * CREATES_PER_PROCESS


@dataclass
class Run:
    answers: list[dict[str, Any]]
    seconds: float

    @property
    def rate(self) -> float:
        return len(self.answers) / self.seconds


def run_in_parallel(
    endpoint: str, course: int = 1, idempotency_key: str | None = None, work: list[list[dict[str, Any]]] | None = None
) -> Run:
    """Each process's events (by default, PROCESSES processes of creates), all released at once."""
    work = work or [creates(course, idempotency_key) for _ in range(PROCESSES)]
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(work) + 1)
    results = context.Queue()
    processes = [context.Process(target=_environment, args=(endpoint, events, barrier, results)) for events in work]
    for process in processes:
        process.start()
    barrier.wait(timeout=120)
    released = time.time()
    answers = [results.get(timeout=180) for _ in range(sum(map(len, work)))]
    for process in processes:
        process.join(timeout=30)
    assert all(process.exitcode == 0 for process in processes)
    return Run(answers, max(answer["finished"] for answer in answers) - released)


def assert_all_created(run: Run, client: Any, course: int = 1) -> None:
    assert [answer["status"] for answer in run.answers] == [201] * CREATES, [
        a["body"] for a in run.answers if a["status"] != 201
    ][:3]
    ids = sorted(answer["body"]["id"] for answer in run.answers)
    assert ids == list(range(1, CREATES + 1)), "unique ids, no gaps"
    assert sorted(answer["headers"]["Location"] for answer in run.answers) == sorted(
        f"/api/v2/course/{course}/section/{section_id}/" for section_id in ids
    )
    assert stored_section_ids(client, course) == ids, "the order holds exactly the created ids"
    assert course_item(client, course)["section_seq"] == {"N": str(CREATES)}
    # The function's retry budget ends inside its own timeout, itself inside API Gateway's 30 s; a bound
    # tighter than that would measure the machine's speed, not the design.
    assert max(answer["seconds"] for answer in run.answers) < API_GATEWAY_INTEGRATION_SECONDS


@pytest.fixture
def pass_through_proxy(dynamodb_local):
    """The same double with its emulation off: the same hop to DynamoDB Local, nothing held."""
    proxy = ConflictProxy(dynamodb_local, key_schemas(local_template().tables()), emulate=False).start()
    yield proxy
    proxy.stop()


@pytest.mark.alone
def test_parallel_creates_under_the_conflict_double_all_succeed_at_nearly_the_rate_without_it(
    server_dynamodb, conflict_proxy, pass_through_proxy, capsys
):
    """Side by side in one run: a warm-up (DynamoDB Local's JIT), then on and off twice, alternating."""
    for course in range(10, 15):
        add_course(server_dynamodb, course)
    run_in_parallel(pass_through_proxy.endpoint, course=10)
    with_double, without_double = [], []
    for course, endpoint, runs in [
        (11, conflict_proxy.endpoint, with_double),
        (12, pass_through_proxy.endpoint, without_double),
        (13, conflict_proxy.endpoint, with_double),
        (14, pass_through_proxy.endpoint, without_double),
    ]:
        run = run_in_parallel(endpoint, course=course)
        assert_all_created(run, server_dynamodb, course=course)
        runs.append(run)

    def rate(runs: list[Run]) -> float:
        return sum(len(run.answers) for run in runs) / sum(run.seconds for run in runs)

    ratio = rate(with_double) / rate(without_double)
    with capsys.disabled():
        print(
            f"\n{CREATES} creates x2, {PROCESSES} processes: {rate(with_double):.0f}/s with the conflict double "
            f"({conflict_proxy.commit_seconds * 1000:.0f} ms commit), {rate(without_double):.0f}/s without: {ratio:.0%}"
        )
    assert ratio >= MIN_RATE_WITH_CONFLICTS


def test_creates_wait_out_another_writers_transactions_on_the_course_item(server_dynamodb, conflict_proxy):
    """Another service's transactions hold the course item over and over; allocations meet TransactionConflictException.

    The other writer holds the item half the time (a pause as long as its commit). With no pause it
    would hold it all but the instant between two of its requests, which no service does.
    The overlap is arranged, not timed: its first transaction stays held until the creates have met a
    held course item PROCESSES times, on a machine of any speed.
    """
    met = conflict_proxy.conflicts + PROCESSES
    with course_service_holding(conflict_proxy, 1, conflicts=PROCESSES) as outcomes:
        run = run_in_parallel(conflict_proxy.endpoint)
    assert_all_created(run, server_dynamodb)
    assert outcomes["committed"] >= 1, "the other writer's transactions committed too"
    assert conflict_proxy.conflicts >= met, "the creates met the course service's transactions"


def test_parallel_creates_with_one_idempotency_key_create_one_section_and_replay_it(server_dynamodb, conflict_proxy):
    run = run_in_parallel(conflict_proxy.endpoint, idempotency_key="same-key-for-all")
    created = [answer for answer in run.answers if answer["status"] == 201]
    in_flight = [answer for answer in run.answers if answer["status"] == 409]
    assert len(created) + len(in_flight) == CREATES
    assert created, "the first request completes, and later ones replay it"
    assert {json.dumps(answer["body"], sort_keys=True) for answer in created} == {
        json.dumps(
            {"id": 1, "name": "Parallel", "dripped_at": None, "drip_delay": 0, "lessons_order": [1, 2]}, sort_keys=True
        )
    }
    assert {answer["headers"]["Location"] for answer in created} == {"/api/v2/course/1/section/1/"}
    assert stored_section_ids(server_dynamodb) == [1]


def test_deletes_creates_and_reorders_in_one_course_from_separate_processes_keep_the_order_exact(
    server_dynamodb, conflict_proxy
):
    """Ten environments delete the course's first 20 sections (each id twice, at once), five create 25 more,
    and three reorder it again and again, each from the list it has just read."""
    # Given a course with 20 sections
    course, existing = 1, 20
    setup = run_in_parallel(conflict_proxy.endpoint, work=[creates(course) * (existing // CREATES_PER_PROCESS)])
    assert sorted(answer["body"]["id"] for answer in setup.answers) == list(range(1, existing + 1))

    def deletes(ids: range) -> list[dict[str, Any]]:
        return [
            make_event(
                method="DELETE",
                course=str(course),
                section=str(section_id),
                groups=f"[course:{course}:manager]",
                body=None,
            )
            for section_id in ids
        ]

    # When ten processes delete them (each id twice), five create 25 more and three reorder, all at once
    halves = [range(1, 5), range(5, 9), range(9, 13), range(13, 17), range(17, 21)]
    work = [deletes(ids) for ids in halves] + [deletes(ids) for ids in reversed(halves)]
    work += [creates(course) for _ in range(5)]
    work += [[{REORDER: course}] * 12 for _ in range(3)]
    run = run_in_parallel(conflict_proxy.endpoint, work=work)

    # Then each id was deleted once, every create got a new id, and the table holds exactly those
    deleted = [answer for answer in run.answers if answer["method"] == "DELETE"]
    by_path: dict[str, list[int]] = {}
    for answer in deleted:
        by_path.setdefault(answer["path"], []).append(answer["status"])
    assert sorted(map(sorted, by_path.values())) == [[204, 404]] * existing, "each id deleted exactly once"
    assert all(answer["body"]["type"].endswith("section-not-found") for answer in deleted if answer["status"] == 404)
    created = [answer for answer in run.answers if answer["method"] == "POST"]
    assert [answer["status"] for answer in created] == [201] * 25
    new_ids = sorted(answer["body"]["id"] for answer in created)
    assert new_ids == list(range(existing + 1, existing + 26)), "deleted ids are never handed out again"
    assert stored_section_ids(server_dynamodb, course) == new_ids, "the section items are exactly those that exist"
    assert course_item(server_dynamodb, course)["section_seq"] == {"N": str(existing + 25)}
    # Each reorder was applied, or refused with the order as it then was: never a 5xx, never half applied.
    reorders = [answer for answer in run.answers if answer["method"] == "PATCH"]
    assert {answer["status"] for answer in reorders} <= {200, 409}, [a["body"] for a in reorders]
    for answer in reorders:
        order = answer["body"]["sections_order"]
        assert len(order) == len(set(order)), "an order names each section once"
    # The list: no section lost, none twice, in the last applied order, then what it does not name, by id.
    listing = make_event(method="GET", course=str(course), groups=f"[course:{course}:manager]", body=None)
    listed = [section["id"] for section in call(listing, LocalLambdaContext("course-api", timeout_seconds=15))[2]]
    assert sorted(listed) == new_ids
    stored = server_dynamodb.get_item(
        TableName=COURSES_TABLE, Key={"course_id": {"N": str(course)}, "sk": {"S": ORDER_SK}}
    ).get("Item")
    chosen = [int(value["N"]) for value in stored["sections_order"]["L"]] if stored else []
    expected = [section_id for section_id in chosen if section_id in new_ids]
    assert listed == expected + sorted(set(new_ids) - set(expected))
    applied = [answer["body"]["sections_order"] for answer in reorders if answer["status"] == 200]
    assert not chosen or chosen in applied, "the stored order is one a reorder was answered 200 for"
    # Whether a reorder met a quiet moment during the churn depends on the machine; after it, one always applies.
    status, _, answer = call(
        reorder_event(course, list(reversed(listed))), LocalLambdaContext("course-api", timeout_seconds=15)
    )
    assert (status, answer) == (200, {"id": course, "sections_order": list(reversed(listed))})
    relisted = call(listing, LocalLambdaContext("course-api", timeout_seconds=15))[2]
    assert [section["id"] for section in relisted] == list(reversed(listed))
    assert course_item(server_dynamodb, course)["section_count"] == {"N": str(len(new_ids))}, "deletes counted out"


def lesson_creates(course: int, section: int, count: int) -> list[dict[str, Any]]:
    body = json.dumps({"name": "Racing", "type": "lesson", "text": "<p>racing</p>"})
    event = make_event(course=str(course), groups=f"[course:{course}:manager]", body=body, lessons_of=str(section))
    return [event] * count


def test_a_section_delete_racing_lesson_creates_leaves_no_lesson_behind(server_dynamodb, dynamodb_endpoint):
    """A section's delete takes its lessons in one transaction, on the condition that the section still counts
    those it read; every lesson create counts itself on the section in its own. Whatever the interleaving,
    on DynamoDB's own engine: no lesson of the deleted section is stored or reachable, and the counts hold."""
    from sections.repository import lesson_sk, text_sk

    context = LocalLambdaContext("course-api", timeout_seconds=15)
    section = call(make_event(course="1", groups="[course:1:manager]"), context)[2]["id"]
    delete = make_event(method="DELETE", course="1", section=str(section), groups="[course:1:manager]", body=None)
    # One environment creates a lesson and then deletes the section, while the others create lessons in it.
    work = [lesson_creates(1, section, CREATES_PER_PROCESS) for _ in range(PROCESSES - 1)]
    work.append([*lesson_creates(1, section, 1), delete])
    run = run_in_parallel(dynamodb_endpoint, work=work)

    statuses = [answer["status"] for answer in run.answers]
    assert statuses.count(204) == 1 and set(statuses) <= {201, 204, 404}, statuses
    created = [answer["body"]["id"] for answer in run.answers if answer["status"] == 201]
    assert created and len(created) == len(set(created)), "unique lesson ids"
    refused = [answer["body"]["type"] for answer in run.answers if answer["status"] == 404]
    assert set(refused) <= {"urn:course-api:problem:section-not-found"}, refused
    for prefix in (lesson_sk(section), text_sk(section)):
        left = server_dynamodb.query(
            TableName=COURSES_TABLE,
            KeyConditionExpression="course_id = :c AND begins_with(sk, :p)",
            ExpressionAttributeValues={":c": {"N": "1"}, ":p": {"S": prefix}},
            ConsistentRead=True,
        )["Items"]
        assert left == [], f"{len(left)} items of the deleted section's lessons are left"
    for lesson in created:
        event = make_event(method="GET", course="1", lessons_of=str(section), lesson=str(lesson), body=None)
        assert call(event, context)[0] == 404
    item = course_item(server_dynamodb, 1)
    assert item.get("lesson_count", {"N": "0"}) == {"N": "0"}, "every counted lesson was counted out"
    # An id is taken only by a create that commits: the ids handed out are exactly those answered, no gaps.
    assert sorted(created) == list(range(1, len(created) + 1))
    assert item["lesson_seq"] == {"N": str(len(created))}
