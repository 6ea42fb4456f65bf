"""The Course Lesson as the API returns it, and the limits lessons keep to. No pydantic: read paths import this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sections.section import format_timestamp

LESSON_TYPE = "lesson"  # the one type served; "quiz" is the platform's other, not served here (docs/api.md)
STATUSES = ("draft", "published")
# A section's delete removes its lessons in its own transaction: the section, the course item, and each
# lesson's two items (outline fields and text) in one TransactWriteItems of at most 100 actions, so
# 2 + 2 x 49 = 100 (docs/data-model.md, "Lessons").
MAX_LESSONS_PER_SECTION = 49
# The largest outline (every section and lesson at its limits) answers within Lambda's 6 MB response
# (docs/api.md, "Limits"; tests/unit/test_course_limits.py).
MAX_LESSONS_PER_COURSE = 1000
MAX_MEDIAS = 50
# What the outline and a section's lesson list carry of each lesson (the Course Section Detail's `lessons`).
OUTLINE_FIELDS = ("id", "name", "type", "status", "comments_enabled")


@dataclass(frozen=True)
class Lesson:
    """A stored lesson, in the exact shape the API returns: always all ten keys."""

    id: int
    course_id: int
    section_id: int
    name: str
    status: str
    comments_enabled: bool
    medias: list[int]
    html: str
    created_at: datetime | None
    type: str = LESSON_TYPE

    def to_response(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "comments_enabled": self.comments_enabled,
            "medias": list(self.medias),
            "html": self.html,
            "course_id": self.course_id,
            "section_id": self.section_id,
            "created_at": format_timestamp(self.created_at) if self.created_at else None,
        }

    def to_outline(self) -> dict[str, Any]:
        return {name: value for name, value in self.to_response().items() if name in OUTLINE_FIELDS}

    @classmethod
    def from_response(cls, data: dict[str, Any]) -> Lesson:
        """The lesson back from its response form (how an Idempotency-Key record stores it)."""
        created_at = data["created_at"]
        return cls(
            id=data["id"],
            course_id=data["course_id"],
            section_id=data["section_id"],
            name=data["name"],
            status=data["status"],
            comments_enabled=data["comments_enabled"],
            medias=list(data["medias"]),
            html=data["html"],
            created_at=datetime.fromisoformat(created_at) if created_at else None,
            type=data["type"],
        )
