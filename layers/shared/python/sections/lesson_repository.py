"""DynamoDB access for a section's lessons, in the course's partition beside its sections (docs/data-model.md).

A lesson is two items: its outline fields (`LESSON#<section>#<lesson>`) and its text (`TEXT#...`). Every
write is one transaction, so a lesson is never half written, and every one that adds or removes a
lesson counts it on the section item and the course item (`lesson_count`) in the same transaction:
- create: the course item hands out the next id (`lesson_seq`, read, then SET on the condition that it
  is unchanged: a create that meets another goes round again) and bounds the course; the section
  item, which must exist, bounds the section; then the two puts.
- delete: the two deletes, and both counts less one.
A section's delete takes its lessons with it in its own transaction, on the condition that the section
still counts the lessons it read (sections/repository.py): a create racing it either commits first
(and the delete reads again) or finds no section (404). So no lesson outlives its section.
Roles from the table are checked as for sections: on the course item's condition (create) or read.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sections.authorization import NO_CHECK, CourseAccess
from sections.contention import ConditionFailed, Held, RetryBudget, wait_out
from sections.lesson import LESSON_TYPE, MAX_LESSONS_PER_COURSE, MAX_LESSONS_PER_SECTION, Lesson
from sections.problems import LessonNotFound, ServiceUnavailable, TooManyLessons
from sections.repository import (
    LIVE_COURSE,
    SectionRepository,
    course_key,
    lesson_from_items,
    lesson_sk,
    section_key,
    section_not_found,
    staff_condition,
    text_sk,
)
from sections.section import course_order, format_timestamp

if TYPE_CHECKING:
    from sections.request_models import LessonRequest

# The outline fields a write sets, and how each is stored (text is its own item, as html).
_ENCODERS = {
    "name": lambda name: {"S": name},
    "status": lambda status: {"S": status},
    "comments_enabled": lambda enabled: {"BOOL": enabled},
    "medias": lambda medias: {"L": [{"N": str(media)} for media in medias]},
}
_EXISTS = "attribute_exists(sk)"


class LessonRepository:
    def __init__(self, sections: SectionRepository):
        self._sections = sections
        self._table = sections.table
        self._clock = sections.clock

    def create(
        self,
        course_id: int,
        section_id: int,
        request: LessonRequest,
        created_by: str,
        budget: RetryBudget,
        access: CourseAccess = NO_CHECK,
    ) -> Lesson:
        fields = {name: getattr(request, name) for name in _ENCODERS}
        html = _html(request.text)
        while True:
            course = self._sections.course_item(course_id, "sk, deleted, lesson_seq, lesson_count", access)
            if int(course.get("lesson_count", {}).get("N", "0")) >= MAX_LESSONS_PER_COURSE:
                raise TooManyLessons("course", MAX_LESSONS_PER_COURSE)
            seen = course.get("lesson_seq")
            lesson_id = int(seen["N"]) + 1 if seen else 1
            created_at = self._clock()
            try:
                self._table.write_once(
                    "transact_write_items",
                    TransactItems=self._create_actions(
                        course_id, section_id, lesson_id, seen, fields, html, created_by, created_at, access
                    ),
                    ClientRequestToken=str(uuid.uuid4()),
                )
            except Held as held:
                wait_out(held, budget)
                continue
            except ConditionFailed as failed:
                if 0 in failed.actions:  # another create took the id, or the course changed: read it again
                    if not budget.wait():
                        raise ServiceUnavailable() from failed.error
                    continue
                if 1 in failed.actions:
                    if failed.item is None:
                        raise section_not_found() from None
                    raise TooManyLessons("section", MAX_LESSONS_PER_SECTION) from None
                # Only the lesson's put failed: an item holds a key lesson_seq never handed out, which only a
                # writer outside this service can leave. Nothing to retry into: 503 once the budget is spent.
                if not budget.wait():
                    raise ServiceUnavailable() from failed.error
                continue
            return Lesson(
                id=lesson_id,
                course_id=course_id,
                section_id=section_id,
                html=html,
                created_at=created_at,
                **fields,
            )

    def _create_actions(
        self,
        course_id: int,
        section_id: int,
        lesson_id: int,
        seen: dict[str, str] | None,
        fields: dict[str, Any],
        html: str,
        created_by: str,
        created_at: Any,
        access: CourseAccess,
    ) -> list[dict[str, Any]]:
        staff, names, staff_values = staff_condition(access)
        unchanged = "lesson_seq = :seen" if seen else "attribute_not_exists(lesson_seq)"
        stamp = format_timestamp(created_at)
        return [
            {
                "Update": {
                    "TableName": self._table.name,
                    "Key": course_key(course_id),
                    "UpdateExpression": "SET lesson_seq = :next ADD lesson_count :one",
                    "ConditionExpression": f"{LIVE_COURSE}{staff} AND {unchanged}"
                    " AND (attribute_not_exists(lesson_count) OR lesson_count < :max_course)",
                    "ExpressionAttributeValues": {
                        ":next": {"N": str(lesson_id)},
                        ":one": {"N": "1"},
                        ":false": {"BOOL": False},
                        ":max_course": {"N": str(MAX_LESSONS_PER_COURSE)},
                        **({":seen": seen} if seen else {}),
                        **staff_values,
                    },
                    **({"ExpressionAttributeNames": names} if names else {}),
                }
            },
            {
                "Update": {
                    "TableName": self._table.name,
                    "Key": section_key(course_id, section_id),
                    "UpdateExpression": "ADD lesson_count :one",
                    "ConditionExpression": f"{_EXISTS} AND (attribute_not_exists(lesson_count) OR lesson_count < :max)",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":max": {"N": str(MAX_LESSONS_PER_SECTION)}},
                    # The section as it is, when the check fails: gone (404) or full (409).
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": {
                        **_lesson_key(course_id, section_id, lesson_id),
                        "lesson_id": {"N": str(lesson_id)},
                        "section_id": {"N": str(section_id)},
                        "type": {"S": LESSON_TYPE},
                        **{name: _ENCODERS[name](value) for name, value in fields.items()},
                        "created_at": {"S": stamp},
                        "created_by": {"S": created_by},
                    },
                    "ConditionExpression": "attribute_not_exists(sk)",
                }
            },
            {"Put": {"TableName": self._table.name, "Item": _text_item(course_id, section_id, lesson_id, html)}},
        ]

    def list_lessons(self, course_id: int, section_id: int, access: CourseAccess = NO_CHECK) -> list[Lesson]:
        """The section's lessons in its order (`lessons_order`'s ids first, then the rest by id), with their html."""
        section = self._sections.get(course_id, section_id, access)
        outline = self._items(course_id, lesson_sk(section_id))
        texts = {int(item["lesson_id"]["N"]): item for item in self._items(course_id, text_sk(section_id))}
        lessons = {}
        for item in outline:
            lesson = lesson_from_items(course_id, item, texts.get(int(item["lesson_id"]["N"])))
            lessons[lesson.id] = lesson
        return [lessons[lesson_id] for lesson_id in course_order(section.lessons_order, list(lessons))]

    def get(self, course_id: int, section_id: int, lesson_id: int, access: CourseAccess = NO_CHECK) -> Lesson:
        self._sections.require_course(course_id, access)
        return self._read(course_id, section_id, lesson_id)

    def replace(
        self,
        course_id: int,
        section_id: int,
        lesson_id: int,
        request: LessonRequest,
        updated_by: str,
        budget: RetryBudget,
        access: CourseAccess = NO_CHECK,
    ) -> Lesson:
        changes = {name: getattr(request, name) for name in (*_ENCODERS, "text")}
        return self.patch(course_id, section_id, lesson_id, changes, updated_by, budget, access)

    def patch(
        self,
        course_id: int,
        section_id: int,
        lesson_id: int,
        changes: dict[str, Any],
        updated_by: str,
        budget: RetryBudget,
        access: CourseAccess = NO_CHECK,
    ) -> Lesson:
        """Sets the fields given (and the text, as html, when given) in one transaction; none given reads it back."""
        self._sections.require_course(course_id, access)
        if changes:
            values = {name: _ENCODERS[name](value) for name, value in changes.items() if name in _ENCODERS}
            values |= {"updated_at": {"S": format_timestamp(self._clock())}, "updated_by": {"S": updated_by}}
            actions: list[dict[str, Any]] = [
                {
                    "Update": {
                        "TableName": self._table.name,
                        "Key": _lesson_key(course_id, section_id, lesson_id),
                        "UpdateExpression": "SET " + ", ".join(f"#{name} = :{name}" for name in values),
                        "ConditionExpression": _EXISTS,
                        "ExpressionAttributeNames": {f"#{name}": name for name in values},
                        "ExpressionAttributeValues": {f":{name}": value for name, value in values.items()},
                    }
                }
            ]
            if "text" in changes:
                item = _text_item(course_id, section_id, lesson_id, _html(changes["text"]))
                actions.append({"Put": {"TableName": self._table.name, "Item": item}})
            self._transact(actions, budget)
        return self._read(course_id, section_id, lesson_id)

    def delete(
        self, course_id: int, section_id: int, lesson_id: int, budget: RetryBudget, access: CourseAccess = NO_CHECK
    ) -> None:
        """Both items of the lesson, and one lesson less on its section and its course, in one transaction."""
        self._sections.require_course(course_id, access)
        minus_one = {":minus_one": {"N": "-1"}}
        actions = [
            {
                "Delete": {
                    "TableName": self._table.name,
                    "Key": _lesson_key(course_id, section_id, lesson_id),
                    "ConditionExpression": _EXISTS,
                }
            },
            {"Delete": {"TableName": self._table.name, "Key": _text_key(course_id, section_id, lesson_id)}},
            *(
                {
                    "Update": {
                        "TableName": self._table.name,
                        "Key": key,
                        "UpdateExpression": "ADD lesson_count :minus_one",
                        "ConditionExpression": _EXISTS,
                        "ExpressionAttributeValues": minus_one,
                    }
                }
                for key in (section_key(course_id, section_id), course_key(course_id))
            ),
        ]
        self._transact(actions, budget)

    def _transact(self, actions: list[dict[str, Any]], budget: RetryBudget) -> None:
        """One transaction, waiting out another writer's; LessonNotFound when the lesson's own check fails
        (unless this is botocore's resend of an attempt that had already applied it)."""
        try:
            self._table.write("transact_write_items", budget, TransactItems=actions)
        except ConditionFailed as failed:
            if (
                not failed.resent
            ):  # else botocore's resend of an attempt that had applied, to a store that kept no token
                raise _lesson_not_found() from None

    def _read(self, course_id: int, section_id: int, lesson_id: int) -> Lesson:
        item = self._table.read("get_item", Key=_lesson_key(course_id, section_id, lesson_id), ConsistentRead=True).get(
            "Item"
        )
        if not item:
            raise _lesson_not_found()
        text = self._table.read(
            "get_item",
            Key=_text_key(course_id, section_id, lesson_id),
            ConsistentRead=True,
            ProjectionExpression="html",
        ).get("Item")
        return lesson_from_items(course_id, item, text)

    def _items(self, course_id: int, prefix: str) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "KeyConditionExpression": "course_id = :course AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":course": {"N": str(course_id)}, ":prefix": {"S": prefix}},
            "ConsistentRead": True,
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self._table.read("query", **request)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return items
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _html(text: str) -> str:
    if not text:
        return ""
    from sections.lesson_html import sanitized  # nh3: only writes that carry text load it

    return sanitized(text)


def _lesson_key(course_id: int, section_id: int, lesson_id: int) -> dict[str, dict[str, str]]:
    return {"course_id": {"N": str(course_id)}, "sk": {"S": lesson_sk(section_id, lesson_id)}}


def _text_key(course_id: int, section_id: int, lesson_id: int) -> dict[str, dict[str, str]]:
    return {"course_id": {"N": str(course_id)}, "sk": {"S": text_sk(section_id, lesson_id)}}


def _text_item(course_id: int, section_id: int, lesson_id: int, html: str) -> dict[str, Any]:
    return {
        **_text_key(course_id, section_id, lesson_id),
        "lesson_id": {"N": str(lesson_id)},
        "html": {"S": html},
    }


def _lesson_not_found() -> LessonNotFound:
    return LessonNotFound("The section has no lesson with this id.")
