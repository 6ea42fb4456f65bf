"""RoleSource=table: the course item's staff decides, on moto, through the functions API Gateway routes to.

Every operation, the admin group, a removed manager, a keyed replay, and what a caller who is not
staff learns (nothing: the same 403 whether the course exists, is deleted or never existed).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from localdev.dynamodb import put_course
from sections.wiring import dependencies
from tests.support import (
    COURSES_TABLE,
    STAFF_THAT_GRANTS_NOTHING,
    assert_problem,
    assert_staff_grants_nothing,
    call,
    course_item,
    make_event,
    section_items,
)

COURSE = 5
STAFF = {"m1": "manager", "c1": "creator"}
FORBIDDEN = {
    "type": "urn:course-api:problem:forbidden",
    "title": "Forbidden",
    "status": 403,
    "detail": "You are not a manager or creator of this course.",
    "request_id": "JKJaXmPLvHcESHA=",
}


@pytest.fixture
def table_roles(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ROLE_SOURCE", "table")
    monkeypatch.setenv("ADMIN_GROUP", "admins")
    dependencies.cache_clear()
    put_course(dynamodb, COURSES_TABLE, COURSE, name="Staffed", course_type="structured", staff=STAFF)
    put_course(dynamodb, COURSES_TABLE, 6, name="Gone", course_type="structured", deleted=True, staff=STAFF)
    return dynamodb


def send(lambda_context: Any, sub: str, method: str, *, course: int = COURSE, groups: str = "[]", **options: Any):
    body = options.pop("body", None)
    event = make_event(
        method=method,
        course=str(course),
        sub=sub,
        groups=groups,
        body=None if body is None else json.dumps(body),
        **options,
    )
    return call(event, lambda_context)


def every_operation(section: int) -> list[tuple[str, dict[str, Any]]]:
    """Every operation once, the section's lesson operations first (lesson 1 is the one the first creates)."""
    lessons, lesson = {"lessons_of": str(section)}, {"lessons_of": str(section), "lesson": "1"}
    return [
        ("POST", {**lessons, "body": {"name": "Lesson", "type": "lesson"}}),
        ("GET", lessons),
        ("GET", lesson),
        ("PUT", {**lesson, "body": {"name": "Replaced", "type": "lesson", "text": "<p>t</p>"}}),
        ("PATCH", {**lesson, "body": {"status": "published"}}),
        ("DELETE", lesson),
        ("GET", {"course_path": True, "query": {"view": "edit"}}),
        ("GET", {}),
        ("GET", {"section": str(section)}),
        ("PUT", {"section": str(section), "body": {"name": "Replaced"}}),
        ("PATCH", {"section": str(section), "body": {"drip_delay": "7"}}),
        ("PATCH", {"section": str(section), "body": {}}),
        ("PATCH", {"course_path": True, "body": {"sections_order": [section]}}),
        ("DELETE", {"section": str(section)}),
        ("POST", {"body": {"name": "Week"}}),
    ]


@pytest.mark.parametrize("sub", ["m1", "c1"])
def test_a_subject_on_the_course_staff_works_on_every_operation_with_no_group_in_its_token(
    table_roles, lambda_context, sub
):
    status, _, created = send(lambda_context, sub, "POST", body={"name": "Week 1"})
    assert (status, created["name"]) == (201, "Week 1")
    (item,) = section_items(table_roles, COURSE)
    assert item["created_by"] == {"S": sub}
    statuses = [send(lambda_context, sub, method, **options)[0] for method, options in every_operation(created["id"])]
    lessons, outline, sections = statuses[:6], statuses[6], statuses[7:]
    assert (lessons, outline, sections) == (
        [201, 200, 200, 200, 200, 204],
        200,
        [200, 200, 200, 200, 200, 200, 204, 201],
    )
    assert [section["name"] for section in send(lambda_context, sub, "GET")[2]] == ["Week"]


@pytest.mark.parametrize("groups", ["[]", f"[course:{COURSE}:manager]", f"[course:{COURSE}:creator]"])
def test_a_subject_not_on_the_staff_gets_the_same_403_on_every_operation_whatever_its_groups(
    table_roles, lambda_context, groups
):
    section = send(lambda_context, "m1", "POST", body={"name": "Theirs"})[2]["id"]
    before = (course_item(table_roles, COURSE), section_items(table_roles, COURSE))
    for method, options in every_operation(section):
        status, headers, problem = send(lambda_context, "m2", method, groups=groups, **options)
        assert_problem(status, headers, problem, 403)
        assert problem == FORBIDDEN, (method, options)
    assert (course_item(table_roles, COURSE), section_items(table_roles, COURSE)) == before, "nothing written"


@pytest.mark.parametrize("course", [6, 99])
def test_a_deleted_or_missing_course_is_the_same_403_for_a_stranger_and_404_for_the_admin(
    table_roles, lambda_context, course
):
    for method, options in every_operation(1):
        stranger = send(lambda_context, "m2", method, course=course, **options)
        assert (stranger[0], stranger[2]) == (403, FORBIDDEN), (method, options)
        admin = send(lambda_context, "root", method, course=course, groups="[admins]", **options)
        assert admin[0] == 404 and admin[2]["type"] == "urn:course-api:problem:course-not-found", (method, admin)


def test_staff_of_a_deleted_course_is_told_it_is_gone(table_roles, lambda_context):
    """Staff may know the course exists: for them a deleted course is 404, as with roles from the token."""
    status, _, problem = send(lambda_context, "m1", "POST", course=6, body={"name": "Late"})
    assert (status, problem["type"]) == (404, "urn:course-api:problem:course-not-found")


def test_the_admin_group_still_comes_from_the_claims(table_roles, lambda_context):
    status, _, created = send(lambda_context, "root", "POST", groups="[admins]", body={"name": "By the admin"})
    assert status == 201
    assert send(lambda_context, "root", "GET", groups="[admins]")[2] == [created]


def test_a_manager_removed_from_the_staff_is_refused_on_the_next_request_with_the_same_token(
    table_roles, lambda_context
):
    assert send(lambda_context, "m1", "POST", body={"name": "Before"})[0] == 201
    put_course(table_roles, COURSES_TABLE, COURSE, name="Staffed", course_type="structured", staff={"c1": "creator"})
    for method, options in every_operation(1):
        assert send(lambda_context, "m1", method, **options)[:3:2] == (403, FORBIDDEN), (method, options)
    assert [section["name"] for section in send(lambda_context, "c1", "GET")[2]] == ["Before"]
    assert course_item(table_roles, COURSE)["section_seq"] == {"N": "1"}, "no id was handed out to m1"


def test_a_keyed_replay_for_a_caller_who_lost_the_role_is_403_not_the_stored_answer(table_roles, lambda_context):
    headers = {"Idempotency-Key": "replayed-once"}
    first = send(lambda_context, "m1", "POST", body={"name": "Keyed"}, headers=headers)
    assert first[0] == 201
    assert send(lambda_context, "m1", "POST", body={"name": "Keyed"}, headers=headers)[2] == first[2], "a replay"
    put_course(table_roles, COURSES_TABLE, COURSE, name="Staffed", course_type="structured", staff={"c1": "creator"})
    status, _, problem = send(lambda_context, "m1", "POST", body={"name": "Keyed"}, headers=headers)
    assert (status, problem) == (403, FORBIDDEN)
    assert len(section_items(table_roles, COURSE)) == 1


def test_a_body_error_is_answered_before_the_role_and_says_nothing_of_the_course(table_roles, lambda_context):
    """The role rides on the write, so a body is validated first (docs/data-model.md, "Course roles")."""
    for course in (COURSE, 6, 99):
        status, _, problem = send(lambda_context, "m2", "POST", course=course, body={"name": ""})
        assert (status, problem["errors"]) == (400, [{"field": "name", "message": "must not be empty"}])


@pytest.mark.parametrize("staff", STAFF_THAT_GRANTS_NOTHING.values(), ids=STAFF_THAT_GRANTS_NOTHING)
def test_only_the_roles_the_api_names_grant_whatever_else_staff_holds(table_roles, lambda_context, staff):
    """moto, made to answer a projection through a non-map as DynamoDB does (localdev.dynamodb.project_as_dynamodb)."""
    section = send(lambda_context, "m1", "POST", body={"name": "Theirs"})[2]["id"]
    assert_staff_grants_nothing(table_roles, lambda_context, COURSE, section, staff)
