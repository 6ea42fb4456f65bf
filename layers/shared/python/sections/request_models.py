"""The Course Section and Course Lesson as clients send them: a whole one (create, replace) or some of its
fields (patch); and the course's order.

A field the Course Section does not have is ignored, never stored, as the platform itself does (its
Django REST framework serializers drop unknown fields): the platform's course editor sends
`{"name": ..., "type": "lesson"}`. The known fields keep their strict rules; `id` is read-only.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from sections import integer_text
from sections.lesson import LESSON_TYPE, MAX_MEDIAS, STATUSES
from sections.section import MAX_SAFE_INTEGER

MAX_DRIP_DELAY = 2**31 - 1
MAX_LESSONS = 1000
MAX_NAME_LENGTH = 255

# A name as the model takes it, as one pattern for the published schema: Unicode White_Space is
# trimmed from both ends (pydantic's strip_whitespace), then 1 to MAX_NAME_LENGTH characters with
# no control character (category Cc). ECMA-262 syntax, which Python's re reads the same way.
_TRIMMED = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CONTROL = r"\x00-\x1f\x7f-\x9f"
NAME_PATTERN = (
    f"^[{_TRIMMED}]*[^{_TRIMMED}{_CONTROL}]"
    f"(?:[^{_CONTROL}]{{0,{MAX_NAME_LENGTH - 2}}}[^{_TRIMMED}{_CONTROL}])?[{_TRIMMED}]*$"
)


def _reject_control_characters(value: str) -> str:
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _parse_date_time(value: Any) -> datetime | None:
    """ISO 8601 text with a time part, or null. Numbers are refused rather than read as Unix times."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value.strip()) > 10:
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("must be an ISO 8601 date-time, such as 2025-03-01T10:00:00Z")


def _as_utc(value: datetime | None) -> datetime | None:
    """The instant in UTC. One that UTC cannot write (year 1 with a positive offset, 9999 with a negative one)
    raises OverflowError, which pydantic would let through as a 500: it is refused as a value instead."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be an instant from year 1 to year 9999 in UTC") from None


def _integer(minimum: int, maximum: int) -> Any:
    """An integer field from `minimum` to `maximum` as the platform takes it, and its published schema.

    - 19517.0 is the integer 19517 to JSON Schema, and JSON cannot tell them apart; 5.5 and true stay refused.
    - A string holding the integer's digits is read as the platform reads it (sections/integer_text.py): a JSON
      string, and every form value, which is text. One rule for both, so a form is no laxer than JSON.
    """

    def read(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            number = integer_text.parse(value, maximum)
            if number is None:
                raise ValueError(integer_text.MESSAGE)
            return number
        return value

    schema = {
        "anyOf": [
            {"type": "integer", "minimum": minimum, "maximum": maximum},
            {
                "type": "string",
                "pattern": integer_text.pattern(minimum, maximum),
                "description": integer_text.DESCRIPTION,
            },
        ]
    }
    return Annotated[int, Field(ge=minimum, le=maximum), BeforeValidator(read), WithJsonSchema(schema)]


def _no_duplicates(kind: str) -> AfterValidator:
    def reject(values: list[int]) -> list[int]:
        if len(set(values)) != len(values):
            raise ValueError(f"must not contain duplicate {kind} ids")
        return values

    return AfterValidator(reject)


SectionName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_LENGTH),
    AfterValidator(_reject_control_characters),
    WithJsonSchema({"type": "string", "pattern": NAME_PATTERN}),
]
DrippedAt = Annotated[datetime | None, BeforeValidator(_parse_date_time), AfterValidator(_as_utc)]
LessonId = _integer(1, MAX_SAFE_INTEGER)
LessonsOrder = Annotated[
    list[LessonId],
    Field(max_length=MAX_LESSONS, json_schema_extra={"uniqueItems": True}),
    _no_duplicates("lesson"),
]
SectionId = _integer(1, MAX_SAFE_INTEGER)
SectionsOrder = Annotated[list[SectionId], Field(json_schema_extra={"uniqueItems": True}), _no_duplicates("section")]


DripDelay = _integer(0, MAX_DRIP_DELAY)
# `id` is read-only: accepted and dropped.
ReadOnlyId = Annotated[Any, Field(exclude=True, json_schema_extra={"readOnly": True, "description": "Ignored."})]


class SectionRequest(BaseModel):
    """A whole Course Section: the body of a create (POST) and of a replace (PUT). Omitted fields take their
    defaults; fields a Course Section does not have are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: SectionName
    dripped_at: DrippedAt = None
    drip_delay: DripDelay = 0
    lessons_order: LessonsOrder = Field(default_factory=list)
    id: ReadOnlyId = None


class SectionChanges(BaseModel):
    """The body of a patch: any subset of the writable fields, each with SectionRequest's rules; `{}` changes
    nothing, and fields a Course Section does not have are ignored.

    An omitted field stays None without being validated (pydantic does not validate defaults); a
    field sent as null is validated, so null is refused wherever create refuses it.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: SectionName = None  # type: ignore[assignment]
    dripped_at: DrippedAt = None
    drip_delay: DripDelay = None  # type: ignore[assignment]
    lessons_order: LessonsOrder = None  # type: ignore[assignment]
    id: ReadOnlyId = None

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, by name, validated."""
        return {name: getattr(self, name) for name in sorted(self.model_fields_set) if name != "id"}


class CourseChanges(BaseModel):
    """The body of PATCH /api/v2/course/{id}/. This service owns only the course's `sections_order`: any
    other Course field is refused by name, since silently dropping a change would mislead."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sections_order: SectionsOrder


MAX_TEXT_LENGTH = 60_000  # characters of a lesson's text (the body's 64 KiB limit comes first for most text)


def _lesson_type(value: Any) -> str:
    if value == "quiz":
        raise ValueError("quizzes are not served by this API: only type lesson")
    if value != LESSON_TYPE:
        raise ValueError("must be lesson")
    return value


def _status(value: Any) -> str:
    if value not in STATUSES:
        raise ValueError(f"must be one of {', '.join(STATUSES)}")
    return value


def _boolean(value: Any) -> bool:
    """true or false; as text (a form's values are text) only "true" or "false"."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


LessonType = Annotated[str, BeforeValidator(_lesson_type), WithJsonSchema({"type": "string", "enum": [LESSON_TYPE]})]
LessonStatus = Annotated[str, BeforeValidator(_status), WithJsonSchema({"type": "string", "enum": list(STATUSES)})]
CommentsEnabled = Annotated[bool, BeforeValidator(_boolean), WithJsonSchema({"type": "boolean"})]
MediaId = _integer(1, MAX_SAFE_INTEGER)
Medias = Annotated[
    list[MediaId], Field(max_length=MAX_MEDIAS, json_schema_extra={"uniqueItems": True}), _no_duplicates("media")
]
LessonText = Annotated[
    str, Field(max_length=MAX_TEXT_LENGTH, json_schema_extra={"writeOnly": True, "description": "HTML; see html."})
]


class LessonRequest(BaseModel):
    """A whole Course Lesson: the body of a create (POST) and of a replace (PUT). Omitted fields take their
    defaults; fields a Course Lesson does not have (and read-only ones) are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: SectionName
    type: LessonType
    status: LessonStatus = "draft"
    comments_enabled: CommentsEnabled = True
    medias: Medias = Field(default_factory=list)
    text: LessonText = ""
    id: ReadOnlyId = None


class LessonChanges(BaseModel):
    """The body of a lesson's patch: any subset of LessonRequest's fields, each by its rules; `{}` changes nothing."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: SectionName = None  # type: ignore[assignment]
    type: LessonType = None  # type: ignore[assignment]
    status: LessonStatus = None  # type: ignore[assignment]
    comments_enabled: CommentsEnabled = None  # type: ignore[assignment]
    medias: Medias = None  # type: ignore[assignment]
    text: LessonText = None  # type: ignore[assignment]
    id: ReadOnlyId = None

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, by name, validated (`type` only says what it is: it never changes)."""
        return {name: getattr(self, name) for name in sorted(self.model_fields_set) if name not in ("id", "type")}
