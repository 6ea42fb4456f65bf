"""The contention retry policy, without I/O: windows, jitter, the budget, and which errors count."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from sections.contention import (
    ANSWER_RESERVE_SECONDS,
    CONFLICT,
    FIRST_DELAY_SECONDS,
    MAX_BUDGET_SECONDS,
    MAX_DELAY_SECONDS,
    AnswersLost,
    ConditionFailed,
    RetryBudget,
    Table,
    is_write_conflict,
)
from sections.problems import ServiceUnavailable


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def budget(seconds: float, jitter: float = 1.0) -> tuple[RetryBudget, FakeTime]:
    fake = FakeTime()
    return RetryBudget(seconds, clock=lambda: fake.now, sleep=fake.sleep, jitter=lambda: jitter), fake


def test_windows_double_from_the_first_delay_up_to_the_cap():
    retry, fake = budget(60)
    for _ in range(8):
        assert retry.wait()
    assert fake.slept == [min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2**n) for n in range(8)]


def test_full_jitter_draws_anywhere_in_the_window():
    retry, fake = budget(60, jitter=0.25)
    retry.wait()
    retry.wait()
    assert fake.slept == [0.25 * FIRST_DELAY_SECONDS, 0.25 * FIRST_DELAY_SECONDS * 2]


def test_no_wait_ends_past_the_budget():
    retry, fake = budget(1.0)
    while retry.wait():
        pass
    assert fake.now <= 1.0
    assert retry.waits == len(fake.slept) > 3


class Context:
    def __init__(self, remaining_ms: int):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.mark.parametrize(
    ("remaining_ms", "expected"),
    [(15_000, 15 - ANSWER_RESERVE_SECONDS), (900_000, MAX_BUDGET_SECONDS), (1_000, 0.0)],
)
def test_the_budget_is_the_invocations_remaining_time_less_a_reserve_and_under_api_gateways_limit(
    remaining_ms, expected
):
    before = time.monotonic()
    retry = RetryBudget.for_invocation(Context(remaining_ms))
    assert retry._deadline - before == pytest.approx(expected, abs=0.05)
    assert MAX_BUDGET_SECONDS + ANSWER_RESERVE_SECONDS < 30


def client_error(code: str, reasons: list[str] | None = None) -> ClientError:
    response = {"Error": {"Code": code, "Message": code}}
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": reason} for reason in reasons]
    return ClientError(response, "TransactWriteItems")


def test_which_errors_are_contention():
    assert is_write_conflict(client_error("TransactionConflictException"))
    assert not is_write_conflict(client_error("ConditionalCheckFailedException"))
    assert not is_write_conflict(client_error("ProvisionedThroughputExceededException"))


def test_allows_says_whether_more_time_fits_in_the_budget():
    retry, fake = budget(2.0)
    assert retry.allows(2.0)
    fake.now = 1.5
    assert retry.allows(0.5) and not retry.allows(0.6)


def answer_error(code: str, **response) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, **response}, "Operation")


class AnsweringClient:
    """A DynamoDB client whose put_item answers each call with the next of `answers` (an exception is raised)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[dict] = []

    def put_item(self, **request):
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    transact_write_items = put_item


def test_a_failed_condition_is_raised_with_the_item_dynamodb_returned_and_whether_botocore_resent():
    # Given a put whose condition failed after botocore resent it, with the item as it was
    item = {"sk": {"S": "SECTION#0000000001"}}
    resent = answer_error("ConditionalCheckFailedException", Item=item, ResponseMetadata={"RetryAttempts": 1})
    table = Table(AnsweringClient(resent), "courses")

    # When the write is made, then ConditionFailed carries both
    with pytest.raises(ConditionFailed) as failed:
        table.write("put_item", budget(1.0)[0], Item={})
    assert (failed.value.item, failed.value.resent) == (item, True)


def test_a_transactions_failed_check_carries_the_item_from_its_cancellation_reason():
    course = {"sk": {"S": "COURSE"}}
    cancelled = answer_error(
        "TransactionCanceledException",
        CancellationReasons=[{"Code": "ConditionalCheckFailed", "Item": course}, {"Code": "None"}],
    )
    with pytest.raises(ConditionFailed) as failed:
        Table(AnsweringClient(cancelled), "courses").write_once("put_item", Item={})
    assert (failed.value.item, failed.value.resent) == (course, False)


def test_another_writers_transaction_is_waited_out_then_the_same_request_sent_again():
    client = AnsweringClient(answer_error(CONFLICT), answer_error(CONFLICT), {"ok": True})
    retry, clock = budget(1.0, jitter=0.5)
    assert Table(client, "courses").write("put_item", retry, Item={"a": 1}) == {"ok": True}
    assert client.requests == [{"TableName": "courses", "Item": {"a": 1}}] * 3
    assert len(clock.slept) == 2


def test_a_transaction_sent_again_after_a_conflict_carries_a_token_of_its_own():
    """DynamoDB answers a token it has seen with that attempt's outcome for ten minutes: an attempt after a
    cancellation needs a new one (botocore's own resend of a lost answer keeps the attempt's)."""
    held = answer_error(
        "TransactionCanceledException", CancellationReasons=[{"Code": "TransactionConflict"}, {"Code": "None"}]
    )
    client = AnsweringClient(held, {"ok": True})
    retry, _ = budget(1.0, jitter=0.5)
    assert Table(client, "courses").write("transact_write_items", retry, TransactItems=[]) == {"ok": True}
    tokens = [request["ClientRequestToken"] for request in client.requests]
    assert len(tokens) == 2 and tokens[0] != tokens[1] and all(tokens)
    assert [request["TransactItems"] for request in client.requests] == [[], []]


def test_a_conflict_past_the_budget_is_503():
    retry, _ = budget(0.0)
    with pytest.raises(ServiceUnavailable):
        Table(AnsweringClient(answer_error(CONFLICT)), "courses").write("put_item", retry, Item={})


@pytest.mark.parametrize(
    ("error", "answer"),
    [
        (answer_error("ThrottlingException"), ServiceUnavailable),
        (answer_error("InternalServerError", ResponseMetadata={"HTTPStatusCode": 500}), ServiceUnavailable),
        (ReadTimeoutError(endpoint_url="http://dynamodb"), AnswersLost),
        (answer_error("AccessDeniedException", ResponseMetadata={"HTTPStatusCode": 400}), ClientError),
    ],
)
def test_throttling_and_5xx_are_503_a_lost_answer_is_answers_lost_and_a_defect_is_raised_as_it_is(error, answer):
    with pytest.raises(answer) as raised:
        Table(AnsweringClient(error), "courses").write("put_item", budget(1.0)[0], Item={})
    assert isinstance(raised.value, ServiceUnavailable) == (answer is not ClientError)
