"""DynamoDB faults: after each one, the answer and the table's contents."""

from __future__ import annotations

import time

import pytest
from botocore.retries.standard import ExponentialBackoff

from localdev.functions import CREATE_SECTION_FUNCTION, handler_module
from localdev.lambda_context import LocalLambdaContext
from sections.contention import ANSWER_RESERVE_SECONDS
from sections.repository import section_sk
from sections.wiring import dependencies
from tests.integration.faults import (
    SECTION_PUT,
    FaultInjector,
    committed_but_answer_lost,
    internal_error,
    read_timeout,
    side_effect,
    throttled,
    transaction_conflict,
)
from tests.support import (
    COURSES_TABLE,
    assert_problem,
    call,
    course_item,
    make_event,
    section_items,
    set_course_deleted,
    stored_section_ids,
)

# The create function's handler, loaded as every test loads a function (localdev.functions.handler_module).
lambda_handler = handler_module(CREATE_SECTION_FUNCTION).lambda_handler


@pytest.fixture
def faults(server_dynamodb, monkeypatch):
    monkeypatch.setattr(
        ExponentialBackoff, "delay_amount", lambda self, context: 0
    )  # keep botocore's policy, skip sleeps
    return FaultInjector(dependencies().sections._client)


def test_throttled_once_on_the_first_call_is_retried_by_botocore(faults, server_dynamodb, lambda_context):
    faults.on("UpdateItem", 1, throttled())
    status, _, body = call(make_event(), lambda_context)
    assert (status, body["id"]) == (201, 1)
    assert faults.attempts["UpdateItem"] == 2
    assert stored_section_ids(server_dynamodb) == [1]


def test_throttled_on_every_attempt_of_the_first_call_is_503(faults, server_dynamodb, lambda_context):
    faults.always("UpdateItem", throttled())
    status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 503)
    assert headers["Retry-After"] == "1"
    assert faults.attempts["UpdateItem"] == 3  # standard mode, total_max_attempts=3
    assert stored_section_ids(server_dynamodb) == []
    assert course_item(server_dynamodb)["section_seq"] == {"N": "0"}


def test_throttled_on_the_second_call_leaves_a_gap_and_nothing_half_written(faults, server_dynamodb, lambda_context):
    faults.always(SECTION_PUT, throttled())
    status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 503)
    assert stored_section_ids(server_dynamodb) == []
    assert course_item(server_dynamodb)["section_seq"] == {"N": "1"}  # id 1 was handed out: a gap, never reused


def test_after_a_gap_the_next_create_gets_a_new_id(faults, server_dynamodb, lambda_context):
    faults.on(SECTION_PUT, 1, throttled()).on(SECTION_PUT, 2, throttled()).on(SECTION_PUT, 3, throttled())
    assert call(make_event(), lambda_context)[0] == 503
    status, _, body = call(make_event(), lambda_context)
    assert (status, body["id"]) == (201, 2)
    assert stored_section_ids(server_dynamodb) == [2]


@pytest.mark.parametrize("operation", ["UpdateItem", SECTION_PUT])
def test_dynamodb_500_on_every_attempt_is_503(faults, server_dynamodb, lambda_context, operation):
    faults.always(operation, internal_error())
    status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 503)
    assert "Internal server error" not in body["detail"]
    assert stored_section_ids(server_dynamodb) == []


def test_read_timeout_once_is_retried(faults, server_dynamodb, lambda_context):
    faults.on(SECTION_PUT, 1, read_timeout())
    status, _, body = call(make_event(), lambda_context)
    assert (status, body["id"]) == (201, 1)
    assert stored_section_ids(server_dynamodb) == [1]


def test_read_timeout_on_every_attempt_is_503(faults, server_dynamodb, lambda_context):
    faults.always("UpdateItem", read_timeout())
    status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 503)
    assert stored_section_ids(server_dynamodb) == []


def test_a_put_whose_answer_was_lost_is_recognised_by_its_resend(
    faults, server_dynamodb, conflict_proxy, lambda_context
):
    """DynamoDB Local applies the put; the proxy drops its answer; botocore's identical resend fails the condition on our own item."""
    conflict_proxy.drop_next_answer("PutItem")
    status, headers, body = call(make_event(), lambda_context)
    assert (status, body["id"], headers["Location"]) == (201, 1, "/api/v2/course/1/section/1/")
    assert faults.attempts[SECTION_PUT] == 2
    tokens = {request["Item"]["write_token"]["S"] for operation, request in faults.bodies if operation == "PutItem"}
    assert len(tokens) == 1, "the resend is the same request"
    assert stored_section_ids(server_dynamodb) == [1], "one section, not two"


def test_when_every_answer_was_lost_a_read_tells_whether_the_put_landed(faults, server_dynamodb, lambda_context):
    faults.on(SECTION_PUT, 1, committed_but_answer_lost())
    faults.on(SECTION_PUT, 2, read_timeout()).on(SECTION_PUT, 3, read_timeout())
    status, _, body = call(make_event(), lambda_context)
    assert (status, body["id"]) == (201, 1)
    assert faults.attempts["GetItem"] == 1
    assert stored_section_ids(server_dynamodb) == [1]


def test_with_too_little_time_left_to_look_the_answer_is_503_at_once(faults, server_dynamodb):
    """The lookup and an Idempotency-Key release after it must fit in the budget; the function's Timeout comes first."""
    faults.on(SECTION_PUT, 1, committed_but_answer_lost())
    faults.on(SECTION_PUT, 2, read_timeout()).on(SECTION_PUT, 3, read_timeout())
    status, headers, body = call(make_event(), short_invocation())
    assert_problem(status, headers, body, 503)
    assert faults.attempts["GetItem"] == 0


def test_an_id_another_writer_took_is_never_reused(faults, server_dynamodb, lambda_context):
    outsider = {"course_id": {"N": "1"}, "sk": {"S": section_sk(1)}, "section_id": {"N": "1"}}
    server_dynamodb.put_item(TableName=COURSES_TABLE, Item={**outsider, "name": {"S": "imported"}})
    status, headers, body = call(make_event(), lambda_context)
    assert (status, body["id"], headers["Location"]) == (201, 2, "/api/v2/course/1/section/2/")
    assert faults.attempts["UpdateItem"] == 2
    assert stored_section_ids(server_dynamodb) == [1, 2]
    assert section_items(server_dynamodb)[0]["name"] == {"S": "imported"}, "the other writer's item is untouched"


def short_invocation(seconds: float = ANSWER_RESERVE_SECONDS + 1) -> LocalLambdaContext:
    """An invocation with one second of retry budget, so persistent contention ends quickly."""
    return LocalLambdaContext("create-section", timeout_seconds=seconds)  # type: ignore[arg-type]


def test_a_single_transaction_conflict_on_the_id_allocation_is_retried(faults, server_dynamodb, lambda_context):
    """Another writer's transaction holds the course item; the allocation meets TransactionConflictException."""
    faults.on("UpdateItem", 1, transaction_conflict())
    status, headers, body = call(make_event(), lambda_context)
    assert (status, body["id"], headers["Location"]) == (201, 1, "/api/v2/course/1/section/1/")
    assert faults.attempts["UpdateItem"] == 2
    assert stored_section_ids(server_dynamodb) == [1]


def test_a_persistent_conflict_on_the_id_allocation_is_503_with_retry_after_and_writes_nothing(faults, server_dynamodb):
    faults.always("UpdateItem", transaction_conflict())
    invocation = short_invocation()
    started = time.monotonic()
    status, headers, body = call(make_event(), invocation)
    assert_problem(status, headers, body, 503)
    assert headers["Retry-After"] == "1"
    # Waits stop when the budget is spent, so the answer comes inside the invocation's own time (a budget
    # that did not stop would wait up to 25 s). How far inside depends on the machine: tests/unit/test_contention.py
    # checks the budget's arithmetic on a fake clock.
    assert time.monotonic() - started < ANSWER_RESERVE_SECONDS + 1, "answered inside the invocation's timeout"
    assert faults.attempts["UpdateItem"] > 3, "retried with backoff, not a fixed three times"
    assert faults.attempts[SECTION_PUT] == 0
    assert stored_section_ids(server_dynamodb) == [] and course_item(server_dynamodb)["section_seq"] == {"N": "0"}


def test_a_conflict_on_the_section_put_is_retried_with_the_same_id(faults, server_dynamodb, lambda_context):
    faults.on(SECTION_PUT, 1, transaction_conflict())
    status, _, body = call(make_event(), lambda_context)
    assert (status, body["id"]) == (201, 1)
    assert faults.attempts["UpdateItem"] == 1
    assert stored_section_ids(server_dynamodb) == [1]


def test_a_persistent_conflict_on_the_section_put_is_503_inside_the_budget(faults, server_dynamodb):
    faults.always(SECTION_PUT, transaction_conflict())
    status, headers, body = call(make_event(), short_invocation())
    assert_problem(status, headers, body, 503)
    assert headers["Retry-After"] == "1"
    assert stored_section_ids(server_dynamodb) == []
    assert course_item(server_dynamodb)["section_seq"] == {"N": "1"}  # the id is a gap, nothing else


def test_a_create_takes_effect_at_the_id_allocation_so_a_deletion_after_it_comes_after_the_create(
    faults, server_dynamodb, lambda_context
):
    """The allocation saw a live course: the create is ordered before the deletion, and says 201.

    The section then belongs to a deleted course, which answers 404 to everything (docs/data-model.md).
    A create whose allocation comes after the deletion is 404 and writes nothing.
    """
    faults.on(SECTION_PUT, 1, side_effect(lambda: set_course_deleted(server_dynamodb, 1)))
    status, _, body = call(make_event(), lambda_context)
    assert (status, body["id"]) == (201, 1)
    assert stored_section_ids(server_dynamodb) == [1]
    assert_problem(*call(make_event(), lambda_context), 404)
    assert stored_section_ids(server_dynamodb) == [1]


def test_idempotency_store_unavailable_is_503_and_nothing_is_written(faults, server_dynamodb, lambda_context):
    faults.always("PutItem", throttled())
    event = make_event(headers={"idempotency-key": "k-1"})
    status, headers, body = call(event, lambda_context)
    assert_problem(status, headers, body, 503)
    assert headers["Retry-After"] == "1"
    assert stored_section_ids(server_dynamodb) == []


def test_failure_inside_an_idempotent_create_releases_the_key(faults, server_dynamodb, lambda_context):
    faults.on(SECTION_PUT, 1, internal_error()).on(SECTION_PUT, 2, internal_error())
    faults.on(SECTION_PUT, 3, internal_error())
    event = make_event(headers={"idempotency-key": "k-2"})
    assert call(event, lambda_context)[0] == 503
    status, _, body = call(event, lambda_context)
    assert (status, body["id"]) == (201, 2)
    assert stored_section_ids(server_dynamodb) == [2]
    assert lambda_handler(event, lambda_context)["statusCode"] == 201  # a replay now
    assert stored_section_ids(server_dynamodb) == [2]


@pytest.fixture
def hanging_dynamodb(monkeypatch, reset_dependencies):
    """A loopback endpoint that accepts connections and never answers."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{listener.getsockname()[1]}")
    yield
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_hanging_dynamodb_is_answered_with_503_inside_the_function_timeout(hanging_dynamodb, lambda_context):
    """Bounded retries and timeouts: an answer, not a Lambda timeout, when DynamoDB never responds."""
    import time

    from localdev.template import local_template

    started = time.monotonic()
    status, headers, body = call(make_event(), lambda_context)
    elapsed = time.monotonic() - started
    assert_problem(status, headers, body, 503)
    # Correctness, not speed: the answer must exist before the function's own timeout kills it.
    assert elapsed < local_template().function_timeout("CreateSectionFunction")
