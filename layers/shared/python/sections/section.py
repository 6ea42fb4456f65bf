"""The Course Section as the API returns it, the order a course lists its sections in, and the limits ids
keep to. No pydantic: read paths import this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1  # the largest integer every JSON client can represent exactly
# The most sections a course may have: the list of the largest possible course, every field at its limit,
# answers within Lambda's 6 MB response limit (docs/api.md, "Limits"; tests/unit/test_course_limits.py).
MAX_SECTIONS_PER_COURSE = 250


def format_timestamp(value: datetime) -> str:
    """UTC, ISO 8601, trailing Z: the one timestamp form the API returns."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


SECTION_FIELDS = ("id", "name", "dripped_at", "drip_delay", "lessons_order")
WRITABLE_FIELDS = SECTION_FIELDS[1:]


@dataclass(frozen=True)
class Section:
    """A stored section, in the exact shape the API returns: always all five keys."""

    id: int
    name: str
    dripped_at: datetime | None
    drip_delay: int
    lessons_order: list[int]

    def to_response(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "dripped_at": format_timestamp(self.dripped_at) if self.dripped_at else None,
            "drip_delay": self.drip_delay,
            "lessons_order": list(self.lessons_order),
        }

    @classmethod
    def from_response(cls, data: dict[str, Any]) -> Section:
        """The section back from its response form (how an Idempotency-Key record stores it)."""
        dripped_at = data["dripped_at"]
        return cls(
            id=data["id"],
            name=data["name"],
            dripped_at=datetime.fromisoformat(dripped_at) if dripped_at else None,
            drip_delay=data["drip_delay"],
            lessons_order=list(data["lessons_order"]),
        )


def course_order(chosen: list[int], existing: list[int]) -> list[int]:
    """The course's order, as docs/data-model.md publishes it: the chosen ids that still exist, in the
    chosen order, then every other existing id, ascending. Each existing id appears exactly once."""
    remaining = set(existing)
    ordered = [section_id for section_id in dict.fromkeys(chosen) if section_id in remaining]
    return ordered + sorted(remaining.difference(ordered))
