"""DynamoDB access for sections. The data model is documented in docs/data-model.md.

A create is two requests, because a transaction cannot return values:
1. UpdateItem ADD section_seq on the course item hands out the next id atomically, and only
   for a course that exists and is not deleted.
2. TransactWriteItems puts the section item and appends its id to the course's sections_order,
   so neither can exist without the other.
A failure between the two leaves a gap in the ids, never a duplicate or an orphan.
Contention with other writers of the course item is waited out by sections/contention.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from sections.contention import (
    RetryBudget,
    cancellation_codes,
    error_code,
    is_cancelled_by_conflict,
    is_in_progress,
    is_write_conflict,
)
from sections.models import CreateSectionRequest, Section, format_timestamp
from sections.problems import CourseNotFound, OutcomeUnknown, ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

COURSE_SK = "COURSE"
_LIVE_COURSE = "attribute_exists(sk) AND (attribute_not_exists(deleted) OR deleted = :false)"


def section_sk(section_id: int) -> str:
    return f"SECTION#{section_id:010d}"


class SectionRepository:
    def __init__(self, client: DynamoDBClient, table_name: str, clock: Callable[[], datetime]):
        self._client = client
        self._table = table_name
        self._clock = clock

    def create(self, course_id: int, request: CreateSectionRequest, created_by: str, budget: RetryBudget) -> Section:
        section_id = self._allocate_id(course_id, budget)
        while True:
            outcome = self._write_section(course_id, section_id, request, created_by, budget)
            if outcome is _Write.DONE:
                return Section(
                    id=section_id,
                    name=request.name,
                    dripped_at=request.dripped_at,
                    drip_delay=request.drip_delay,
                    lessons_order=list(request.lessons_order),
                )
            if outcome is _Write.ID_TAKEN:
                # Only a writer outside this function can take an id; never reuse it.
                section_id = self._allocate_id(course_id, budget)
            elif not budget.wait():  # _Write.CONFLICT: nothing was written; the same id, a new attempt
                raise ServiceUnavailable()

    def _allocate_id(self, course_id: int, budget: RetryBudget) -> int:
        while True:
            try:
                response = self._client.update_item(
                    TableName=self._table,
                    Key=_course_key(course_id),
                    UpdateExpression="ADD section_seq :one",
                    ConditionExpression=_LIVE_COURSE,
                    ExpressionAttributeValues={":one": {"N": "1"}, ":false": {"BOOL": False}},
                    ReturnValues="UPDATED_NEW",
                )
            except ClientError as error:
                if error_code(error) == "ConditionalCheckFailedException":
                    raise CourseNotFound("The course does not exist.") from None
                if is_write_conflict(error):
                    if budget.wait():
                        continue  # a create's transaction holds the course item for its commit
                    raise ServiceUnavailable() from error
                _raise_if_transient(error)
                raise
            except BotoCoreError as error:
                raise ServiceUnavailable() from error
            return int(response["Attributes"]["section_seq"]["N"])

    def _write_section(
        self, course_id: int, section_id: int, request: CreateSectionRequest, created_by: str, budget: RetryBudget
    ) -> _Write:
        item = {
            **_section_key(course_id, section_id),
            "section_id": {"N": str(section_id)},
            "name": {"S": request.name},
            "dripped_at": {"S": format_timestamp(request.dripped_at)} if request.dripped_at else {"NULL": True},
            "drip_delay": {"N": str(request.drip_delay)},
            "lessons_order": {"L": [{"N": str(lesson)} for lesson in request.lessons_order]},
            "created_at": {"S": format_timestamp(self._clock())},
            "created_by": {"S": created_by},
        }
        # botocore resends this same request on its retries, token included, so DynamoDB answers a
        # retry of a transaction that did commit (say, after a read timeout) with success instead of
        # a conflict. A new attempt of ours, after a definite answer, is a new token.
        token = str(uuid.uuid4())
        while True:
            try:
                self._transact(token, item, course_id, section_id)
            except ClientError as error:
                if is_in_progress(error):
                    # The first attempt may yet commit: resend the same token until DynamoDB says
                    # how it ended (success if it committed, its real reason if it did not).
                    if budget.wait():
                        continue
                    raise OutcomeUnknown() from error
                if error_code(error) != "TransactionCanceledException":
                    _raise_if_transient(error)
                    raise
                return _cancellation_outcome(error)
            except BotoCoreError as error:
                raise ServiceUnavailable() from error
            return _Write.DONE

    def _transact(self, token: str, item: dict[str, Any], course_id: int, section_id: int) -> None:
        self._client.transact_write_items(
            ClientRequestToken=token,
            TransactItems=[
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": item,
                        "ConditionExpression": "attribute_not_exists(sk)",
                    }
                },
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": _course_key(course_id),
                        "UpdateExpression": "SET sections_order = list_append(if_not_exists(sections_order, :empty), :new)",
                        "ConditionExpression": _LIVE_COURSE,
                        "ExpressionAttributeValues": {
                            ":empty": {"L": []},
                            ":new": {"L": [{"N": str(section_id)}]},
                            ":false": {"BOOL": False},
                        },
                    }
                },
            ],
        )


class _Write(Enum):
    DONE = "done"
    ID_TAKEN = "id-taken"  # the section put's condition failed: allocate another id
    CONFLICT = "conflict"  # another transaction touched the course item: try the same id again


def _cancellation_outcome(error: ClientError) -> _Write:
    """Reasons come one per action, in order: [section put, course update]."""
    put_code, course_code = [*cancellation_codes(error), "None", "None"][:2]
    if course_code == "ConditionalCheckFailed":
        raise CourseNotFound("The course does not exist.")
    if put_code == "ConditionalCheckFailed":
        return _Write.ID_TAKEN
    if is_cancelled_by_conflict(error):
        return _Write.CONFLICT
    # Throttling, capacity or an internal error inside the transaction: a later retry may succeed.
    raise ServiceUnavailable() from error


def _course_key(course_id: int) -> dict[str, dict[str, str]]:
    return {"course_id": {"N": str(course_id)}, "sk": {"S": COURSE_SK}}


def _section_key(course_id: int, section_id: int) -> dict[str, dict[str, str]]:
    return {"course_id": {"N": str(course_id)}, "sk": {"S": section_sk(section_id)}}


_THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "LimitExceededException"}
)


def _raise_if_transient(error: ClientError) -> None:
    """Throttling and DynamoDB 5xx that outlived botocore's bounded retries become 503.

    Anything else (access denied, a validation error) is a defect, not load: the caller re-raises
    it, and it becomes a 500.
    """
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    if status >= 500 or error_code(error) in _THROTTLING_CODES:
        raise ServiceUnavailable() from error
