"""The course outline's resources (sections, lessons, and the course's own path): their paths, and the methods
each answers across all of the API's functions.

Each function registers only its own operations. API Gateway still hands a function requests it does
not serve (the $default route; a method's greedy route under a course), and this table says what to
answer them: 405 with every method the path answers, or 404. The infrastructure test holds
template.yaml's routes to this table.
"""

from __future__ import annotations

import re

COURSE_PATH = "/api/v2/course/<id>/"  # the outline (GET ?view=edit) and the course's sections_order (PATCH)
SECTIONS_PATH = "/api/v2/course/<id>/section/"
SECTION_PATH = "/api/v2/course/<id>/section/<section_id>/"
LESSONS_PATH = "/api/v2/course/<id>/section/<section_id>/lesson/"
LESSON_PATH = "/api/v2/course/<id>/section/<section_id>/lesson/<lesson_id>/"
METHODS_BY_PATH = {
    COURSE_PATH: ("GET", "PATCH"),
    SECTIONS_PATH: ("GET", "POST"),
    SECTION_PATH: ("DELETE", "GET", "PATCH", "PUT"),
    LESSONS_PATH: ("GET", "POST"),
    LESSON_PATH: ("DELETE", "GET", "PATCH", "PUT"),
}
TAGS = ["Course Sections"]  # the OpenAPI tag of the sections' operations (and the course's)
LESSON_TAGS = ["Course Lessons"]


def _any_segment_pattern(path: str) -> re.Pattern[str]:
    """The path with each `<parameter>` as any one segment, by name, the trailing slash optional (both forms are routed)."""
    return re.compile(re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", re.escape(path.rstrip("/"))) + "/?")


_PATTERNS = [(_any_segment_pattern(path), methods) for path, methods in METHODS_BY_PATH.items()]


def match_resource(path: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """The methods the resource answers at this path, and its path parameters by name, whatever they hold;
    ((), {}) when the path is not ours."""
    for pattern, methods in _PATTERNS:
        matched = pattern.fullmatch(path)
        if matched:
            return methods, matched.groupdict()
    return (), {}


def section_url(course_id: int, section_id: int) -> str:
    """A section's own URL, in its documented form (the 201's Location)."""
    return SECTION_PATH.replace("<id>", str(course_id)).replace("<section_id>", str(section_id))


def lesson_url(course_id: int, section_id: int, lesson_id: int) -> str:
    """A lesson's own URL, in its documented form (the 201's Location)."""
    return (
        LESSON_PATH.replace("<id>", str(course_id))
        .replace("<section_id>", str(section_id))
        .replace("<lesson_id>", str(lesson_id))
    )
