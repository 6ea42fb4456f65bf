"""The contention retry policy, without I/O: windows, jitter, the budget, and which errors count."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from sections.contention import (
    ANSWER_RESERVE_SECONDS,
    FIRST_DELAY_SECONDS,
    MAX_BUDGET_SECONDS,
    MAX_DELAY_SECONDS,
    RetryBudget,
    is_write_conflict,
)


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
