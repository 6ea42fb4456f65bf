"""Choose the order of a course's sections (PATCH /api/v2/course/{id}/), on moto."""

import json

import pytest

from tests.support import (
    COURSES_TABLE,
    assert_problem,
    create,
    listed_ids,
    reorder,
    request,
    set_course_deleted,
)


@pytest.mark.parametrize("trailing_slash", [True, False])
def test_a_manager_chooses_the_order_and_the_list_follows_it(dynamodb, lambda_context, trailing_slash):
    for name in ("A", "B", "C"):
        create(lambda_context, {"name": name})
    assert listed_ids(lambda_context) == [1, 2, 3], "never reordered: creation order"
    status, headers, body = reorder(lambda_context, {"sections_order": [3, 1, 2]}, trailing_slash=trailing_slash)
    assert (status, body) == (200, {"id": 1, "sections_order": [3, 1, 2]})
    assert headers["Content-Type"] == "application/json"
    assert listed_ids(lambda_context) == [3, 1, 2]
    (order_item,) = [item for item in dynamodb.scan(TableName=COURSES_TABLE)["Items"] if item["sk"] == {"S": "ORDER"}]
    assert order_item["sections_order"] == {"L": [{"N": "3"}, {"N": "1"}, {"N": "2"}]}
    assert order_item["updated_by"] == {"S": "user-123"}
    # A section created afterwards goes last; a deleted one leaves; ids are never reused.
    assert create(lambda_context, {"name": "D"})["id"] == 4
    assert listed_ids(lambda_context) == [3, 1, 2, 4]
    assert request(lambda_context, "DELETE", section=1)[0] == 204
    assert listed_ids(lambda_context) == [3, 2, 4]
    assert create(lambda_context, {"name": "E"})["id"] == 5
    assert listed_ids(lambda_context) == [3, 2, 4, 5]
    assert reorder(lambda_context, {"sections_order": [5, 4, 3, 2]})[::2] == (
        200,
        {"id": 1, "sections_order": [5, 4, 3, 2]},
    )
    assert [section["name"] for section in request(lambda_context, "GET")[2]] == ["E", "D", "C", "B"]


def test_the_form_content_type_carrying_json_is_read_as_json(dynamodb, lambda_context):
    create(lambda_context)
    create(lambda_context, {"name": "Week 2"})
    body = json.dumps({"sections_order": [2, 1]})
    status, _, answer = reorder(lambda_context, body, content_type="application/x-www-form-urlencoded")
    assert (status, answer["sections_order"]) == (200, [2, 1])


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"sections_order": "1,2"}, "sections_order", "must be a list"),
        ({"sections_order": [1, 0]}, "sections_order[1]", "must be 1 or more"),
        ({"sections_order": [1, True]}, "sections_order[1]", "must be an integer"),
        ({"sections_order": [1, 2**53]}, "sections_order[1]", "must be 9007199254740991 or less"),
        ({"sections_order": [1, 1]}, "sections_order", "must not contain duplicate section ids"),
        ({}, "sections_order", "field required"),
        ({"sections_order": [1, 2], "name": "x"}, "name", "not changed here: this service changes only sections_order"),
    ],
)
def test_a_malformed_reorder_is_400_naming_the_field_and_changes_nothing(
    dynamodb, lambda_context, body, field, message
):
    create(lambda_context)
    create(lambda_context, {"name": "Week 2"})
    status, headers, problem = reorder(lambda_context, body)
    assert_problem(status, headers, problem, 400)
    assert {"field": field, "message": message} in problem["errors"]
    assert listed_ids(lambda_context) == [1, 2]
    assert not [item for item in dynamodb.scan(TableName=COURSES_TABLE)["Items"] if item["sk"] == {"S": "ORDER"}]


@pytest.mark.parametrize("order", [[1], [1, 2, 3], [2, 7], []])
def test_an_order_that_does_not_name_exactly_the_sections_is_409_with_the_current_order(
    dynamodb, lambda_context, order
):
    for name in ("A", "B"):
        create(lambda_context, {"name": name})
    reorder(lambda_context, {"sections_order": [2, 1]})
    status, headers, problem = reorder(lambda_context, {"sections_order": order})
    assert_problem(status, headers, problem, 409)
    assert problem["type"] == "urn:course-api:problem:sections-order-mismatch"
    assert problem["sections_order"] == [2, 1]
    assert listed_ids(lambda_context) == [2, 1]


def test_who_may_reorder(dynamodb, lambda_context):
    create(lambda_context)
    assert_problem(*reorder(lambda_context, {"sections_order": [1]}, groups="[course:2:manager]"), 403)
    assert_problem(*reorder(lambda_context, {"sections_order": [1]}, sub=None), 401)
    creator = reorder(lambda_context, {"sections_order": [1]}, groups="[course:1:creator]")
    assert creator[0] == 200
    set_course_deleted(dynamodb, 1)
    assert_problem(*reorder(lambda_context, {"sections_order": [1]}), 404)
    missing = reorder(lambda_context, {"sections_order": []}, course="77", groups="[course:77:manager]")
    assert_problem(*missing, 404)
