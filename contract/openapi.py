"""docs/openapi.json, generated from the code: the Powertools resolver's routes and the Pydantic models.

Each function's resolver contributes its paths and its operations' metadata (the route decorators
in each app.py); request bodies come from SectionRequest and SectionChanges, answers from Section,
errors from the problem document the functions render, and `links` tie create to what follows it. Tooling only: nothing here is
imported by the function at run time.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from localdev.functions import CREATE_SECTION_FUNCTION, function_environment, handler_module, resolver_functions
from localdev.template import local_template

TITLE = "Course API"
VERSION = "2.0.0"


class FieldProblem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str = Field(description="The field, as sent: `name`, `lessons_order[2]`, `id`, `Idempotency-Key`, `body`.")
    message: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, as every error of the function is answered."""

    model_config = ConfigDict(extra="forbid", title="ProblemDetails")
    type: str = Field(description="A URN naming the problem, e.g. urn:course-api:problem:course-not-found.")
    title: str
    status: int
    detail: str
    request_id: str | None = Field(description="API Gateway's request id; quote it when you report a problem.")
    errors: list[FieldProblem] | None = Field(
        default=None, description="Validation errors only: every bad field at once."
    )
    sections_order: list[int] | None = Field(
        default=None,
        description="`sections-order-mismatch` only: the course's current order, to refresh a stale view from.",
    )


class CourseSectionsOrder(BaseModel):
    """The answer of a reorder: the course's id and its order as now chosen."""

    model_config = ConfigDict(extra="forbid", title="CourseSectionsOrder")
    id: int = Field(description="The course id.")
    sections_order: list[int] = Field(description="Every section id of the course, in the chosen order.")


class OutlineLesson(BaseModel):
    """A lesson as the outline lists it."""

    model_config = ConfigDict(extra="forbid", title="OutlineLesson")
    id: int
    name: str
    type: str
    status: str
    comments_enabled: bool


class OutlineSection(BaseModel):
    """A section as the API answers it, with its lessons in the section's order."""

    model_config = ConfigDict(extra="forbid", title="OutlineSection")
    id: int
    name: str
    dripped_at: str | None
    drip_delay: int
    lessons_order: list[int]
    num_lessons: int
    lessons: list[OutlineLesson]


class CourseOutline(BaseModel):
    """The parts of the platform's Course Detail this service owns (GET /api/v2/course/{id}/?view=edit)."""

    model_config = ConfigDict(extra="forbid", title="CourseOutline")
    id: int = Field(description="The course id.")
    type: str = Field(description="The course's type, as the course item holds it.")
    sections_order: list[int] = Field(description="The course's sections, in its order.")
    num_sections: int
    num_lessons: int
    sections: list[OutlineSection]


class GatewayMessage(BaseModel):
    """What API Gateway itself answers (its authorizer, throttling, payload limit)."""

    model_config = ConfigDict(title="GatewayMessage")
    message: str


_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
_GATEWAY = {"application/json": {"schema": {"$ref": "#/components/schemas/GatewayMessage"}}}


def _response(description: str, *contents: dict[str, Any], **headers: Any) -> dict[str, Any]:
    """A documented answer: from the function (problem+json), from API Gateway (its JSON message), or either."""
    response: dict[str, Any] = {"description": description, "content": {k: v for c in contents for k, v in c.items()}}
    if headers:
        response["headers"] = headers
    return response


def _problem(description: str, **headers: Any) -> dict[str, Any]:
    return _response(description, _PROBLEM, **headers)


_RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 1}}
_SECTION = {"application/json": {"schema": {"$ref": "#/components/schemas/Section"}}}
_LESSON = {"application/json": {"schema": {"$ref": "#/components/schemas/Lesson"}}}


def _errors(*, body: bool, idempotency: bool = False, section: bool = False, lesson: bool = False) -> dict[str, Any]:
    """The problems an operation can answer: every one's, those of a body, of an Idempotency-Key, of a section
    id, of a lesson id."""
    ids = (
        "The path's `id`, `section_id` or `lesson_id`"
        if lesson
        else "The path's `id` or `section_id`"
        if section
        else "The path's `id`"
    )
    invalid = ", the body" if body else ""
    invalid += " or the Idempotency-Key header" if idempotency else ""
    errors = {
        "400": _problem(f"{ids}{invalid} is invalid; `errors` names each field."),
        "401": _response(
            'No valid token. API Gateway\'s JWT authorizer answers `{"message":"Unauthorized"}`; '
            "the function answers a problem when verified claims lack a subject.",
            _GATEWAY,
            _PROBLEM,
        ),
        "403": _problem("The caller neither manages nor created this course. Says nothing of whether it exists."),
        "404": _problem(
            "The course does not exist or is deleted (`course-not-found`)"
            + ("; or it has no such section (`section-not-found`)" if section or lesson else "")
            + ("; or the section has no such lesson (`lesson-not-found`)." if lesson else ".")
        ),
        "405": _problem(
            "The path exists but not with this method.",
            Allow={"description": "The methods the path answers.", "required": True, "schema": {"type": "string"}},
        ),
        "429": _response("API Gateway's stage throttling.", _GATEWAY),
        "500": _problem("An unexpected error; nothing internal is revealed. Quote request_id."),
        "503": _problem(
            "DynamoDB throttled or failed after bounded retries; retry after Retry-After.",
            **{"Retry-After": _RETRY_AFTER},
        ),
    }
    if body:
        errors["413"] = _response(
            "The body exceeds 64 KiB (the function), or the request exceeds API Gateway's or Lambda's limits "
            "(10,240 bytes of request line and headers; a 6 MB event, base64-encoded forms included).",
            _PROBLEM,
            _GATEWAY,
        )
        errors["415"] = _problem("The body is neither application/json nor application/x-www-form-urlencoded.")
    if idempotency:
        from sections.lesson import MAX_LESSONS_PER_COURSE, MAX_LESSONS_PER_SECTION
        from sections.section import MAX_SECTIONS_PER_COURSE

        full = (
            "The section or the course already has the most lessons it may have (`too-many-lessons`, with "
            f"`max_lessons_per_section`: {MAX_LESSONS_PER_SECTION} or `max_lessons_per_course`: {MAX_LESSONS_PER_COURSE})"
            if lesson
            else "The course already has the most sections a course may have (`too-many-sections`, with "
            f"`max_sections`: {MAX_SECTIONS_PER_COURSE})"
        )
        errors["409"] = _problem(
            f"{full}; or a request with the same Idempotency-Key is still in "
            "progress (`idempotency-key-in-flight`): retry after it completes."
        )
        errors["422"] = _problem("The Idempotency-Key was already used with a different body.")
    return dict(sorted(errors.items()))


def _links(section_id: str, *operations: str, lesson_id: str | None = None) -> dict[str, Any]:
    """OpenAPI links to the section's (or lesson's) other operations: what schemathesis's stateful phase walks."""
    parameters = {"id": "$request.path.id", "section_id": section_id}
    if lesson_id:
        parameters["lesson_id"] = lesson_id
    return {
        operation[0].upper() + operation[1:]: {"operationId": operation, "parameters": parameters}
        for operation in operations
    }


def _json_body(model: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}}


def _body(model: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}},
            "application/x-www-form-urlencoded": {
                "schema": {"$ref": f"#/components/schemas/{model}Form"},
                "encoding": {"lessons_order": {"style": "form", "explode": True}},
            },
        },
    }


def _operations() -> dict[str, dict[str, Any]]:
    """Each operation's parameters, body and answers, by operationId."""
    from_body = "$response.body#/id"
    from_path = "$request.path.section_id"
    changed = {
        "description": "The section as it now is.",
        "content": _SECTION,
        "links": _links(from_body, "getCourseSection", "patchCourseSection", "deleteCourseSection"),
    }
    return {
        "createCourseSection": {
            "parameters": ["id", "Idempotency-Key"],
            "requestBody": _body("SectionRequest"),
            "responses": {
                "201": {
                    "description": "The section was created (or, for a repeated Idempotency-Key, the original answer is replayed).",
                    "headers": {
                        "Location": {
                            "description": "/api/v2/course/{id}/section/{section_id}/",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    },
                    "content": _SECTION,
                    "links": _links(
                        from_body,
                        "getCourseSection",
                        "updateCourseSection",
                        "patchCourseSection",
                        "deleteCourseSection",
                    ),
                },
                **_errors(body=True, idempotency=True),
            },
        },
        "getCourseSections": {
            "parameters": ["id"],
            "responses": {
                "200": {
                    "description": "The course's sections, in its order. Not paginated.",
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Section"}}
                        }
                    },
                },
                **_errors(body=False),
            },
        },
        "getCourseSection": {
            "parameters": ["id", "section_id"],
            "responses": {
                "200": {
                    "description": "The section.",
                    "content": _SECTION,
                    "links": _links(from_path, "updateCourseSection", "patchCourseSection", "deleteCourseSection"),
                },
                **_errors(body=False, section=True),
            },
        },
        "updateCourseSection": {
            "parameters": ["id", "section_id"],
            "requestBody": _body("SectionRequest"),
            "responses": {"200": changed, **_errors(body=True, section=True)},
        },
        "patchCourseSection": {
            "parameters": ["id", "section_id"],
            "requestBody": _body("SectionChanges"),
            "responses": {"200": changed, **_errors(body=True, section=True)},
        },
        "deleteCourseSection": {
            "parameters": ["id", "section_id"],
            "responses": {
                "204": {"description": "Deleted. A second delete is 404."},
                **_errors(body=False, section=True),
            },
        },
        "getCourseOutline": {
            "parameters": ["id", "view"],
            "responses": {
                "200": {
                    "description": "The course outline: its sections in its order, each with its lessons in the section's order.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CourseOutline"}}},
                },
                **_errors(body=False),
            },
        },
        **_lesson_operations(),
        "patchCourse": {
            "parameters": ["id"],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CourseChanges"}}},
            },
            "responses": {
                "200": {
                    "description": "The order is chosen: the list returns the sections in it from now on.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CourseSectionsOrder"}}},
                },
                **_errors(body=True),
                "409": _problem(
                    "`sections_order` does not name exactly the course's current sections "
                    "(`sections-order-mismatch`); the problem's `sections_order` is the current order."
                ),
            },
        },
    }


def _lesson_operations() -> dict[str, dict[str, Any]]:
    from_body = "$response.body#/id"
    section = "$request.path.section_id"
    changed = {
        "description": "The lesson as it now is.",
        "content": _LESSON,
        "links": _links(section, "getCourseLesson", "patchCourseLesson", "deleteCourseLesson", lesson_id=from_body),
    }
    return {
        "createCourseLesson": {
            "parameters": ["id", "section_id", "Idempotency-Key"],
            "requestBody": _json_body("LessonRequest"),
            "responses": {
                "201": {
                    "description": "The lesson was created (or, for a repeated Idempotency-Key, the original answer is replayed).",
                    "headers": {
                        "Location": {
                            "description": "/api/v2/course/{id}/section/{section_id}/lesson/{lesson_id}/",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    },
                    "content": _LESSON,
                    "links": _links(
                        section,
                        "getCourseLesson",
                        "updateCourseLesson",
                        "patchCourseLesson",
                        "deleteCourseLesson",
                        lesson_id=from_body,
                    ),
                },
                **_errors(body=True, idempotency=True, section=True, lesson=True),
            },
        },
        "getCourseLessons": {
            "parameters": ["id", "section_id"],
            "responses": {
                "200": {
                    "description": "The section's lessons, in its order. Not paginated.",
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Lesson"}}
                        }
                    },
                },
                **_errors(body=False, section=True),
            },
        },
        "getCourseLesson": {
            "parameters": ["id", "section_id", "lesson_id"],
            "responses": {
                "200": {"description": "The lesson.", "content": _LESSON},
                **_errors(body=False, lesson=True),
            },
        },
        "updateCourseLesson": {
            "parameters": ["id", "section_id", "lesson_id"],
            "requestBody": _json_body("LessonRequest"),
            "responses": {"200": changed, **_errors(body=True, lesson=True)},
        },
        "patchCourseLesson": {
            "parameters": ["id", "section_id", "lesson_id"],
            "requestBody": _json_body("LessonChanges"),
            "responses": {"200": changed, **_errors(body=True, lesson=True)},
        },
        "deleteCourseLesson": {
            "parameters": ["id", "section_id", "lesson_id"],
            "responses": {
                "204": {"description": "Deleted. A second delete is 404."},
                **_errors(body=False, lesson=True),
            },
        },
    }


def _parameters() -> dict[str, dict[str, Any]]:
    from sections.idempotency_key import HEADER_PATTERN
    from sections.section import MAX_SAFE_INTEGER

    path_id = {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER}
    return {
        "id": {"name": "id", "in": "path", "required": True, "description": "The course id.", "schema": path_id},
        "section_id": {
            "name": "section_id",
            "in": "path",
            "required": True,
            "description": "The section id.",
            "schema": path_id,
        },
        "lesson_id": {
            "name": "lesson_id",
            "in": "path",
            "required": True,
            "description": "The lesson id.",
            "schema": path_id,
        },
        "view": {
            "name": "view",
            "in": "query",
            "required": True,
            "description": "`edit`: the outline, as the course editor loads it. The rest of Course Detail is the platform's course service's.",
            "schema": {"type": "string", "enum": ["edit"]},
        },
        "Idempotency-Key": {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": (
                "Makes retries safe: the same key and body from the same caller on the same course, "
                "within 24 hours, replays the original 201 instead of creating another section."
            ),
            "schema": {"type": "string", "pattern": HEADER_PATTERN},
        },
    }


def _form_schema(schema: dict[str, Any], title: str) -> dict[str, Any]:
    """A form cannot send null or an empty list: an empty dripped_at means null there, and a single empty
    lessons_order the empty list (sections/request_body.py). Its values are all text, read by the same
    integer-text rule as JSON strings: published as integers (a form writes their digits), since the JSON
    body's string alternative says nothing more about values that are always text."""
    form = _form_integers(copy.deepcopy(schema))
    form["title"] = title
    dripped_at = form["properties"]["dripped_at"]
    dripped_at["anyOf"] = [
        *(s for s in dripped_at["anyOf"] if s != {"type": "null"}),
        {"type": "string", "maxLength": 0},
    ]
    dripped_at.pop("default", None)
    lessons_order = form["properties"]["lessons_order"]
    empty = {"type": "string", "maxLength": 0, "description": "The empty list."}
    outer = {key: lessons_order.pop(key) for key in ("title", "default") if key in lessons_order}
    form["properties"]["lessons_order"] = {"anyOf": [lessons_order, empty], **outer}
    return form


def _form_integers(schema: Any) -> Any:
    """The schema with each integer-or-digits alternative (sections/request_models.py) reduced to the integer."""
    if isinstance(schema, list):
        return [_form_integers(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    alternatives = schema.get("anyOf", [])
    if [alternative.get("type") for alternative in alternatives] == ["integer", "string"]:
        rest = {key: value for key, value in schema.items() if key != "anyOf"}
        return dict(sorted({**alternatives[0], **rest}.items()))
    return {key: _form_integers(value) for key, value in schema.items()}


def _components() -> dict[str, Any]:
    from sections.lesson import Lesson
    from sections.request_models import CourseChanges, LessonChanges, LessonRequest, SectionChanges, SectionRequest
    from sections.section import Section

    components: dict[str, Any] = {}
    for model in (SectionRequest, SectionChanges, LessonRequest, LessonChanges):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        if model in (SectionChanges, LessonChanges):  # a field absent from a patch has no default: it is left as it is
            for field in schema["properties"].values():
                field.pop("default", None)
        components[model.__name__] = schema
        if model in (SectionRequest, SectionChanges):  # lessons are documented as JSON only
            components[f"{model.__name__}Form"] = _form_schema(schema, f"{model.__name__}Form")
    components["Lesson"] = TypeAdapter(Lesson).json_schema(mode="serialization")
    components["Lesson"]["required"] = list(components["Lesson"]["properties"])
    components["Lesson"]["additionalProperties"] = False
    components["CourseChanges"] = CourseChanges.model_json_schema(ref_template="#/components/schemas/{model}")
    components["CourseSectionsOrder"] = CourseSectionsOrder.model_json_schema()
    components["Section"] = TypeAdapter(Section).json_schema(mode="serialization")
    components["Section"]["required"] = list(components["Section"]["properties"])
    components["Section"]["additionalProperties"] = False
    for problem_model in (ProblemDetails, FieldProblem, GatewayMessage, CourseOutline, OutlineSection, OutlineLesson):
        schema = problem_model.model_json_schema(ref_template="#/components/schemas/{model}")
        schema.pop("$defs", None)
        components[problem_model.__name__] = schema
    return components


def openapi_document() -> dict[str, Any]:
    template = local_template()
    environment = function_environment(template, CREATE_SECTION_FUNCTION, "http://127.0.0.1:8000")
    os.environ.update({name: value for name, value in environment.items() if name not in os.environ})
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server

    paths: dict[str, Any] = {}
    document: dict[str, Any] = {}
    for function in resolver_functions(template):  # each function's resolver documents its own routes
        document = json.loads(
            handler_module(function).app.get_openapi_json_schema(
                title=TITLE,
                version=VERSION,
                description=(
                    "The course outline: its Course Sections and their Course Lessons (create, list, read, replace, "
                    "patch and delete), and the outline itself. Every route "
                    "sits behind API Gateway's JWT authorizer. Errors are RFC 9457 problem documents "
                    "(application/problem+json)."
                ),
                servers=[Server(url="http://127.0.0.1:3000", description="`make dev`")],
                security_schemes={
                    "bearerJwt": HTTPBearer(
                        bearerFormat="JWT",
                        description="A JWT from the stack's Cognito user pool or the configured issuer.",
                    )
                },
                security=[{"bearerJwt": []}],
            )
        )
        for path, operations in document["paths"].items():
            paths.setdefault(path, {}).update(operations)
    document["paths"] = {path: dict(sorted(operations.items())) for path, operations in sorted(paths.items())}
    document["components"]["schemas"] = _components()

    parameters, operations = _parameters(), _operations()
    for operation in (op for path in document["paths"].values() for op in path.values()):
        spec = operations[operation["operationId"]]
        operation["parameters"] = [parameters[name] for name in spec["parameters"]]
        if "requestBody" in spec:
            operation["requestBody"] = spec["requestBody"]
        operation["responses"] = spec["responses"]
    return document


def render() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=False) + "\n"
