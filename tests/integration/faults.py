"""Fault injection on the function's own DynamoDB client, below botocore's retry loop.

A `before-send` hook answers chosen attempts of chosen operations with a throttle, a 500, a
timeout or a cancelled transaction, so botocore's real retry policy runs; every other attempt
reaches the DynamoDB server unchanged.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

Fault = Callable[[Any], AWSResponse | None]
# The section's own put, told apart from the Idempotency-Key record's (FaultInjector.on).
SECTION_PUT = "PutItem/CoursesTable"


class _RawBody:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


def error_response(status: int, code: str, message: str = "injected", **extra: Any) -> Fault:
    def respond(request: Any) -> AWSResponse:
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "injected"}
        return AWSResponse(request.url, status, headers, _RawBody(body))

    return respond


def throttled() -> Fault:
    return error_response(400, "ProvisionedThroughputExceededException", "Throughput exceeds the current capacity")


def transaction_conflict() -> Fault:
    """A plain write on an item that another transaction holds (AWS, "Transaction conflict handling")."""
    return error_response(400, "TransactionConflictException", "Transaction is ongoing for the item")


def transaction_cancelled_by_conflict(actions: int = 2) -> Fault:
    """A transaction that met an item another transaction holds: cancelled, reason TransactionConflict."""
    reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}] + [
        {"Code": "None"}
    ] * (actions - 1)
    return error_response(
        400, "TransactionCanceledException", "Transaction cancelled [TransactionConflict]", CancellationReasons=reasons
    )


def internal_error() -> Fault:
    return error_response(500, "InternalServerError", "Internal server error")


def read_timeout() -> Fault:
    def respond(request: Any) -> AWSResponse:
        raise ReadTimeoutError(endpoint_url=request.url)

    return respond


def id_taken() -> Fault:
    """The section put's condition fails on an item another writer put there (no item of ours comes back)."""
    return error_response(400, "ConditionalCheckFailedException", "The conditional request failed")


def side_effect(action: Callable[[], None]) -> Fault:
    """Runs `action` just before the attempt is sent, then lets the attempt through."""

    def respond(_: Any) -> None:
        action()
        return None

    return respond


class FaultInjector:
    def __init__(self, client: Any):
        self._plan: dict[tuple[str, int], Fault] = {}
        self._always: dict[str, Fault] = {}
        self.attempts: Counter[str] = Counter()
        self.bodies: list[tuple[str, dict[str, Any]]] = []
        client.meta.events.register_first("before-send.dynamodb", self._before_send)

    def on(self, operation: str, attempt: int, fault: Fault) -> FaultInjector:
        """`attempt` counts from 1 across the whole test, retries included.

        `operation` is an operation name ("PutItem"), or one on one table ("PutItem/CoursesTable"),
        which tells the section's put from the idempotency record's.
        """
        self._plan[(operation, attempt)] = fault
        return self

    def always(self, operation: str, fault: Fault) -> FaultInjector:
        self._always[operation] = fault
        return self

    def reset(self) -> None:
        self._plan.clear()
        self._always.clear()
        self.attempts.clear()
        self.bodies.clear()

    def _before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        operation = request.headers.get("X-Amz-Target", b"")
        operation = (operation.decode() if isinstance(operation, bytes) else operation).rpartition(".")[2]
        body = json.loads(request.body or b"{}")
        on_table = f"{operation}/{body.get('TableName', '')}"
        self.attempts[operation] += 1
        self.attempts[on_table] += 1
        self.bodies.append((operation, body))
        fault = (
            self._plan.get((on_table, self.attempts[on_table]))
            or self._plan.get((operation, self.attempts[operation]))
            or self._always.get(on_table)
            or self._always.get(operation)
        )
        return fault(request) if fault else None


def committed_but_answer_lost() -> Fault:
    """The attempt reaches DynamoDB and is applied, then its answer is lost: the client sees a read timeout.

    botocore then retries the identical request, ClientRequestToken included.
    """

    def respond(request: Any) -> AWSResponse:
        forwarded = urllib.request.Request(
            request.url, data=request.body, headers=dict(request.headers.items()), method=request.method
        )
        try:
            with urllib.request.urlopen(forwarded, timeout=10) as answer:
                answer.read()
        except urllib.error.HTTPError:
            pass  # DynamoDB refused it (a failed condition, say): that answer is lost too
        raise ReadTimeoutError(endpoint_url=request.url)

    return respond
