"""Shared fixtures: the template's tables under moto, the function's environment, events, and callers."""

from __future__ import annotations

import copy
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localdev.dynamodb import create_tables, put_course, seed_demo_courses
from localdev.functions import CREATE_SECTION_FUNCTION as FUNCTION
from localdev.functions import handler_module
from localdev.lambda_context import LocalLambdaContext
from localdev.routes import match_route
from localdev.template import local_template

EVENTS = Path(__file__).parent / "events"


def load_event(name: str = "create_section") -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def lambda_environment() -> dict[str, str]:
    """The function's environment exactly as template.yaml declares it, plus fake AWS credentials."""
    return {
        **local_template().function_environment(FUNCTION),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def pytest_configure(config: pytest.Config) -> None:
    # Powertools reads its env when app.py is imported, which happens while tests are collected.
    os.environ.update(lambda_environment())


@pytest.fixture(autouse=True)
def function_environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    environment = lambda_environment()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_SAM_LOCAL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return environment


@pytest.fixture
def reset_dependencies() -> Iterator[None]:
    from sections.wiring import dependencies

    dependencies.cache_clear()
    yield
    dependencies.cache_clear()


@pytest.fixture
def dynamodb(function_environment: dict[str, str], reset_dependencies: None) -> Iterator[Any]:
    """In-process moto with the template's tables and the demo courses (1-3 live, 4 deleted)."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client, local_template())
        seed_demo_courses(client, function_environment["TABLE_NAME"])
        yield client


@pytest.fixture
def lambda_context() -> LocalLambdaContext:
    return LocalLambdaContext("create-section", timeout_seconds=15)


def make_event(
    *,
    course: str = "1",
    body: str | None = '{"name": "Intro"}',
    content_type: str | None = "application/json",
    groups: Any = "[course:1:manager]",
    sub: str | None = "user-123",
    claims: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    trailing_slash: bool = True,
    base64_body: bool = False,
    method: str = "POST",
    section: str | None = None,
) -> dict[str, Any]:
    """A v2 event built from tests/events/create_section.json, as API Gateway would send it.

    A create's documented path, with its slash, arrives through the $default route, without
    pathParameters; the form without the slash through the explicit route, with them. Other
    methods arrive through their greedy route under the course (template.yaml).
    """
    event = copy.deepcopy(load_event())
    path = f"/api/v2/course/{course}/section/" + (f"{section}/" if section is not None else "")
    path = path if trailing_slash else path.rstrip("/")
    event["rawPath"] = path
    event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    if method != "POST":
        event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} /api/v2/course/{{id}}/{{proxy+}}"
        event["pathParameters"] = {"id": course, "proxy": path.split(f"/course/{course}/", 1)[1]}
    elif not trailing_slash:
        event["routeKey"] = event["requestContext"]["routeKey"] = "POST /api/v2/course/{id}/section"
        event["pathParameters"] = {"id": course}
    event["body"] = body
    event["isBase64Encoded"] = base64_body
    event["headers"] = {k: v for k, v in event["headers"].items() if k != "content-type"}
    if content_type is not None:
        event["headers"]["content-type"] = content_type
    event["headers"].update(headers or {})
    if claims is None:
        claims = dict(event["requestContext"]["authorizer"]["jwt"]["claims"])
        claims.pop("sub")
        if sub is not None:
            claims["sub"] = sub
        if groups is None:
            claims.pop("cognito:groups")
        else:
            claims["cognito:groups"] = groups
    event["requestContext"]["authorizer"]["jwt"]["claims"] = claims
    return event


def add_course(client: Any, course_id: int, *, deleted: bool = False, course_type: str = "self-paced") -> None:
    put_course(client, "CoursesTable", course_id, name=f"Course {course_id}", course_type=course_type, deleted=deleted)


def set_course_deleted(client: Any, course_id: int, deleted: bool = True) -> None:
    """What the service that owns courses does when it deletes (or restores) one."""
    client.update_item(
        TableName="CoursesTable",
        Key={"course_id": {"N": str(course_id)}, "sk": {"S": "COURSE"}},
        UpdateExpression="SET deleted = :deleted",
        ExpressionAttributeValues={":deleted": {"BOOL": deleted}},
    )


@pytest.fixture
def log_output(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """What the function logs during the test (Powertools' handler holds the stream it was given)."""
    from sections.observability import logger

    stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    return stream


PROBLEM_KEYS = {"type", "title", "status", "detail", "request_id"}


def call(event: dict[str, Any], context: Any) -> tuple[int, dict[str, str], Any]:
    """The function API Gateway routes the event to, with the answer split into status, headers and decoded body."""
    routed = match_route(local_template().routes(), event["requestContext"]["http"]["method"], event["rawPath"])
    response = handler_module(routed.route.target if routed else FUNCTION).lambda_handler(event, context)
    body = response.get("body")
    return response["statusCode"], response.get("headers", {}), json.loads(body) if body else None


def course_item(client, course_id=1):
    return client.get_item(TableName="CoursesTable", Key={"course_id": {"N": str(course_id)}, "sk": {"S": "COURSE"}})[
        "Item"
    ]


def sections_order(client, course_id=1) -> list[int]:
    """The course's order as docs/data-model.md defines it: its section items, in sort-key order."""
    return [int(item["section_id"]["N"]) for item in section_items(client, course_id)]


def section_items(client, course_id=1):
    items = client.query(
        TableName="CoursesTable",
        KeyConditionExpression="course_id = :c AND begins_with(sk, :s)",
        ExpressionAttributeValues={":c": {"N": str(course_id)}, ":s": {"S": "SECTION#"}},
    )["Items"]
    return items


def assert_problem(status, headers, body, expected_status):
    assert status == expected_status
    assert headers["Content-Type"] == "application/problem+json"
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == expected_status
    assert body["type"].startswith("urn:course-api:problem:")
    assert body["request_id"] == "JKJaXmPLvHcESHA="
