"""Read the course outline: GET /api/v2/course/{id}/?view=edit; list and read Course Sections, GET
/api/v2/course/{id}/section/ and .../section/{section_id}/; and a section's Course Lessons, GET
.../section/{section_id}/lesson/ and .../lesson/{lesson_id}/.

Its own function so that its role can only read (template.yaml); docs/architecture.md says why.
"""

from __future__ import annotations

from sections.lifecycle import init_phase

with init_phase():
    from aws_lambda_powertools.metrics import MetricUnit

    from sections.http_api import course_of_caller, json_response, lambda_entry, new_app, parse_path_id, route
    from sections.observability import metrics
    from sections.problems import FieldError, InvalidRequest
    from sections.resolver import Response
    from sections.routes import COURSE_PATH, LESSON_PATH, LESSON_TAGS, LESSONS_PATH, SECTION_PATH, SECTIONS_PATH, TAGS

OUTLINE_VIEW = "edit"  # the one view of Course Detail this service answers: the parts it owns


app = new_app()


@route(
    app,
    "GET",
    SECTIONS_PATH,
    operation_id="getCourseSections",
    summary="List a course's Course Sections",
    description="Every section of course `id`, in the course's order (`sections_order`). Not paginated.",
    tags=TAGS,
)
def list_sections(id: str) -> Response[str]:  # noqa: A002 - the path parameter's name in the contract
    deps, _, course_id, access = course_of_caller(app, id)
    sections = deps.sections.list_sections(course_id, access)
    metrics.add_metric(name="SectionsListed", unit=MetricUnit.Count, value=1)
    return json_response(200, [section.to_response() for section in sections])


@route(
    app,
    "GET",
    SECTION_PATH,
    operation_id="getCourseSection",
    summary="Read a Course Section",
    description="Section `section_id` of course `id`.",
    tags=TAGS,
)
def read_section(id: str, section_id: str) -> Response[str]:  # noqa: A002
    deps, _, course_id, access = course_of_caller(app, id)
    section = deps.sections.get(course_id, parse_path_id(section_id, "section_id"), access)
    metrics.add_metric(name="SectionRead", unit=MetricUnit.Count, value=1)
    return json_response(200, section.to_response())


@route(
    app,
    "GET",
    COURSE_PATH,
    operation_id="getCourseOutline",
    summary="Read the course outline",
    description=(
        "The parts of course `id`'s Course Detail this service owns, as the course editor loads them with "
        "`?view=edit`: `id`, `type`, `sections_order`, `num_sections`, `num_lessons` and `sections`, each a "
        "section with its `num_lessons` and `lessons` in the section's order. Any other view, or none, is 400: "
        "the rest of Course Detail belongs to the platform's course service (docs/api.md)."
    ),
    tags=TAGS,
)
def read_outline(id: str) -> Response[str]:  # noqa: A002
    deps, _, course_id, access = course_of_caller(app, id)
    view = app.current_event.get_query_string_value("view")
    if view != OUTLINE_VIEW:
        raise InvalidRequest(
            "This service answers only the course outline, ?view=edit.",
            errors=[FieldError("view", "must be edit: the rest of Course Detail is the platform's course service's")],
        )
    outline = deps.sections.outline(course_id, access)
    metrics.add_metric(name="OutlineRead", unit=MetricUnit.Count, value=1)
    return json_response(200, outline.to_response())


@route(
    app,
    "GET",
    LESSONS_PATH,
    operation_id="getCourseLessons",
    summary="List a section's Course Lessons",
    description="Every lesson of section `section_id`, in the section's order (`lessons_order`). Not paginated.",
    tags=LESSON_TAGS,
)
def list_lessons(id: str, section_id: str) -> Response[str]:  # noqa: A002
    deps, _, course_id, access = course_of_caller(app, id)
    lessons = deps.lessons.list_lessons(course_id, parse_path_id(section_id, "section_id"), access)
    metrics.add_metric(name="LessonsListed", unit=MetricUnit.Count, value=1)
    return json_response(200, [lesson.to_response() for lesson in lessons])


@route(
    app,
    "GET",
    LESSON_PATH,
    operation_id="getCourseLesson",
    summary="Read a Course Lesson",
    description="Lesson `lesson_id` of section `section_id` of course `id`.",
    tags=LESSON_TAGS,
)
def read_lesson(id: str, section_id: str, lesson_id: str) -> Response[str]:  # noqa: A002
    deps, _, course_id, access = course_of_caller(app, id)
    lesson = deps.lessons.get(
        course_id, parse_path_id(section_id, "section_id"), parse_path_id(lesson_id, "lesson_id"), access
    )
    metrics.add_metric(name="LessonRead", unit=MetricUnit.Count, value=1)
    return json_response(200, lesson.to_response())


lambda_handler = lambda_entry(app)
