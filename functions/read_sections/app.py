"""List and read Course Sections: GET /api/v2/course/{id}/section/ and GET .../section/{section_id}/.

Its own function so that its role can only read (template.yaml); docs/architecture.md says why.
"""

from __future__ import annotations

from sections.lifecycle import init_phase

with init_phase():
    from aws_lambda_powertools.metrics import MetricUnit

    from sections.http_api import course_of_caller, json_response, lambda_entry, new_app, parse_path_id, route
    from sections.observability import metrics
    from sections.resolver import Response
    from sections.routes import SECTION_PATH, SECTIONS_PATH, TAGS


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


lambda_handler = lambda_entry(app)
