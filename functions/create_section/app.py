"""Create a Course Section, POST /api/v2/course/{id}/section/, and a Course Lesson, POST .../section/{section_id}/lesson/.
Shared HTTP plumbing is in sections/http_api.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sections.lifecycle import init_phase

with init_phase():
    from aws_lambda_powertools.metrics import MetricUnit

    from sections.authorization import NO_CHECK, Caller, CourseAccess
    from sections.contention import RetryBudget
    from sections.http_api import course_of_caller, json_response, lambda_entry, new_app, parse_path_id, route
    from sections.idempotency_key import IDEMPOTENCY_HEADER, parse_idempotency_key
    from sections.lesson import Lesson
    from sections.observability import metrics
    from sections.request_body import parse_event_body
    from sections.request_models import LessonRequest
    from sections.resolver import Response
    from sections.routes import LESSON_TAGS, LESSONS_PATH, SECTIONS_PATH, TAGS, lesson_url, section_url
    from sections.section import Section
    from sections.wiring import dependencies


app = new_app()
Created = TypeVar("Created", Section, Lesson)


@route(
    app,
    "POST",
    SECTIONS_PATH,
    status_code=201,
    operation_id="createCourseSection",
    summary="Create a Course Section",
    description=(
        "Creates a section in course `id` and returns it. The caller must manage or have created the "
        "course (by default the group `course:{id}:manager` or `course:{id}:creator`; with RoleSource=table, "
        "the course's staff). The same path without the trailing slash behaves identically."
    ),
    tags=TAGS,
)
def create_section(id: str) -> Response[str]:  # noqa: A002 - the path parameter's name in the contract
    deps, caller, course_id, access = course_of_caller(app, id)
    request = parse_event_body(app.current_event)

    def create() -> Section:
        budget = RetryBudget.for_invocation(app.lambda_context)
        section = deps.sections.create(course_id, request, created_by=caller.sub, budget=budget, access=access)
        metrics.add_metric(name="SectionCreated", unit=MetricUnit.Count, value=1)  # not on replays
        return section

    section = _once(create, caller, course_id, access, request.model_dump(mode="json"), Section)
    return json_response(201, section.to_response(), {"Location": section_url(course_id, section.id)})


def _once(
    create: Callable[[], Created],
    caller: Caller,
    course_id: int,
    access: CourseAccess,
    payload: dict,
    kind: type[Created],
) -> Created:
    """`create`; with an Idempotency-Key, at most once per caller, course and key, replaying its answer. A replay
    makes no write for the staff to ride on: it reads the course item first (table mode only)."""
    deps = dependencies()
    key = parse_idempotency_key(app.current_event.headers.get(IDEMPOTENCY_HEADER))
    if key is None:
        return create()
    return deps.idempotency.run(  # type: ignore[return-value]
        create,
        caller=caller.sub,
        course_id=course_id,
        key=key,
        payload=payload,
        lambda_context=app.lambda_context,
        before_replay=None if access is NO_CHECK else lambda: deps.sections.require_course(course_id, access),
        created=kind,
    )


@route(
    app,
    "POST",
    LESSONS_PATH,
    status_code=201,
    operation_id="createCourseLesson",
    summary="Create a Course Lesson",
    description=(
        "Creates a lesson in section `section_id` of course `id` and returns it, for the course's creator or "
        "managers (as for sections). `type` must be `lesson`: quizzes are not served. `text` is HTML, "
        "answered sanitised as `html`. Idempotency-Key works as for sections."
    ),
    tags=LESSON_TAGS,
)
def create_lesson(id: str, section_id: str) -> Response[str]:  # noqa: A002 - the contract's name
    deps, caller, course_id, access = course_of_caller(app, id)
    target = parse_path_id(section_id, "section_id")
    request = parse_event_body(app.current_event, LessonRequest)

    def create() -> Lesson:
        budget = RetryBudget.for_invocation(app.lambda_context)
        lesson = deps.lessons.create(course_id, target, request, created_by=caller.sub, budget=budget, access=access)
        metrics.add_metric(name="LessonCreated", unit=MetricUnit.Count, value=1)  # not on replays
        return lesson

    lesson = _once(create, caller, course_id, access, {"section_id": target, **request.model_dump(mode="json")}, Lesson)
    return json_response(201, lesson.to_response(), {"Location": lesson_url(course_id, target, lesson.id)})


lambda_handler = lambda_entry(app)
