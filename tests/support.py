"""What tests share besides fixtures: v2 events as API Gateway sends them, the call into the function
API Gateway routes an event to, the template's environment, and reads of the courses table as
docs/data-model.md defines it. Imported by tests and by conftest.py; never the other way round.
"""

from __future__ import annotations

import base64
import copy
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from localdev.deployed_api import deployed_api
from localdev.dynamodb import course_service_transactions, dynamodb_client, put_course
from localdev.functions import CREATE_SECTION_FUNCTION as FUNCTION
from localdev.functions import handler_module
from localdev.route_matching import match_route
from localdev.template import local_template
from sections.repository import COURSE_SK, SECTION_SK_PREFIX, section_sk

EVENTS = Path(__file__).parent / "events"
COURSES_TABLE = local_template().function_environment(FUNCTION)["TABLE_NAME"]


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
    course_path: bool = False,
    lessons_of: str | None = None,
    lesson: str | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A v2 event built from tests/events/create_section.json, as API Gateway would send it.

    A create's documented path, with its slash, arrives through the $default route, without
    pathParameters; the form without the slash through the explicit route, with them. Other
    methods arrive through their greedy route under the course (template.yaml).
    """
    event = copy.deepcopy(load_event())
    path = f"/api/v2/course/{course}/section/" + (f"{section}/" if section is not None else "")
    path = f"/api/v2/course/{course}/" if course_path else path
    if lessons_of is not None:  # a section's lessons, or one of them
        path = f"/api/v2/course/{course}/section/{lessons_of}/lesson/" + (f"{lesson}/" if lesson is not None else "")
    path = path if trailing_slash else path.rstrip("/")
    event["rawPath"] = path
    event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    if method != "POST":
        event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} /api/v2/course/{{id}}/{{proxy+}}"
        event["pathParameters"] = (
            {"proxy": path.split("/course/", 1)[1]}
            if course_path
            else {"id": course, "proxy": path.split(f"/course/{course}/", 1)[1]}
        )
    elif not trailing_slash and lessons_of is not None:
        event["routeKey"] = event["requestContext"]["routeKey"] = "POST /api/v2/course/{id}/section/{section_id}/lesson"
        event["pathParameters"] = {"id": course, "section_id": lessons_of}
    elif not trailing_slash:
        event["routeKey"] = event["requestContext"]["routeKey"] = "POST /api/v2/course/{id}/section"
        event["pathParameters"] = {"id": course}
    if query is not None:
        event["rawQueryString"] = "&".join(f"{name}={value}" for name, value in query.items())
        event["queryStringParameters"] = dict(query)
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
    event["headers"]["authorization"] = "Bearer " + unsigned_token(token_payload(claims))
    event["headers"].update(headers or {})  # a test's own Authorization header wins
    return event


ROLES_CLAIM = local_template().function_environment(FUNCTION)["ROLES_CLAIM"]


def token_payload(claims: dict[str, Any]) -> dict[str, Any]:
    """The token's payload behind the authorizer's claims: a flattened "[a b]" back to the array it was
    (test groups hold no spaces)."""
    value = claims.get(ROLES_CLAIM)
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        return {**claims, ROLES_CLAIM: [group for group in value[1:-1].split(" ") if group]}
    return dict(claims)


def unsigned_token(payload: dict[str, Any]) -> str:
    """A JWT with this payload, as the client sent it and the authorizer verified it; the function reads only
    its payload, so the signature here is a placeholder."""

    def segment(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{segment({'alg': 'RS256', 'typ': 'JWT'})}.{segment(payload)}.not-checked-by-the-function"


def add_course(client: Any, course_id: int, *, deleted: bool = False, course_type: str = "self-paced") -> None:
    put_course(client, COURSES_TABLE, course_id, name=f"Course {course_id}", course_type=course_type, deleted=deleted)


def set_course_deleted(client: Any, course_id: int, deleted: bool = True) -> None:
    """What the service that owns courses does when it deletes (or restores) one."""
    client.update_item(
        TableName=COURSES_TABLE,
        Key={"course_id": {"N": str(course_id)}, "sk": {"S": COURSE_SK}},
        UpdateExpression="SET deleted = :deleted",
        ExpressionAttributeValues={":deleted": {"BOOL": deleted}},
    )


PROBLEM_KEYS = {"type", "title", "status", "detail", "request_id"}


def call(event: dict[str, Any], context: Any) -> tuple[int, dict[str, str], Any]:
    """The function API Gateway routes the event to, with the answer split into status, headers and decoded body."""
    routed = match_route(
        deployed_api(local_template()).routes, event["requestContext"]["http"]["method"], event["rawPath"]
    )
    response = handler_module(routed.route.target if routed else FUNCTION).lambda_handler(event, context)
    body = response.get("body")
    return response["statusCode"], response.get("headers", {}), json.loads(body) if body else None


def course_item(client, course_id=1):
    return client.get_item(TableName=COURSES_TABLE, Key={"course_id": {"N": str(course_id)}, "sk": {"S": COURSE_SK}})[
        "Item"
    ]


def stored_section_ids(client, course_id=1) -> list[int]:
    """The ids of the course's section items, in sort-key order (by id): what is stored, not the listed order
    (that one is sections.section.course_order of the course's chosen order and these)."""
    return [int(item["section_id"]["N"]) for item in section_items(client, course_id)]


def section_items(client, course_id=1):
    items = client.query(
        TableName=COURSES_TABLE,
        KeyConditionExpression="course_id = :c AND begins_with(sk, :s)",
        ExpressionAttributeValues={":c": {"N": str(course_id)}, ":s": {"S": SECTION_SK_PREFIX}},
    )["Items"]
    return items


def assert_problem(status, headers, body, expected_status):
    assert status == expected_status
    assert headers["Content-Type"] == "application/problem+json"
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == expected_status
    assert body["type"].startswith("urn:course-api:problem:")
    assert body["request_id"] == "JKJaXmPLvHcESHA="


# Calls of the resource's operations, as a manager of the course, through the function API Gateway routes to.
WEEK_1 = {"name": "Week 1", "dripped_at": "2025-03-01T10:00:00Z", "drip_delay": 3, "lessons_order": [5, 2]}
BAD_ID = "must be a positive integer no larger than 9007199254740991"


def create(lambda_context, body=None, course="1"):
    event = make_event(course=course, body=json.dumps(body or WEEK_1), groups=f"[course:{course}:manager]")
    status, _, created = call(event, lambda_context)
    assert status == 201
    return created


def request(lambda_context, method, course="1", section=None, body=None, trailing_slash=True, **options):
    event = make_event(
        method=method,
        course=course,
        section=None if section is None else str(section),
        body=None if body is None else (body if isinstance(body, str) else json.dumps(body)),
        trailing_slash=trailing_slash,
        **options,
    )
    return call(event, lambda_context)


def reorder(lambda_context, body, course="1", trailing_slash=True, **options):
    payload = body if isinstance(body, str) else json.dumps(body)
    event = make_event(
        method="PATCH", course=course, body=payload, course_path=True, trailing_slash=trailing_slash, **options
    )
    return call(event, lambda_context)


def listed_ids(lambda_context, course="1"):
    event = make_event(method="GET", course=course, body=None, groups=f"[course:{course}:manager]")
    return [section["id"] for section in call(event, lambda_context)[2]]


# A course item's staff as another service might leave it: an entry for the caller whose value is not a role
# the API names, or a staff that is not a map at all (docs/data-model.md, "Course roles"). None grants.
STAFF_THAT_GRANTS_NOTHING = {
    "student": {"M": {"m9": {"S": "student"}}},
    "empty": {"M": {"m9": {"S": ""}}},
    "null": {"M": {"m9": {"NULL": True}}},
    "capitalised": {"M": {"m9": {"S": "Manager"}}},
    "a number": {"M": {"m9": {"N": "1"}}},
    "a map": {"M": {"m9": {"M": {"role": {"S": "manager"}}}}},
    "staff a string": {"S": "m9"},
    "staff a list": {"L": [{"S": "m9"}]},
    "staff null": {"NULL": True},
}


def set_course_staff(client: Any, course_id: int, staff: dict[str, Any]) -> None:
    """The course item's `staff` attribute exactly as given (a DynamoDB attribute value)."""
    client.update_item(
        TableName=COURSES_TABLE,
        Key={"course_id": {"N": str(course_id)}, "sk": {"S": COURSE_SK}},
        UpdateExpression="SET staff = :staff",
        ExpressionAttributeValues={":staff": staff},
    )


def every_operation_of(course_id: int, section_id: int) -> list[tuple[str, dict[str, Any]]]:
    """Each operation once, as (method, make_event options), bodies valid: only the role can refuse them."""
    lessons, lesson = {"lessons_of": str(section_id)}, {"lessons_of": str(section_id), "lesson": "1"}
    return [
        ("POST", {**lessons, "body": json.dumps({"name": "Lesson", "type": "lesson"})}),
        ("GET", lessons),
        ("GET", lesson),
        ("PUT", {**lesson, "body": json.dumps({"name": "Replaced", "type": "lesson"})}),
        ("PATCH", {**lesson, "body": json.dumps({"status": "published"})}),
        ("DELETE", lesson),
        ("GET", {"course_path": True, "query": {"view": "edit"}}),
        ("GET", {}),
        ("GET", {"section": str(section_id)}),
        ("PUT", {"section": str(section_id), "body": json.dumps({"name": "Replaced"})}),
        ("PATCH", {"section": str(section_id), "body": json.dumps({"drip_delay": "7"})}),
        ("PATCH", {"course_path": True, "body": json.dumps({"sections_order": [section_id]})}),
        ("DELETE", {"section": str(section_id)}),
        ("POST", {"body": json.dumps({"name": "Week"})}),
    ]


def assert_staff_grants_nothing(client: Any, context: Any, course_id: int, section_id: int, staff: dict[str, Any]):
    """Subject m9, with that staff on the course item and no group: 403 on every operation, and nothing written."""
    set_course_staff(client, course_id, staff)
    before = client.scan(TableName=COURSES_TABLE)["Items"]
    for method, options in every_operation_of(course_id, section_id):
        event = make_event(method=method, course=str(course_id), sub="m9", groups="[]", **options)
        status, headers, problem = call(event, context)
        assert_problem(status, headers, problem, 403)
        assert problem["type"] == "urn:course-api:problem:forbidden", (method, options)
    assert client.scan(TableName=COURSES_TABLE)["Items"] == before, "nothing written"


def put_section_item(client: Any, course_id: int, section_id: int, attributes: dict[str, Any]) -> None:
    """A section item as another writer (or a test's set-up) stores it: its key, its id, these attributes."""
    client.put_item(
        TableName=COURSES_TABLE,
        Item={
            "course_id": {"N": str(course_id)},
            "sk": {"S": section_sk(section_id)},
            "section_id": {"N": str(section_id)},
            **attributes,
        },
    )


@contextmanager
def course_service_holding(proxy: Any, course_id: int, conflicts: int = 1) -> Iterator[Counter[str]]:
    """The course service's transactions on the course item, behind the conflict double (`proxy`), with the
    overlap arranged rather than timed: the block starts once the first of them holds the item, and that
    one keeps holding it until requests have met it `conflicts` times (docs/testing.md)."""
    met = proxy.conflicts + conflicts
    client = dynamodb_client(proxy.endpoint)
    with (
        proxy.commits_held(until=lambda: proxy.conflicts >= met),
        course_service_transactions(client, COURSES_TABLE, course_id, pause_seconds=proxy.commit_seconds) as outcomes,
    ):
        proxy.wait_until_holding()
        yield outcomes
