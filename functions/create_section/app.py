"""Create a Course Section: POST /api/v2/course/{id}/section/. Shared HTTP plumbing is in sections/http_api.py."""

from __future__ import annotations

from sections.lifecycle import init_phase

with init_phase():
    from aws_lambda_powertools.metrics import MetricUnit

    from sections.authorization import NO_CHECK
    from sections.contention import RetryBudget
    from sections.http_api import course_of_caller, json_response, lambda_entry, new_app, route
    from sections.idempotency_key import IDEMPOTENCY_HEADER, parse_idempotency_key
    from sections.observability import metrics
    from sections.request_body import parse_event_body
    from sections.resolver import Response
    from sections.routes import SECTIONS_PATH, TAGS, section_url
    from sections.section import Section


app = new_app()


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
    event = app.current_event
    request = parse_event_body(event)
    key = parse_idempotency_key(event.headers.get(IDEMPOTENCY_HEADER))

    def create() -> Section:
        budget = RetryBudget.for_invocation(app.lambda_context)
        section = deps.sections.create(course_id, request, created_by=caller.sub, budget=budget, access=access)
        metrics.add_metric(name="SectionCreated", unit=MetricUnit.Count, value=1)  # not on replays
        return section

    if key is None:
        section = create()
    else:
        section = deps.idempotency.run(
            create,
            caller=caller.sub,
            course_id=course_id,
            key=key,
            payload=request.model_dump(mode="json"),
            lambda_context=app.lambda_context,
            # A replay makes no write for the staff to ride on: it reads the course item (table mode only).
            before_replay=None if access is NO_CHECK else lambda: deps.sections.require_course(course_id, access),
        )
    return json_response(201, section.to_response(), {"Location": section_url(course_id, section.id)})


lambda_handler = lambda_entry(app)
