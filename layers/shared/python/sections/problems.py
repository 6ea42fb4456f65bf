"""Domain errors. Each one knows its RFC 9457 problem type; sections/http_api.py renders them in one place."""

from __future__ import annotations

from dataclasses import dataclass

PROBLEM_TYPE_PREFIX = "urn:course-api:problem:"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class Problem(Exception):
    status: int = 500
    slug: str = "internal-error"
    title: str = "Internal Server Error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, object] | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        # RFC 9457 extension members: more that the client can act on.
        self.extensions = extensions or {}

    @property
    def type(self) -> str:
        return PROBLEM_TYPE_PREFIX + self.slug


class NotAuthenticated(Problem):
    status, slug, title = 401, "unauthenticated", "Unauthorized"


class NotCourseManager(Problem):
    status, slug, title = 403, "forbidden", "Forbidden"


class CourseNotFound(Problem):
    status, slug, title = 404, "course-not-found", "Course Not Found"


class SectionNotFound(Problem):
    status, slug, title = 404, "section-not-found", "Section Not Found"


class LessonNotFound(Problem):
    status, slug, title = 404, "lesson-not-found", "Lesson Not Found"


class RouteNotFound(Problem):
    status, slug, title = 404, "not-found", "Not Found"


class MethodNotAllowed(Problem):
    status, slug, title = 405, "method-not-allowed", "Method Not Allowed"

    def __init__(self, allowed: list[str]):
        super().__init__(f"This resource answers {', '.join(allowed)} only.", headers={"Allow": ", ".join(allowed)})


class InvalidRequest(Problem):
    status, slug, title = 400, "invalid-request", "Bad Request"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Content Too Large"


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported Media Type"


class SectionsOrderMismatch(Problem):
    """A reorder that does not name exactly the course's sections: the editor's view went stale."""

    status, slug, title = 409, "sections-order-mismatch", "Conflict"

    def __init__(self, current: list[int]):
        super().__init__(
            "sections_order must name each of the course's current sections exactly once. Its current "
            "order is in `sections_order`: refresh the course's sections and send the order again.",
            extensions={"sections_order": current},
        )


class TooManySections(Problem):
    """A create in a course that already has the most sections a course may have."""

    status, slug, title = 409, "too-many-sections", "Conflict"

    def __init__(self, maximum: int):
        super().__init__(
            f"The course already has {maximum} sections, the most a course may have. Delete one to add another.",
            extensions={"max_sections": maximum},
        )


class TooManyLessons(Problem):
    """A lesson's create in a section or course that already has the most lessons it may have."""

    status, slug, title = 409, "too-many-lessons", "Conflict"

    def __init__(self, where: str, maximum: int):
        super().__init__(
            f"The {where} already has {maximum} lessons, the most a {where} may have. Delete one to add another.",
            extensions={f"max_lessons_per_{where}": maximum},
        )


class IdempotencyKeyInFlight(Problem):
    status, slug, title = 409, "idempotency-key-in-flight", "Conflict"


class IdempotencyKeyReused(Problem):
    status, slug, title = 422, "idempotency-key-reused", "Unprocessable Content"


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "Service Unavailable"
    retry_after_seconds = 1

    def __init__(self, detail: str = "The data store is busy. Retry after the number of seconds in Retry-After."):
        super().__init__(detail, headers={"Retry-After": str(self.retry_after_seconds)})


def problem_document(problem: Problem, request_id: str | None) -> dict[str, object]:
    """The RFC 9457 body: type, title, status, detail, the request id, and field errors when there are any."""
    body: dict[str, object] = {
        "type": problem.type,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "request_id": request_id,
    }
    if problem.errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in problem.errors]
    body.update(problem.extensions)
    return body
