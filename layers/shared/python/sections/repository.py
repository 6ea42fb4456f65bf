"""DynamoDB access for sections. The data model is documented in docs/data-model.md.

A create is two requests, each on one item, and no transaction:
1. UpdateItem ADD section_seq, section_count on the course item hands out the next id atomically, and
   only for a course that exists, is not deleted and has fewer than MAX_SECTIONS_PER_COURSE sections.
   This is where the create takes effect.
2. PutItem of the section item, on the condition that no item has its key yet.
A failure between the two requests leaves a gap in the ids, never a duplicate or an orphan; the course's
section_count then counts one section too many (never too few), so the limit always holds.
A delete is one transaction: the section item's delete and the course item's section_count - 1.
How each call is made and what its answers mean (contention, throttling, lost answers, failed
conditions) is sections/contention.py's; this module holds the operations and the item mapping.

The order a manager chose lives in an item of its own (`sk = "ORDER"`), which creates and deletes
never write. The course's order is that list, less the ids that no longer exist, followed by every
section it does not name, by id: a new section goes last, a deleted one leaves, and no section is
ever lost or listed twice, whatever the interleaving. A reorder is one transaction: a check that
no id was handed out since it read the course's sections, and the put of the list.

Reads are strongly consistent (a read after a write sees it). A replace or patch is one
conditional request on the section item, after a consistent read of the course item: never a
transaction, so neither holds the course item that creates allocate ids on. A delete's transaction
does hold it, for its commit: the price of a count that can bound the course (docs/data-model.md).

With roles from the table (RoleSource=table), each operation checks the caller against the course
item's `staff` on a request it makes anyway: the create's UpdateItem and the reorder's ConditionCheck
as a condition, the read's, change's and delete's GetItem in its projection. Only the list reads the
course item first, so that a caller who is not staff never reads the whole partition
(docs/data-model.md, "Course roles").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sections.authorization import NO_CHECK, STAFF_ROLES, CourseAccess
from sections.contention import AnswersLost, ConditionFailed, Held, RetryBudget, Table, wait_out
from sections.lesson import Lesson
from sections.problems import (
    CourseNotFound,
    SectionNotFound,
    SectionsOrderMismatch,
    ServiceUnavailable,
    TooManySections,
)
from sections.section import MAX_SECTIONS_PER_COURSE, WRITABLE_FIELDS, Section, course_order, format_timestamp

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from sections.request_models import SectionRequest
else:
    DynamoDBClient = Any

COURSE_SK = "COURSE"
ORDER_SK = "ORDER"
SECTION_SK_PREFIX = "SECTION#"
# A lesson is two items: its outline fields (LESSON#<section>#<lesson>, which sorts between the course
# item and the order) and its text (TEXT#<section>#<lesson>, after everything the outline reads), so a
# partition read that stops before TEXT_SK_PREFIX reads the whole outline and no text (docs/data-model.md).
LESSON_SK_PREFIX = "LESSON#"
TEXT_SK_PREFIX = "TEXT#"
# A course is live when its item exists and is not deleted: the same rule as a condition (on the writes)
# and on an item read back (_require_live).
LIVE_COURSE = "attribute_exists(sk) AND (attribute_not_exists(deleted) OR deleted = :false)"


def _require_live(course: dict[str, Any] | None) -> None:
    """LIVE_COURSE, on a course item read back: CourseNotFound unless it is live."""
    if not course or course.get("deleted", {"BOOL": False}) != {"BOOL": False}:
        raise _course_not_found()


_SECTION_EXISTS = "attribute_exists(sk)"
# The section still counts the lessons its delete read (every lesson create and delete counts on it).
_COUNTS_LESSONS = "(attribute_not_exists(lesson_count) OR lesson_count = :lessons)"
# The course's live sections, counted by creates (+1) and deletes (-1): below the limit, a create may add one.
_ROOM_FOR_A_SECTION = "(attribute_not_exists(section_count) OR section_count < :max_sections)"
# What a read asks for: the course item's liveness and the section's API fields, nothing else.
_READ_PROJECTION = {
    "ProjectionExpression": "sk, deleted, section_id, #name, dripped_at, drip_delay, lessons_order, sections_order,"
    " #type, lesson_id, #status, comments_enabled, medias, created_at",
    "ExpressionAttributeNames": {"#name": "name", "#type": "type", "#status": "status"},
}


def section_sk(section_id: int) -> str:
    return f"{SECTION_SK_PREFIX}{section_id:010d}"


def lesson_sk(section_id: int, lesson_id: int | None = None) -> str:
    """The lesson's outline item's sort key; without a lesson id, the prefix of the section's lessons."""
    return f"{LESSON_SK_PREFIX}{section_id:010d}#" + ("" if lesson_id is None else f"{lesson_id:010d}")


def text_sk(section_id: int, lesson_id: int | None = None) -> str:
    """The lesson's text item's sort key; without a lesson id, the prefix of the section's texts."""
    return f"{TEXT_SK_PREFIX}{section_id:010d}#" + ("" if lesson_id is None else f"{lesson_id:010d}")


class SectionRepository:
    def __init__(
        self, client: DynamoDBClient, table_name: str, clock: Callable[[], datetime], slowest_call_seconds: float
    ):
        self._client = client
        self._table = Table(client, table_name)
        self._clock = clock
        # Looking up a put whose answers were all lost is one more call: only if the budget has room.
        self._lookup_seconds = slowest_call_seconds

    @property
    def table(self) -> Table:
        """The table's calls, which the course's other repositories (lessons) share."""
        return self._table

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._clock

    def create(
        self,
        course_id: int,
        request: SectionRequest,
        created_by: str,
        budget: RetryBudget,
        access: CourseAccess = NO_CHECK,
    ) -> Section:
        section_id = self._allocate_id(course_id, budget, access)
        # Only a writer outside this function can take an id; never reuse it.
        while not self._put_section(course_id, section_id, request, created_by, budget):
            section_id = self._allocate_id(course_id, budget, access)
        return Section(id=section_id, **_writable_fields(request))

    def require_course(self, course_id: int, access: CourseAccess) -> None:
        """404 for a missing or deleted course, 403 when `access` is not met: one consistent read of the course item."""
        self.course_item(course_id, "sk, deleted", access)

    def list_sections(self, course_id: int, access: CourseAccess = NO_CHECK) -> list[Section]:
        """The course's sections in the course's order, from one consistent Query of its outline."""
        return [section for section, _ in self.outline(course_id, access).sections]

    def outline(self, course_id: int, access: CourseAccess = NO_CHECK) -> Outline:
        """The course, its sections in the course's order and each one's lessons in the section's order: one
        consistent Query of the partition up to the texts, one request per MB of outline.

        A check of the course's staff reads the course item first: the Query alone would read the
        whole course for a caller who may see none of it.
        """
        if access.staff_member is not None:
            self.require_course(course_id, access)
        course, chosen, sections, lessons = None, [], {}, {}
        for item in self._partition(course_id):
            sk = item["sk"]["S"]
            if sk == COURSE_SK:
                course = item
            elif sk == ORDER_SK:
                chosen = _ids(item.get("sections_order"))
            elif sk.startswith(SECTION_SK_PREFIX):
                section = section_from_item(item)
                sections[section.id] = section
            elif sk.startswith(LESSON_SK_PREFIX):
                lesson = lesson_from_items(course_id, item)
                lessons.setdefault(lesson.section_id, {})[lesson.id] = lesson
        _require_live(course)
        ordered = []
        for section_id in course_order(chosen, list(sections)):
            section = sections[section_id]
            own = lessons.get(section_id, {})
            ordered.append((section, [own[lesson] for lesson in course_order(section.lessons_order, list(own))]))
        return Outline(course_id, course.get("type", {}).get("S", ""), ordered)  # type: ignore[union-attr]

    def reorder(
        self,
        course_id: int,
        order: list[int],
        updated_by: str,
        budget: RetryBudget,
        access: CourseAccess = NO_CHECK,
    ) -> list[int]:
        """Makes `order` the course's order, if it names exactly the course's sections; else SectionsOrderMismatch.

        The check and the write are one transaction: the course item must still have handed out the
        ids it had when the sections were read (and still list the caller as staff, when that is
        checked), so a create that took an id since then sends the reorder round again (where it
        then fails the check, unless that section is not written yet).
        """
        while True:
            handed_out = self.course_item(course_id, "sk, deleted, section_seq", access).get("section_seq")
            current = [section.id for section in self.list_sections(course_id)]
            if sorted(order) != sorted(current):
                raise SectionsOrderMismatch(current)
            seq_unchanged = "section_seq = :seq" if handed_out else "attribute_not_exists(section_seq)"
            staff, names, staff_values = staff_condition(access)
            check: dict[str, Any] = {
                "TableName": self._table.name,
                "Key": course_key(course_id),
                "ConditionExpression": f"{LIVE_COURSE} AND {seq_unchanged}{staff}",
                "ExpressionAttributeValues": {
                    ":false": {"BOOL": False},
                    **({":seq": handed_out} if handed_out else {}),
                    **staff_values,
                },
                **({"ExpressionAttributeNames": names} if names else {}),
                # The item as it was, when the check fails: a caller no longer staff is told so at once.
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
            item = {
                **_order_key(course_id),
                "sections_order": {"L": [{"N": str(section_id)} for section_id in order]},
                "updated_at": {"S": format_timestamp(self._clock())},
                "updated_by": {"S": updated_by},
            }
            try:
                # One token per attempt: botocore's resend of a lost answer is then applied once.
                self._table.write_once(
                    "transact_write_items",
                    TransactItems=[{"ConditionCheck": check}, {"Put": {"TableName": self._table.name, "Item": item}}],
                    ClientRequestToken=str(uuid.uuid4()),
                )
                return order
            except Held as held:  # read the course's sections again after the wait
                wait_out(held, budget)
            except ConditionFailed as failed:  # the course changed since it was read
                if failed.item is not None:  # a caller no longer staff, or a course gone, is answered now
                    require_course_as(failed.item, access)
                if not budget.wait():
                    raise ServiceUnavailable() from failed.error

    def get(self, course_id: int, section_id: int, access: CourseAccess = NO_CHECK) -> Section:
        self.require_course(course_id, access)
        item = self._table.read(
            "get_item",
            Key=section_key(course_id, section_id),
            ConsistentRead=True,
            **_READ_PROJECTION,
        ).get("Item")
        if not item:
            raise section_not_found()
        return section_from_item(item)

    def replace(
        self,
        course_id: int,
        section_id: int,
        request: SectionRequest,
        updated_by: str,
        budget: RetryBudget,
        access: CourseAccess = NO_CHECK,
    ) -> Section:
        return self._update(course_id, section_id, _writable_fields(request), updated_by, budget, access)

    def patch(
        self,
        course_id: int,
        section_id: int,
        changes: dict[str, Any],
        updated_by: str,
        budget: RetryBudget,
        access: CourseAccess = NO_CHECK,
    ) -> Section:
        """Changes only the fields given; none given reads the section back unchanged."""
        if not changes:
            return self.get(course_id, section_id, access)
        return self._update(course_id, section_id, changes, updated_by, budget, access)

    def delete(self, course_id: int, section_id: int, budget: RetryBudget, access: CourseAccess = NO_CHECK) -> None:
        """Deletes the section item with its lessons (both items of each), and counts them out of the course, in
        one transaction: it leaves the course's order with it, and no lesson of it is reachable from the moment
        it answers (docs/data-model.md).

        The section's lessons are read first; the transaction holds only if the section still counts that
        many (a lesson created since sends it round again, and a lesson create after it finds no section).
        botocore resends a lost answer's transaction with its ClientRequestToken, which DynamoDB answers
        with the first attempt's outcome. Where that resend still finds the item gone (a store that does
        not keep tokens), it is taken to be this request's own earlier attempt: deleted, not 404.
        """
        self.require_course(course_id, access)
        lessons = self._lesson_ids(course_id, section_id)
        while True:
            try:
                self._table.write(
                    "transact_write_items", budget, TransactItems=self._delete_actions(course_id, section_id, lessons)
                )
                return
            except ConditionFailed as failed:
                if 0 not in failed.actions:  # the course item is gone: it can be only a course never there
                    raise _course_not_found() from None
                if failed.item is not None:  # the section counts other lessons now: read them again
                    if not budget.wait():
                        raise ServiceUnavailable() from failed.error
                    lessons = self._lesson_ids(course_id, section_id)
                    continue
                if not failed.resent:
                    raise section_not_found() from None
                return

    def _lesson_ids(self, course_id: int, section_id: int) -> list[int]:
        """The ids of the section's lessons, from a consistent Query of their outline items' keys."""
        request: dict[str, Any] = {
            "KeyConditionExpression": "course_id = :course AND begins_with(sk, :lessons)",
            "ExpressionAttributeValues": {":course": {"N": str(course_id)}, ":lessons": {"S": lesson_sk(section_id)}},
            "ConsistentRead": True,
            "ProjectionExpression": "lesson_id",
        }
        return [int(item["lesson_id"]["N"]) for item in self._table.read("query", **request)["Items"]]

    def _delete_actions(self, course_id: int, section_id: int, lessons: list[int]) -> list[dict[str, Any]]:
        count = {":lessons": {"N": str(len(lessons))}}
        counted_out = "ADD section_count :minus_one" + (", lesson_count :minus_lessons" if lessons else "")
        return [
            {
                "Delete": {
                    "TableName": self._table.name,
                    "Key": section_key(course_id, section_id),
                    "ConditionExpression": f"{_SECTION_EXISTS} AND {_COUNTS_LESSONS}",
                    "ExpressionAttributeValues": count,
                    # The section as it is, when the check fails: still there (other lessons) or gone (404).
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Update": {
                    "TableName": self._table.name,
                    "Key": course_key(course_id),
                    "UpdateExpression": counted_out,
                    # Never an item of its own: a course item exists for as long as its sections do.
                    "ConditionExpression": "attribute_exists(sk)",
                    "ExpressionAttributeValues": {
                        ":minus_one": {"N": "-1"},
                        **({":minus_lessons": {"N": str(-len(lessons))}} if lessons else {}),
                    },
                }
            },
            *(
                {
                    "Delete": {
                        "TableName": self._table.name,
                        "Key": {"course_id": {"N": str(course_id)}, "sk": {"S": sk}},
                    }
                }
                for lesson in lessons
                for sk in (lesson_sk(section_id, lesson), text_sk(section_id, lesson))
            ),
        ]

    def _update(
        self,
        course_id: int,
        section_id: int,
        fields: dict[str, Any],
        updated_by: str,
        budget: RetryBudget,
        access: CourseAccess,
    ) -> Section:
        """SET the given fields on an existing section; botocore's resend after a lost answer sets them again, harmlessly."""
        self.require_course(course_id, access)
        values = {
            **encode_fields(fields),
            "updated_at": {"S": format_timestamp(self._clock())},
            "updated_by": {"S": updated_by},
        }
        try:
            response = self._table.write(
                "update_item",
                budget,
                Key=section_key(course_id, section_id),
                UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in values),
                ConditionExpression=_SECTION_EXISTS,
                ExpressionAttributeNames={f"#{name}": name for name in values},
                ExpressionAttributeValues={f":{name}": value for name, value in values.items()},
                ReturnValues="ALL_NEW",
            )
        except ConditionFailed:
            raise section_not_found() from None
        return section_from_item(response["Attributes"])

    def course_item(self, course_id: int, projection: str, access: CourseAccess = NO_CHECK) -> dict[str, Any]:
        """The live course's item (these attributes of it); CourseNotFound for a missing or deleted course, and
        NotCourseManager first when `access` asks for a staff member the item does not list.

        The staff member's entry rides in the projection: the read units stay those of the item's size.
        """
        names = _staff_names(access)
        if names:
            projection = f"{projection}, {_STAFF_ENTRY}"
        course = self._table.read(
            "get_item",
            Key=course_key(course_id),
            ConsistentRead=True,
            ProjectionExpression=projection,
            **({"ExpressionAttributeNames": names} if names else {}),
        ).get("Item")
        require_course_as(course, access)
        return course  # type: ignore[return-value]

    def _partition(self, course_id: int) -> Iterator[dict[str, Any]]:
        """The course's items up to its texts: the course, its order, its sections and its lessons' outline fields."""
        request: dict[str, Any] = {
            "KeyConditionExpression": "course_id = :course AND sk < :texts",
            "ExpressionAttributeValues": {":course": {"N": str(course_id)}, ":texts": {"S": TEXT_SK_PREFIX}},
            "ConsistentRead": True,
            **_READ_PROJECTION,
        }
        while True:
            page = self._table.read("query", **request)
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _allocate_id(self, course_id: int, budget: RetryBudget, access: CourseAccess) -> int:
        staff, names, staff_values = staff_condition(access)
        try:
            response = self._table.write(
                "update_item",
                budget,
                Key=course_key(course_id),
                UpdateExpression="ADD section_seq :one, section_count :one",
                ConditionExpression=f"{LIVE_COURSE}{staff} AND {_ROOM_FOR_A_SECTION}",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":false": {"BOOL": False},
                    ":max_sections": {"N": str(MAX_SECTIONS_PER_COURSE)},
                    **staff_values,
                },
                **({"ExpressionAttributeNames": names} if names else {}),
                ReturnValues="UPDATED_NEW",
                # Why the condition failed, at no extra cost: a course it cannot see, one it is not staff of, or a full one.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as failed:
            require_course_as(failed.item, access)
            raise TooManySections(MAX_SECTIONS_PER_COURSE) from None
        return int(response["Attributes"]["section_seq"]["N"])

    def _put_section(
        self, course_id: int, section_id: int, request: SectionRequest, created_by: str, budget: RetryBudget
    ) -> bool:
        """True once the section is stored; False when another writer already holds the id.

        The item carries this create's `write_token`. botocore resends the identical put when an answer
        is lost (a read timeout): the resend then fails its own condition, and the item DynamoDB returns
        (ReturnValuesOnConditionCheckFailure) says whose it is, so a lost answer never becomes a second
        section. A one-item transaction with a ClientRequestToken would do the same, but would hold the
        item for a commit and cost twice the write units.
        """
        token = str(uuid.uuid4())
        key = section_key(course_id, section_id)
        item = {
            **key,
            "section_id": {"N": str(section_id)},
            **encode_fields(_writable_fields(request)),
            "created_at": {"S": format_timestamp(self._clock())},
            "created_by": {"S": created_by},
            "write_token": {"S": token},
        }
        try:
            self._table.write(
                "put_item",
                budget,
                Item=item,
                ConditionExpression="attribute_not_exists(sk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as failed:
            return _written_by(failed.item, token)
        except AnswersLost:
            # The put may still have been applied. Look before saying 503.
            if budget.allows(self._lookup_seconds) and self._stored_token(key) == token:
                return True
            raise
        return True

    def _stored_token(self, key: dict[str, Any]) -> str | None:
        """The write_token of the stored item, if one can be read: a best-effort look, any failure is None."""
        try:
            stored = self._table.read("get_item", Key=key, ConsistentRead=True, ProjectionExpression="write_token")
        except (ServiceUnavailable, ClientError):  # a lookup that fails says nothing: the put answers 503
            return None
        stored = stored.get("Item")
        return str(stored["write_token"]["S"]) if stored and "write_token" in stored else None


def _ids(attribute: dict[str, Any] | None) -> list[int]:
    return [int(value["N"]) for value in (attribute or {}).get("L", [])]


def _writable_fields(request: SectionRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in WRITABLE_FIELDS}


_ENCODERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "name": lambda name: {"S": name},
    "dripped_at": lambda at: {"S": format_timestamp(at)} if at else {"NULL": True},
    "drip_delay": lambda days: {"N": str(days)},
    "lessons_order": lambda lessons: {"L": [{"N": str(lesson)} for lesson in lessons]},
}


def encode_fields(fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The section's writable fields as DynamoDB attribute values."""
    return {name: _ENCODERS[name](value) for name, value in fields.items()}


def section_from_item(item: dict[str, Any]) -> Section:
    """A stored section as the API returns it. Attributes another writer left out take the API's defaults."""
    dripped_at = item.get("dripped_at", {}).get("S")
    return Section(
        id=int(item["section_id"]["N"]),
        name=item.get("name", {}).get("S", ""),
        dripped_at=datetime.fromisoformat(dripped_at) if dripped_at else None,
        drip_delay=int(item.get("drip_delay", {}).get("N", "0")),
        lessons_order=[int(lesson["N"]) for lesson in item.get("lessons_order", {}).get("L", [])],
    )


def require_course_as(course: dict[str, Any] | None, access: CourseAccess) -> None:
    """The course item as `access` may see it: first the staff (403, also for a course missing or deleted:
    a caller who is not staff learns nothing of it), then that it is live (404)."""
    access.require((course or {}).get("staff"))
    _require_live(course)


_STAFF_ENTRY = "staff.#member"  # the caller's entry in the course item's staff map


def _staff_names(access: CourseAccess) -> dict[str, str]:
    """The expression names that _STAFF_ENTRY needs; none when the claims decided."""
    return {} if access.staff_member is None else {"#member": access.staff_member}


# The condition's values: the staff roles that grant (authorization.STAFF_ROLES).
_STAFF_ROLE_VALUES = {f":staff_{role}": {"S": role} for role in STAFF_ROLES}


def staff_condition(access: CourseAccess) -> tuple[str, dict[str, str], dict[str, dict[str, str]]]:
    """The condition (to AND onto a course item's) that the caller is on its staff with a role that grants, and
    the names and values it uses. Through a `staff` that is not a map the path resolves to nothing, and the
    condition is false (as DynamoDB evaluates document paths; see docs/aws-behaviour.md)."""
    names = _staff_names(access)
    if not names:
        return "", {}, {}
    return f" AND {_STAFF_ENTRY} IN ({', '.join(_STAFF_ROLE_VALUES)})", names, _STAFF_ROLE_VALUES


def _course_not_found() -> CourseNotFound:
    return CourseNotFound("The course does not exist.")


def section_not_found() -> SectionNotFound:
    return SectionNotFound("The course has no section with this id.")


def _written_by(existing: dict[str, Any] | None, token: str) -> bool:
    return bool(existing) and existing.get("write_token") == {"S": token}  # type: ignore[union-attr]


def course_key(course_id: int) -> dict[str, dict[str, str]]:
    return {"course_id": {"N": str(course_id)}, "sk": {"S": COURSE_SK}}


def _order_key(course_id: int) -> dict[str, dict[str, str]]:
    return {"course_id": {"N": str(course_id)}, "sk": {"S": ORDER_SK}}


def section_key(course_id: int, section_id: int) -> dict[str, dict[str, str]]:
    return {"course_id": {"N": str(course_id)}, "sk": {"S": section_sk(section_id)}}


@dataclass(frozen=True)
class Outline:
    """A course's outline: its sections in the course's order, each with its lessons in the section's order."""

    course_id: int
    type: str
    sections: list[tuple[Section, list[Lesson]]]

    def to_response(self) -> dict[str, Any]:
        """The parts of the platform's Course Detail this service owns (docs/api.md, "The course outline")."""
        return {
            "id": self.course_id,
            "type": self.type,
            "sections_order": [section.id for section, _ in self.sections],
            "num_sections": len(self.sections),
            "num_lessons": sum(len(lessons) for _, lessons in self.sections),
            "sections": [
                {
                    **section.to_response(),
                    "num_lessons": len(lessons),
                    "lessons": [lesson.to_outline() for lesson in lessons],
                }
                for section, lessons in self.sections
            ],
        }


def lesson_from_items(course_id: int, item: dict[str, Any], text: dict[str, Any] | None = None) -> Lesson:
    """A stored lesson (its outline item, and its text item when read) as the API returns it."""
    created_at = item.get("created_at", {}).get("S")
    return Lesson(
        id=int(item["lesson_id"]["N"]),
        course_id=course_id,
        section_id=int(item["section_id"]["N"]),
        name=item.get("name", {}).get("S", ""),
        status=item.get("status", {}).get("S", "draft"),
        comments_enabled=item.get("comments_enabled", {}).get("BOOL", True),
        medias=[int(media["N"]) for media in item.get("medias", {}).get("L", [])],
        html=(text or {}).get("html", {}).get("S", ""),
        created_at=datetime.fromisoformat(created_at) if created_at else None,
    )
