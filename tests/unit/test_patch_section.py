"""Patch a section (PATCH .../section/{section_id}/), on moto."""

import pytest

from sections.repository import COURSE_SK
from tests.support import (
    COURSES_TABLE,
    WEEK_1,
    assert_problem,
    create,
    request,
    section_items,
)


def test_patch_changes_only_the_fields_sent(dynamodb, lambda_context):
    create(lambda_context)
    status, _, patched = request(lambda_context, "PATCH", section=1, body={"drip_delay": 7, "id": 40})
    assert (status, patched) == (200, {**{"id": 1, **WEEK_1}, "drip_delay": 7})
    status, _, patched = request(lambda_context, "PATCH", section=1, body={"dripped_at": None, "name": " New "})
    assert patched == {"id": 1, "name": "New", "dripped_at": None, "drip_delay": 7, "lessons_order": [5, 2]}
    assert request(lambda_context, "GET", section=1)[2] == patched


def test_an_empty_patch_changes_nothing_and_writes_nothing(dynamodb, lambda_context):
    create(lambda_context)
    before = section_items(dynamodb)
    status, _, patched = request(lambda_context, "PATCH", section=1, body={})
    assert (status, patched) == (200, {"id": 1, **WEEK_1})
    assert section_items(dynamodb) == before, "no updated_at, no updated_by"
    assert request(lambda_context, "PATCH", section=2, body={})[0] == 404


@pytest.mark.parametrize(
    "body",
    [{"name": None}, {"name": None, "type": "lesson"}, {"drip_delay": None}, {"lessons_order": None}]
    + [{"drip_delay": text} for text in ("5.5", "seven", "", "-1", "2147483648")],
)
def test_patch_refuses_null_and_wrong_types_where_create_does(dynamodb, lambda_context, body):
    create(lambda_context)
    before = section_items(dynamodb)
    status, headers, problem = request(lambda_context, "PATCH", section=1, body=body)
    assert_problem(status, headers, problem, 400)
    assert [error["field"] for error in problem["errors"]] == [field for field in body if field != "type"]
    assert request(lambda_context, "GET", section=1)[2] == {"id": 1, **WEEK_1}
    assert section_items(dynamodb) == before


def test_a_day_delay_sent_as_text_is_stored_and_answered_as_a_number(dynamodb, lambda_context):
    """The platform's editor sends the delay in days as its input's text: {"drip_delay": "7"}."""
    create(lambda_context)
    status, _, patched = request(lambda_context, "PATCH", section=1, body={"drip_delay": "7"})
    assert (status, patched) == (200, {"id": 1, **WEEK_1, "drip_delay": 7})
    (item,) = section_items(dynamodb)
    assert item["drip_delay"] == {"N": "7"}


EDITOR_EXTRAS = {"type": "lesson", "created_by": "mallory", "section_seq": 99, "deleted": True, "id": 42}


def test_the_editors_bodies_are_accepted_and_their_unknown_fields_change_nothing(dynamodb, lambda_context):
    """The platform's course editor sends {name, type}; fields a section does not have are never stored."""
    created = create(lambda_context, {"name": "Added in the editor", **EDITOR_EXTRAS})
    assert created == {"id": 1, "name": "Added in the editor", "dripped_at": None, "drip_delay": 0, "lessons_order": []}
    status, _, renamed = request(lambda_context, "PATCH", section=1, body={"name": "Renamed", **EDITOR_EXTRAS})
    assert (status, renamed["name"], renamed["id"]) == (200, "Renamed", 1)
    status, _, replaced = request(lambda_context, "PUT", section=1, body={"name": "Replaced", **EDITOR_EXTRAS})
    assert (status, replaced) == (
        200,
        {"id": 1, "name": "Replaced", "dripped_at": None, "drip_delay": 0, "lessons_order": []},
    )
    (item,) = section_items(dynamodb)
    assert not {"type", "section_seq", "deleted", "id"} & set(item)
    assert item["created_by"] == {"S": "user-123"} and item["updated_by"] == {"S": "user-123"}
    course = dynamodb.get_item(TableName=COURSES_TABLE, Key={"course_id": {"N": "1"}, "sk": {"S": COURSE_SK}})["Item"]
    assert course["section_seq"] == {"N": "1"} and course.get("deleted", {"BOOL": False}) == {"BOOL": False}
    assert request(lambda_context, "GET")[2] == [replaced]


def test_dripped_at_takes_what_javascripts_to_iso_string_produces(dynamodb, lambda_context):
    create(lambda_context)
    status, _, patched = request(lambda_context, "PATCH", section=1, body={"dripped_at": "2027-01-15T09:30:00.000Z"})
    assert (status, patched["dripped_at"]) == (200, "2027-01-15T09:30:00Z")
    assert section_items(dynamodb)[0]["dripped_at"] == {"S": "2027-01-15T09:30:00Z"}
