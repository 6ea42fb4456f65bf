"""Replace, patch and delete a Course Section: PUT, PATCH and DELETE /api/v2/course/{id}/section/{section_id}/;
the same for a Course Lesson at .../section/{section_id}/lesson/{lesson_id}/; and choose the order of a
course's sections: PATCH /api/v2/course/{id}/ with `sections_order`.

All four are idempotent by nature (no Idempotency-Key): a repeated replace, patch or reorder sets the
same values, and a repeated delete finds the section gone (docs/api.md).
"""

from __future__ import annotations

from sections.lifecycle import init_phase

with init_phase():
    from aws_lambda_powertools.metrics import MetricUnit

    from sections.contention import RetryBudget
    from sections.http_api import course_of_caller, json_response, lambda_entry, new_app, parse_path_id, route
    from sections.observability import metrics
    from sections.request_body import parse_event_body
    from sections.request_models import CourseChanges, LessonChanges, LessonRequest, SectionChanges
    from sections.resolver import Response
    from sections.routes import COURSE_PATH, LESSON_PATH, LESSON_TAGS, SECTION_PATH, TAGS


app = new_app()


@route(
    app,
    "PUT",
    SECTION_PATH,
    operation_id="updateCourseSection",
    summary="Replace a Course Section",
    description=(
        "Replaces section `section_id` of course `id` with the body, by create's rules: `name` is "
        "required and omitted fields go back to their defaults."
    ),
    tags=TAGS,
)
def replace_section(id: str, section_id: str) -> Response[str]:  # noqa: A002 - the contract's name
    deps, caller, course_id, access = course_of_caller(app, id)
    target = parse_path_id(section_id, "section_id")
    request = parse_event_body(app.current_event)
    section = deps.sections.replace(
        course_id, target, request, caller.sub, RetryBudget.for_invocation(app.lambda_context), access
    )
    metrics.add_metric(name="SectionReplaced", unit=MetricUnit.Count, value=1)
    return json_response(200, section.to_response())


@route(
    app,
    "PATCH",
    SECTION_PATH,
    operation_id="patchCourseSection",
    summary="Change some fields of a Course Section",
    description="Changes only the fields in the body, each by create's rules; `{}` changes nothing.",
    tags=TAGS,
)
def patch_section(id: str, section_id: str) -> Response[str]:  # noqa: A002
    deps, caller, course_id, access = course_of_caller(app, id)
    target = parse_path_id(section_id, "section_id")
    changes = parse_event_body(app.current_event, SectionChanges).changes()
    section = deps.sections.patch(
        course_id, target, changes, caller.sub, RetryBudget.for_invocation(app.lambda_context), access
    )
    metrics.add_metric(name="SectionPatched", unit=MetricUnit.Count, value=1)
    return json_response(200, section.to_response())


@route(
    app,
    "DELETE",
    SECTION_PATH,
    status_code=204,
    operation_id="deleteCourseSection",
    summary="Delete a Course Section",
    description=(
        "Deletes section `section_id` of course `id` with its lessons; it leaves the course's order with it. "
        "No lesson of it answers from then on."
    ),
    tags=TAGS,
)
def delete_section(id: str, section_id: str) -> Response[str]:  # noqa: A002
    deps, _, course_id, access = course_of_caller(app, id)
    deps.sections.delete(
        course_id, parse_path_id(section_id, "section_id"), RetryBudget.for_invocation(app.lambda_context), access
    )
    metrics.add_metric(name="SectionDeleted", unit=MetricUnit.Count, value=1)
    return Response(status_code=204, body="")


@route(
    app,
    "PATCH",
    COURSE_PATH,
    operation_id="patchCourse",
    summary="Choose the order of a course's sections",
    description=(
        "Sets course `id`'s `sections_order`: the ids of all its sections, each once, in the order the "
        "list returns them from then on. Only `sections_order` is served here; any other Course field "
        "is refused by name. A list that does not name exactly the current sections is 409, with the "
        "current order in the problem's `sections_order`."
    ),
    tags=TAGS,
)
def reorder_sections(id: str) -> Response[str]:  # noqa: A002
    deps, caller, course_id, access = course_of_caller(app, id)
    order = parse_event_body(app.current_event, CourseChanges).sections_order
    chosen = deps.sections.reorder(course_id, order, caller.sub, RetryBudget.for_invocation(app.lambda_context), access)
    metrics.add_metric(name="SectionsReordered", unit=MetricUnit.Count, value=1)
    return json_response(200, {"id": course_id, "sections_order": chosen})


def _lesson_of_caller(id: str, section_id: str, lesson_id: str) -> tuple:  # noqa: A002
    deps, caller, course_id, access = course_of_caller(app, id)
    return (
        deps,
        caller,
        course_id,
        parse_path_id(section_id, "section_id"),
        parse_path_id(lesson_id, "lesson_id"),
        access,
    )


@route(
    app,
    "PUT",
    LESSON_PATH,
    operation_id="updateCourseLesson",
    summary="Replace a Course Lesson",
    description="Replaces lesson `lesson_id` with the body, by create's rules: omitted fields go back to their defaults.",
    tags=LESSON_TAGS,
)
def replace_lesson(id: str, section_id: str, lesson_id: str) -> Response[str]:  # noqa: A002
    deps, caller, course_id, section, lesson, access = _lesson_of_caller(id, section_id, lesson_id)
    request = parse_event_body(app.current_event, LessonRequest)
    budget = RetryBudget.for_invocation(app.lambda_context)
    replaced = deps.lessons.replace(course_id, section, lesson, request, caller.sub, budget, access)
    metrics.add_metric(name="LessonReplaced", unit=MetricUnit.Count, value=1)
    return json_response(200, replaced.to_response())


@route(
    app,
    "PATCH",
    LESSON_PATH,
    operation_id="patchCourseLesson",
    summary="Change some fields of a Course Lesson",
    description="Changes only the fields in the body, each by create's rules; `{}` changes nothing.",
    tags=LESSON_TAGS,
)
def patch_lesson(id: str, section_id: str, lesson_id: str) -> Response[str]:  # noqa: A002
    deps, caller, course_id, section, lesson, access = _lesson_of_caller(id, section_id, lesson_id)
    changes = parse_event_body(app.current_event, LessonChanges).changes()
    budget = RetryBudget.for_invocation(app.lambda_context)
    patched = deps.lessons.patch(course_id, section, lesson, changes, caller.sub, budget, access)
    metrics.add_metric(name="LessonPatched", unit=MetricUnit.Count, value=1)
    return json_response(200, patched.to_response())


@route(
    app,
    "DELETE",
    LESSON_PATH,
    status_code=204,
    operation_id="deleteCourseLesson",
    summary="Delete a Course Lesson",
    description="Deletes lesson `lesson_id`; it leaves its section's order with it.",
    tags=LESSON_TAGS,
)
def delete_lesson(id: str, section_id: str, lesson_id: str) -> Response[str]:  # noqa: A002
    deps, _, course_id, section, lesson, access = _lesson_of_caller(id, section_id, lesson_id)
    deps.lessons.delete(course_id, section, lesson, RetryBudget.for_invocation(app.lambda_context), access)
    metrics.add_metric(name="LessonDeleted", unit=MetricUnit.Count, value=1)
    return Response(status_code=204, body="")


lambda_handler = lambda_entry(app)
