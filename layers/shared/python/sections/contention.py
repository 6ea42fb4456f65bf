"""How the function waits out contention on DynamoDB items: the one retry policy for every call it makes.

While a TransactWriteItems holds an item, DynamoDB answers a PutItem/UpdateItem/DeleteItem on it with
TransactionConflictException (AWS developer guide, "Transaction conflict handling in DynamoDB"), and
botocore's standard retry mode does not retry it (botocore/retries/standard.py). The function makes
no transactions itself (docs/data-model.md), but other services may hold the course item in theirs,
so the caller retries, here: exponential backoff with full jitter (AWS Architecture Blog,
"Exponential Backoff And Jitter"), for as long as the invocation's remaining time allows, so a
request ends inside the function's Timeout and so inside API Gateway's 30 s.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Protocol

from botocore.exceptions import ClientError

# The first wait is drawn from [0, FIRST_DELAY]: about a transaction's commit time, so the holder is
# usually done when a waiter comes back, and waiters spread over the window instead of meeting again.
FIRST_DELAY_SECONDS = 0.02
# Each further wait doubles the window, up to this, so a long queue of waiters keeps polling
# often enough to take a free item and never waits out a whole burst.
MAX_DELAY_SECONDS = 0.5
# Kept back from the invocation's remaining time: enough to answer 503 (and release an
# Idempotency-Key record) after the last wait, before Lambda's Timeout would kill the invocation.
ANSWER_RESERVE_SECONDS = 2.0
# Whatever the Timeout, never wait past this: API Gateway answers 503 itself at 30 s.
MAX_BUDGET_SECONDS = 25.0

CONFLICT = "TransactionConflictException"


class LambdaContextLike(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


class RetryBudget:
    """Backoff waits for one request, bounded by the time the invocation has left."""

    def __init__(
        self,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ):
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter
        self._deadline = clock() + max(0.0, min(seconds, MAX_BUDGET_SECONDS))
        self.waits = 0

    @classmethod
    def for_invocation(cls, context: LambdaContextLike | None) -> RetryBudget:
        remaining = context.get_remaining_time_in_millis() / 1000 if context else MAX_BUDGET_SECONDS
        return cls(remaining - ANSWER_RESERVE_SECONDS)

    def allows(self, seconds: float) -> bool:
        """Whether `seconds` more still end inside the budget."""
        return self._clock() + seconds <= self._deadline

    def wait(self) -> bool:
        """Sleeps before the next attempt and returns True; False, without sleeping, once the budget is spent."""
        window = min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2**self.waits)
        delay = self._jitter() * window
        if self._clock() + delay > self._deadline:
            return False
        self.waits += 1
        self._sleep(delay)
        return True


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_write_conflict(error: ClientError) -> bool:
    """A write met an item that another writer's transaction holds: the same request may succeed once it commits.

    A plain write gets TransactionConflictException; a transaction is cancelled, with the reason
    TransactionConflict for the item (AWS, "Transaction conflict handling in DynamoDB").
    """
    if error_code(error) == "TransactionCanceledException":
        return any(
            reason.get("Code") == "TransactionConflict" for reason in error.response.get("CancellationReasons") or []
        )
    return error_code(error) == CONFLICT
