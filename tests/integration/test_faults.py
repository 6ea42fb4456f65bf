"""DynamoDB faults: after each one, the answer and the table's contents."""

from __future__ import annotations

import json
import time

import pytest
from botocore.retries.standard import ExponentialBackoff

from app import lambda_handler
from localdev.lambda_context import LocalLambdaContext
from sections.contention import ANSWER_RESERVE_SECONDS
from sections.wiring import dependencies
from tests.conftest import assert_problem, call, course_item, make_event, section_items, set_course_deleted
from tests.integration.faults import (
    FaultInjector,
    cancelled,
    internal_error,
    read_timeout,
    side_effect,
    throttled,
    transaction_conflict,
    transaction_in_progress,
)


@pytest.fixture
def faults(server_dynamodb, monkeypatch):
    monkeypatch.setattr(
        ExponentialBackoff, "delay_amount", lambda self, context: 0
    )  # keep botocore's policy, skip sleeps
    return FaultInjector(dependencies().sections._client)


def stored_ids(client):
    return sorted(int(item["section_id"]["N"]) for item in section_items(client))


def order(client):
    return [int(entry["N"]) for entry in course_item(client).get("sections_order", {"L": []})["L"]]


def assert_consistent(client):
    """The invariant every fault must keep: sections_order names exactly the stored sections."""
    assert sorted(order(client)) == stored_ids(client)
    assert len(set(order(client))) == len(order(client))


def test_throttled_once_on_the_first_call_is_retried_by_botocore(faults, server_dynamodb, lambda_context):
    faults.on("UpdateItem", 1, throttled())
    status, _, body = call(make_event(), lambda_context)
    assert (status, body["id"]) == (201, 1)
    assert faults.attempts["UpdateItem"] == 2
    assert stored_ids(server_dynamodb) == order(server_dynamodb) == [1]


def test_throttled_on_every_attempt_of_the_first_call_is_503(faults, server_dynamodb, lambda_context):
    faults.always("UpdateItem", throttled())
    status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 503)
    assert headers["Retry-After"] == "1"
    assert faults.attempts["UpdateItem"] == 3  # standard mode, total_max_attempts=3
    assert stored_ids(server_dynamodb) == [] and order(server_dynamodb) == []
    assert course_item(server_dynamodb)["section_seq"] == {"N": "0"}


def test_throttled_on_the_second_call_leaves_a_gap_and_nothing_half_written(faults, server_dynamodb, lambda_context):
    faults.always("TransactWriteItems", throttled())
    status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 503)
    assert stored_ids(server_dynamodb) == [] and order(server_dynamodb) == []
    assert course_item(server_dynamodb)["section_seq"] == {"N": "1"}  # id 1 was handed out: a gap, never reused


def test_after_a_gap_the_next_create_gets_a_new_id(faults, server_dynamodb, lambda_context):
    faults.on("TransactWriteItems", 1, throttled()).on("TransactWriteItems", 2, throttled())
    faults.on("TransactWriteItems", 3, throttled())
    assert call(make_event(), lambda_context)[0] == 503
    status, _, body = call(make_event(), lambda_context)
    assert (status, body["id"]) == (201, 2)
    assert stored_ids(server_dynamodb) == order(server_dynamodb) == [2]


@pytest.mark.parametrize("operation", ["UpdateItem", "TransactWriteItems"])
def test_dynamodb_500_on_every_attempt_is_503(faults, server_dynamodb, lambda_context, operation):
    faults.always(operation, internal_error())
    status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 503)
    assert "Internal server error" not in body["detail"]
    assert stored_ids(server_dynamodb) == []
    assert_consistent(server_dynamodb)


def test_read_timeout_once_is_retried(faults, server_dynamodb, lambda_context):
    faults.on("TransactWriteItems", 1, read_timeout())
    status, _, body = call(make_event(), lambda_context)
    assert (status, body["id"]) == (201, 1)
    assert stored_ids(server_dynamodb) == order(server_dynamodb) == [1]


def test_read_timeout_on_every_attempt_is_503(faults, server_dynamodb, lambda_context):
    faults.always("UpdateItem", read_timeout())
    status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 503)
    assert stored_ids(server_dynamodb) == []


def test_cancelled_because_the_course_was_deleted_is_404(faults, server_dynamodb, lambda_context):
    faults.always("TransactWriteItems", cancelled("None", "ConditionalCheckFailed"))
    status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 404)
    assert stored_ids(server_dynamodb) == [] and order(server_dynamodb) == []


def test_cancelled_because_the_id_is_taken_allocates_a_new_id(faults, server_dynamodb, lambda_context):
    faults.on("TransactWriteItems", 1, cancelled("ConditionalCheckFailed", "None"))
    status, headers, body = call(make_event(), lambda_context)
    assert (status, body["id"], headers["Location"]) == (201, 2, "/api/v2/course/1/section/2/")
    assert faults.attempts["UpdateItem"] == 2
    assert stored_ids(server_dynamodb) == order(server_dynamodb) == [2]


def test_cancelled_by_a_conflict_is_retried_with_the_same_id(faults, server_dynamodb, lambda_context):
    faults.on("TransactWriteItems", 1, cancelled("TransactionConflict", "None"))
    status, _, body = call(make_event(), lambda_context)
    assert (status, body["id"]) == (201, 1)
    assert faults.attempts["UpdateItem"] == 1
    assert stored_ids(server_dynamodb) == order(server_dynamodb) == [1]


def short_invocation(seconds: float = ANSWER_RESERVE_SECONDS + 1) -> LocalLambdaContext:
    """An invocation with one second of retry budget, so persistent contention ends quickly."""
    return LocalLambdaContext("create-section", timeout_seconds=seconds)  # type: ignore[arg-type]


def test_conflicts_that_persist_are_503_with_retry_after_inside_the_budget(faults, server_dynamodb):
    faults.always("TransactWriteItems", cancelled("None", "TransactionConflict"))
    started = time.monotonic()
    status, headers, body = call(make_event(), short_invocation())
    assert_problem(status, headers, body, 503)
    assert headers["Retry-After"] == "1"
    assert time.monotonic() - started < 1 + 0.5, "waits stop when the budget is spent"
    assert faults.attempts["TransactWriteItems"] > 3, "retried with backoff, not a fixed three times"
    assert stored_ids(server_dynamodb) == [] and order(server_dynamodb) == []
    assert course_item(server_dynamodb)["section_seq"] == {"N": "1"}  # the id is a gap, nothing else


def test_a_single_transaction_conflict_on_the_id_allocation_is_retried(faults, server_dynamodb, lambda_context):
    """A create's transaction holds the course item; another create's UpdateItem meets TransactionConflictException."""
    faults.on("UpdateItem", 1, transaction_conflict())
    status, headers, body = call(make_event(), lambda_context)
    assert (status, body["id"], headers["Location"]) == (201, 1, "/api/v2/course/1/section/1/")
    assert faults.attempts["UpdateItem"] == 2
    assert stored_ids(server_dynamodb) == order(server_dynamodb) == [1]


def test_a_persistent_conflict_on_the_id_allocation_is_503_and_writes_nothing(faults, server_dynamodb):
    faults.always("UpdateItem", transaction_conflict())
    status, headers, body = call(make_event(), short_invocation())
    assert_problem(status, headers, body, 503)
    assert headers["Retry-After"] == "1"
    assert faults.attempts["UpdateItem"] > 3
    assert faults.attempts["TransactWriteItems"] == 0
    assert stored_ids(server_dynamodb) == [] and course_item(server_dynamodb)["section_seq"] == {"N": "0"}


def test_an_in_progress_transaction_is_resent_with_its_token_until_it_resolves(faults, server_dynamodb, lambda_context):
    """TransactionInProgressException past botocore's retries: the first attempt may commit, so the same token goes again."""
    in_progress = transaction_in_progress()
    for attempt in range(1, 9):  # botocore's 3 attempts, twice over, and two more
        faults.on("TransactWriteItems", attempt, in_progress)
    status, _, body = call(make_event(), lambda_context)
    assert (status, body["id"]) == (201, 1)
    tokens = {
        request["ClientRequestToken"] for operation, request in faults.bodies if operation == "TransactWriteItems"
    }
    assert len(tokens) == 1, "every resend carries the first attempt's token"
    assert faults.attempts["TransactWriteItems"] == 9
    assert stored_ids(server_dynamodb) == order(server_dynamodb) == [1]


def test_an_in_progress_transaction_past_the_budget_says_the_outcome_is_unknown(faults, server_dynamodb):
    faults.always("TransactWriteItems", transaction_in_progress())
    status, headers, body = call(make_event(), short_invocation())
    assert_problem(status, headers, body, 503)
    assert body["type"] == "urn:course-api:problem:outcome-unknown"
    assert "may or may not" in body["detail"]


@pytest.mark.parametrize("reason", ["ThrottlingError", "ProvisionedThroughputExceeded", "ValidationError"])
def test_cancelled_for_other_reasons_is_503(faults, server_dynamodb, lambda_context, reason, log_output):
    faults.always("TransactWriteItems", cancelled(reason, "None"))
    status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 503)
    assert reason not in json.dumps(body)
    assert stored_ids(server_dynamodb) == [] and order(server_dynamodb) == []
    (record,) = [json.loads(line) for line in log_output.getvalue().splitlines() if '"Request failed"' in line]
    assert "TransactionCanceledException" in record["cause"]


def test_course_deleted_between_id_allocation_and_write_is_404(faults, server_dynamodb, lambda_context):
    faults.on("TransactWriteItems", 1, side_effect(lambda: set_course_deleted(server_dynamodb, 1)))
    status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 404)
    assert stored_ids(server_dynamodb) == [] and order(server_dynamodb) == []


def test_idempotency_store_unavailable_is_503_and_nothing_is_written(faults, server_dynamodb, lambda_context):
    faults.always("PutItem", throttled())
    event = make_event(headers={"idempotency-key": "k-1"})
    status, headers, body = call(event, lambda_context)
    assert_problem(status, headers, body, 503)
    assert headers["Retry-After"] == "1"
    assert stored_ids(server_dynamodb) == []


def test_failure_inside_an_idempotent_create_releases_the_key(faults, server_dynamodb, lambda_context):
    faults.on("TransactWriteItems", 1, internal_error()).on("TransactWriteItems", 2, internal_error())
    faults.on("TransactWriteItems", 3, internal_error())
    event = make_event(headers={"idempotency-key": "k-2"})
    assert call(event, lambda_context)[0] == 503
    status, _, body = call(event, lambda_context)
    assert (status, body["id"]) == (201, 2)
    assert stored_ids(server_dynamodb) == order(server_dynamodb) == [2]
    assert lambda_handler(event, lambda_context)["statusCode"] == 201  # a replay now
    assert stored_ids(server_dynamodb) == [2]


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


def test_botocore_retries_resend_the_transaction_token_and_our_retries_use_a_new_one(faults, lambda_context):
    """A resent token lets DynamoDB answer a committed-but-unacknowledged transaction with success."""
    faults.on("TransactWriteItems", 1, read_timeout())  # botocore retries the same request
    faults.on("TransactWriteItems", 2, cancelled("None", "TransactionConflict"))  # our retry: a new attempt
    status, _, _ = call(make_event(), lambda_context)
    assert status == 201
    tokens = [body["ClientRequestToken"] for operation, body in faults.bodies if operation == "TransactWriteItems"]
    assert len(tokens) == 3
    assert tokens[0] == tokens[1]
    assert tokens[2] != tokens[1]
