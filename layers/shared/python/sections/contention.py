"""What each DynamoDB answer means, and how a call is retried: the one place that reads botocore's errors.

- Another writer's transaction holds the item: a PutItem/UpdateItem/DeleteItem on it gets
  TransactionConflictException, a transaction is cancelled with the reason TransactionConflict (AWS
  developer guide, "Transaction conflict handling in DynamoDB"), and botocore's standard retry mode
  retries neither (botocore/retries/standard.py). `write` waits them out: exponential backoff with
  full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"), for as long as the
  invocation's remaining time allows (`RetryBudget`), so a request ends inside the function's Timeout
  and so inside API Gateway's 30 s. The reorder makes the one transaction of these functions;
  other services hold the course item in theirs (docs/data-model.md).
- A condition failed: `ConditionFailed`, which the data layer catches (it never reaches a handler).
- Throttling and DynamoDB's 5xx that outlived botocore's retries: 503. Every answer lost (a
  connection or read timeout past the retries): `AnswersLost`, a 503 the caller may look behind.
  Anything else (access denied, a validation error) is a defect: re-raised, it becomes a 500.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from sections.problems import ServiceUnavailable

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
_CANCELLED = "TransactionCanceledException"
_CHECK_FAILED = "ConditionalCheckFailed"


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


class ConditionFailed(Exception):
    """A write's condition failed: a plain write's, or a check inside a transaction.

    `item` is the item as it was, when the request asked for it (ReturnValuesOnConditionCheckFailure:
    ALL_OLD; for a transaction, from the failing action's cancellation reason); `actions` the indexes of
    a transaction's failing actions (empty for a plain write); `resent` whether botocore had resent the
    request, so that the failure may be this request's own earlier attempt.
    """

    def __init__(self, error: ClientError):
        super().__init__(error_code(error))
        self.error = error
        reasons = _all_cancellation_reasons(error)
        self.actions = [index for index, reason in enumerate(reasons) if reason.get("Code") == _CHECK_FAILED]
        failing = _cancellation_reasons(error, _CHECK_FAILED)
        self.item: dict[str, Any] | None = failing[0].get("Item") if failing else error.response.get("Item")
        self.resent = int(error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)) > 0


class AnswersLost(ServiceUnavailable):
    """Every answer to a call was lost past botocore's retries: the call may still have been applied."""


class Held(Exception):
    """Another writer's transaction holds the item; the same request may succeed once it commits."""

    def __init__(self, error: ClientError):
        super().__init__(error_code(error))
        self.error = error


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_write_conflict(error: ClientError) -> bool:
    """A write met an item that another writer's transaction holds: the same request may succeed once it commits.

    A plain write gets TransactionConflictException; a transaction is cancelled, with the reason
    TransactionConflict for the item (AWS, "Transaction conflict handling in DynamoDB").
    """
    return bool(_cancellation_reasons(error, "TransactionConflict")) or error_code(error) == CONFLICT


def _is_condition_failure(error: ClientError) -> bool:
    """A plain write's ConditionalCheckFailedException, or a transaction cancelled for a failed check."""
    failed = _cancellation_reasons(error, _CHECK_FAILED)
    return bool(failed) or error_code(error) == "ConditionalCheckFailedException"


def _all_cancellation_reasons(error: ClientError) -> list[dict[str, Any]]:
    """A cancelled transaction's reasons, one per action in order; [] for any other error."""
    return list(error.response.get("CancellationReasons") or []) if error_code(error) == _CANCELLED else []


def _cancellation_reasons(error: ClientError, code: str) -> list[dict[str, Any]]:
    """A cancelled transaction's reasons with this code, in the order of its actions; [] for any other error."""
    return [reason for reason in _all_cancellation_reasons(error) if reason.get("Code") == code]


_THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "LimitExceededException"}
)


def _raise_if_transient(error: ClientError) -> None:
    """Throttling and DynamoDB 5xx that outlived botocore's bounded retries become 503."""
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    if status >= 500 or error_code(error) in _THROTTLING_CODES:
        raise ServiceUnavailable() from error


class Table:
    """The calls on one table, each answer read as the module docstring says."""

    def __init__(self, client: Any, name: str):
        self.client = client
        self.name = name

    def read(self, operation: str, **request: Any) -> dict[str, Any]:
        """GetItem or Query: its response; throttling, 5xx and lost answers past botocore's retries are 503."""
        try:
            return getattr(self.client, operation)(TableName=self.name, **request)
        except ClientError as error:
            _raise_if_transient(error)
            raise
        except BotoCoreError as error:
            raise AnswersLost() from error

    def write_once(self, operation: str, **request: Any) -> dict[str, Any]:
        """One write (the table named in the request, for a transaction): its response, or ConditionFailed,
        Held while another writer's transaction holds the item, AnswersLost, or 503."""
        if operation != "transact_write_items":
            request = {"TableName": self.name, **request}
        try:
            return getattr(self.client, operation)(**request)
        except ClientError as error:
            if _is_condition_failure(error):
                raise ConditionFailed(error) from None
            if is_write_conflict(error):
                raise Held(error) from None
            _raise_if_transient(error)
            raise
        except BotoCoreError as error:
            raise AnswersLost() from error

    def write(self, operation: str, budget: RetryBudget, **request: Any) -> dict[str, Any]:
        """`write_once`, sent again after a backoff wait while another writer's transaction holds the item.

        A transaction gets a ClientRequestToken of its own on each attempt: botocore's resend of a lost
        answer reuses it (and is applied once), while an attempt after a cancellation must not, or
        DynamoDB would answer it with the cancelled attempt's outcome for ten minutes.
        """
        while True:
            if operation == "transact_write_items":
                request["ClientRequestToken"] = str(uuid.uuid4())
            try:
                return self.write_once(operation, **request)
            except Held as held:
                wait_out(held, budget)


def wait_out(held: Held, budget: RetryBudget) -> None:
    """Returns after a backoff wait; 503 once the budget is spent."""
    if not budget.wait():
        raise ServiceUnavailable() from held.error
