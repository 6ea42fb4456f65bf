"""docs/openapi.json, generated from the code: the Powertools resolver's routes and the Pydantic models.

The resolver contributes the path, the path parameter and the operation's metadata (see the route
decorator in app.py); the request body comes from CreateSectionRequest, the 201 body from Section,
and the errors from the problem document the function renders. Tooling only: nothing here is
imported by the function at run time.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from localdev.functions import CREATE_SECTION_FUNCTION, function_environment
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


def _responses() -> dict[str, Any]:
    retry_after = {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 1}}
    return {
        "201": {
            "description": "The section was created (or, for a repeated Idempotency-Key, the original answer is replayed).",
            "headers": {
                "Location": {
                    "description": "/api/v2/course/{id}/section/{section_id}/",
                    "required": True,
                    "schema": {"type": "string"},
                }
            },
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Section"}}},
        },
        "400": _problem("The path id, the body or the Idempotency-Key header is invalid; `errors` names each field."),
        "401": _response(
            'No valid token. API Gateway\'s JWT authorizer answers `{"message":"Unauthorized"}`; '
            "the function answers a problem when verified claims lack a subject.",
            _GATEWAY,
            _PROBLEM,
        ),
        "403": _problem("The caller neither manages nor created this course. Says nothing of whether it exists."),
        "404": _problem("The course does not exist or is deleted."),
        "405": _problem(
            "The path exists but not with this method.",
            Allow={"description": "The methods the path answers.", "required": True, "schema": {"type": "string"}},
        ),
        "409": _problem("A request with the same Idempotency-Key is still in progress; retry after it completes."),
        "413": _response(
            "The body exceeds 64 KiB (the function), or the request exceeds API Gateway's or Lambda's limits "
            "(10,240 bytes of request line and headers; a 6 MB event, base64-encoded forms included).",
            _PROBLEM,
            _GATEWAY,
        ),
        "415": _problem("The body is neither application/json nor application/x-www-form-urlencoded."),
        "422": _problem("The Idempotency-Key was already used with a different body."),
        "429": _response("API Gateway's stage throttling.", _GATEWAY),
        "500": _problem("An unexpected error; nothing internal is revealed. Quote request_id."),
        "503": _problem(
            "DynamoDB throttled or failed after bounded retries; retry after Retry-After.",
            **{"Retry-After": retry_after},
        ),
    }


def openapi_document() -> dict[str, Any]:
    environment = function_environment(local_template(), CREATE_SECTION_FUNCTION, "http://127.0.0.1:8000")
    os.environ.update({name: value for name, value in environment.items() if name not in os.environ})
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server

    from app import app
    from sections.idempotency_key import HEADER_PATTERN
    from sections.models import MAX_SAFE_INTEGER, CreateSectionRequest, Section

    document: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            description=(
                "Create a Course Section. Every route sits behind API Gateway's JWT authorizer. "
                "Errors are RFC 9457 problem documents (application/problem+json)."
            ),
            servers=[Server(url="http://127.0.0.1:3000", description="`make dev`")],
            security_schemes={
                "bearerJwt": HTTPBearer(
                    bearerFormat="JWT", description="A JWT from the stack's Cognito user pool or the configured issuer."
                )
            },
            security=[{"bearerJwt": []}],
        )
    )
    components: dict[str, Any] = {}
    request_schema = CreateSectionRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(request_schema.pop("$defs", {}))
    components["CreateSectionRequest"] = request_schema
    # A form cannot send null: an empty dripped_at means null there (sections/request_body.py).
    form_schema = copy.deepcopy(request_schema)
    form_schema["title"] = "CreateSectionForm"
    dripped_at = form_schema["properties"]["dripped_at"]
    dripped_at["anyOf"] = [
        *(s for s in dripped_at["anyOf"] if s != {"type": "null"}),
        {"type": "string", "maxLength": 0},
    ]
    dripped_at.pop("default", None)
    components["CreateSectionForm"] = form_schema
    components["Section"] = TypeAdapter(Section).json_schema(mode="serialization")
    components["Section"]["required"] = list(components["Section"]["properties"])
    components["Section"]["additionalProperties"] = False
    for model in (ProblemDetails, FieldProblem, GatewayMessage):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schema.pop("$defs", None)
        components[model.__name__] = schema
    document["components"]["schemas"] = components

    for operation in (op for path in document["paths"].values() for op in path.values()):
        operation["parameters"] = [
            {
                "name": "id",
                "in": "path",
                "required": True,
                "description": "The course id.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER},
            },
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": (
                    "Makes retries safe: the same key and body from the same caller on the same course, "
                    "within 24 hours, replays the original 201 instead of creating another section."
                ),
                "schema": {"type": "string", "pattern": HEADER_PATTERN},
            },
        ]
        body = {"schema": {"$ref": "#/components/schemas/CreateSectionRequest"}}
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": body,
                "application/x-www-form-urlencoded": {
                    "schema": {"$ref": "#/components/schemas/CreateSectionForm"},
                    "encoding": {"lessons_order": {"style": "form", "explode": True}},
                },
            },
        }
        operation["responses"] = _responses()
    return document


def render() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=False) + "\n"
