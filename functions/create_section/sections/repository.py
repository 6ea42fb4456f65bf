"""DynamoDB access for sections. The data model is documented in docs/data-model.md.

A create is two requests, each on one item, and no transaction:
1. UpdateItem ADD section_seq on the course item hands out the next id atomically, and only
   for a course that exists and is not deleted. This is where the create takes effect.
2. PutItem of the section item, on the condition that no item has its key yet.
The course's order is its section items in sort-key order, so a section is in the order exactly
when it exists: no list to keep in step, nothing that holds the course item for a commit, and write
units that do not grow with the course. A failure between the two requests leaves a gap in the ids,
never a duplicate or an orphan. Contention is waited out by sections/contention.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from sections.contention import RetryBudget, error_code, is_write_conflict
from sections.models import CreateSectionRequest, Section, format_timestamp
from sections.problems import CourseNotFound, ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

COURSE_SK = "COURSE"
_LIVE_COURSE = "attribute_exists(sk) AND (attribute_not_exists(deleted) OR deleted = :false)"


def section_sk(section_id: int) -> str:
    return f"SECTION#{section_id:010d}"


class SectionRepository:
    def __init__(
        self, client: DynamoDBClient, table_name: str, clock: Callable[[], datetime], slowest_call_seconds: float
    ):
        self._client = client
        self._table = table_name
        self._clock = clock
        # Looking up a put whose answers were all lost is one more call: only if the budget has room.
        self._lookup_seconds = slowest_call_seconds

    def create(self, course_id: int, request: CreateSectionRequest, created_by: str, budget: RetryBudget) -> Section:
        section_id = self._allocate_id(course_id, budget)
        # Only a writer outside this function can take an id; never reuse it.
        while not self._put_section(course_id, section_id, request, created_by, budget):
            section_id = self._allocate_id(course_id, budget)
        return Section(
            id=section_id,
            name=request.name,
            dripped_at=request.dripped_at,
            drip_delay=request.drip_delay,
            lessons_order=list(request.lessons_order),
        )

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
                _wait_out_conflict(error, budget)
                continue
            except BotoCoreError as error:
                raise ServiceUnavailable() from error
            return int(response["Attributes"]["section_seq"]["N"])

    def _put_section(
        self, course_id: int, section_id: int, request: CreateSectionRequest, created_by: str, budget: RetryBudget
    ) -> bool:
        """True once the section is stored; False when another writer already holds the id.

        The item carries this create's `write_token`. botocore resends the identical put when an answer
        is lost (a read timeout): the resend then fails its own condition, and the item DynamoDB returns
        (ReturnValuesOnConditionCheckFailure) says whose it is, so a lost answer never becomes a second
        section. A one-item transaction with a ClientRequestToken would do the same, but would hold the
        item for a commit and cost twice the write units.
        """
        token = str(uuid.uuid4())
        key = _section_key(course_id, section_id)
        item = {
            **key,
            "section_id": {"N": str(section_id)},
            "name": {"S": request.name},
            "dripped_at": {"S": format_timestamp(request.dripped_at)} if request.dripped_at else {"NULL": True},
            "drip_delay": {"N": str(request.drip_delay)},
            "lessons_order": {"L": [{"N": str(lesson)} for lesson in request.lessons_order]},
            "created_at": {"S": format_timestamp(self._clock())},
            "created_by": {"S": created_by},
            "write_token": {"S": token},
        }
        while True:
            try:
                self._client.put_item(
                    TableName=self._table,
                    Item=item,
                    ConditionExpression="attribute_not_exists(sk)",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except ClientError as error:
                if error_code(error) == "ConditionalCheckFailedException":
                    return _written_by(error.response.get("Item"), token)
                _wait_out_conflict(error, budget)
                continue
            except BotoCoreError as error:
                # Every answer was lost: the put may still have been applied. Look before saying 503.
                if budget.allows(self._lookup_seconds) and self._stored_token(key) == token:
                    return True
                raise ServiceUnavailable() from error
            return True

    def _stored_token(self, key: dict[str, Any]) -> str | None:
        try:
            stored = self._client.get_item(
                TableName=self._table, Key=key, ConsistentRead=True, ProjectionExpression="write_token"
            ).get("Item")
        except (BotoCoreError, ClientError):
            return None
        return str(stored["write_token"]["S"]) if stored and "write_token" in stored else None


def _written_by(existing: dict[str, Any] | None, token: str) -> bool:
    return bool(existing) and existing.get("write_token") == {"S": token}  # type: ignore[union-attr]


def _wait_out_conflict(error: ClientError, budget: RetryBudget) -> None:
    """Returns after a backoff wait when the item was held by another writer's transaction; raises otherwise."""
    if is_write_conflict(error):
        if budget.wait():
            return
        raise ServiceUnavailable() from error
    _raise_if_transient(error)
    raise error


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
