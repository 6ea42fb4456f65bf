"""A course's bound: a create past MAX_SECTIONS_PER_COURSE is refused (that the largest course lists within
Lambda's response limit is tests/integration/test_course_limits.py).

The section count lives on the course item (docs/data-model.md, "Section count"): creates count a
section in with the id they allocate, deletes count it out in the transaction that deletes it.
"""

from __future__ import annotations

import pytest

from localdev.functions import handler_module
from sections.section import MAX_SECTIONS_PER_COURSE
from tests.support import COURSES_TABLE, assert_problem, course_item, create, make_event, request, stored_section_ids


def test_a_create_past_the_limit_is_409_and_writes_nothing(dynamodb, lambda_context):
    create(lambda_context)
    dynamodb.update_item(
        TableName=COURSES_TABLE,
        Key={"course_id": {"N": "1"}, "sk": {"S": "COURSE"}},
        UpdateExpression="SET section_count = :full",
        ExpressionAttributeValues={":full": {"N": str(MAX_SECTIONS_PER_COURSE)}},
    )
    before = course_item(dynamodb)

    status, headers, problem = request(lambda_context, "POST", body={"name": "One too many"})

    assert_problem(status, headers, problem, 409)
    assert problem["type"] == "urn:course-api:problem:too-many-sections"
    assert problem["max_sections"] == MAX_SECTIONS_PER_COURSE
    assert course_item(dynamodb) == before, "no id handed out, nothing counted"
    assert stored_section_ids(dynamodb) == [1]

    # A delete makes room again.
    assert request(lambda_context, "DELETE", section=1)[0] == 204
    assert course_item(dynamodb)["section_count"] == {"N": str(MAX_SECTIONS_PER_COURSE - 1)}
    assert request(lambda_context, "POST", body={"name": "Fits again"})[0] == 201


def test_creates_count_sections_in_and_deletes_count_them_out(dynamodb, lambda_context):
    for _ in range(3):
        create(lambda_context)
    assert request(lambda_context, "DELETE", section=2)[0] == 204
    assert request(lambda_context, "DELETE", section=2)[0] == 404, "a second delete counts nothing out"
    item = course_item(dynamodb)
    assert (item["section_count"], item["section_seq"]) == ({"N": "2"}, {"N": "3"})
    assert stored_section_ids(dynamodb) == [1, 3]


@pytest.mark.parametrize("course", ["2", "4"])
def test_the_limit_is_per_course(dynamodb, lambda_context, course):
    dynamodb.update_item(
        TableName=COURSES_TABLE,
        Key={"course_id": {"N": "1"}, "sk": {"S": "COURSE"}},
        UpdateExpression="SET section_count = :full",
        ExpressionAttributeValues={":full": {"N": str(MAX_SECTIONS_PER_COURSE)}},
    )
    event = make_event(course=course, groups=f"[course:{course}:manager]")
    status = handler_module("CreateSectionFunction").lambda_handler(event, lambda_context)["statusCode"]
    assert status == (201 if course == "2" else 404)
