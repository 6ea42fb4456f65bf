"""Replace a section (PUT .../section/{section_id}/), on moto."""

import base64
from urllib.parse import urlencode

import pytest

from tests.support import (
    WEEK_1,
    assert_problem,
    call,
    create,
    make_event,
    request,
    section_items,
    stored_section_ids,
)


def test_replace_sets_every_field_and_resets_the_omitted_ones(dynamodb, lambda_context):
    created = create(lambda_context)
    status, headers, replaced = request(
        lambda_context, "PUT", section=created["id"], body={"name": "  Renamed  ", "id": 77}
    )
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert replaced == {"id": 1, "name": "Renamed", "dripped_at": None, "drip_delay": 0, "lessons_order": []}
    assert request(lambda_context, "GET", section=1)[2] == replaced
    (item,) = section_items(dynamodb)
    assert item["dripped_at"] == {"NULL": True}
    assert item["created_by"] == {"S": "user-123"} and item["updated_by"] == {"S": "user-123"}
    assert item["updated_at"]["S"].endswith("Z")
    assert "write_token" in item and "created_at" in item, "what the create wrote stays"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"dripped_at": "2025-03-01T10:00:00Z"}, ["name"]),
        ({"name": "", "colour": "red"}, ["name"]),
        ({"name": "", "drip_delay": -1, "lessons_order": [1, 1]}, ["name", "drip_delay", "lessons_order"]),
        ({"name": None}, ["name"]),
    ],
)
def test_replace_keeps_creates_rules_and_changes_nothing_on_400(dynamodb, lambda_context, body, fields):
    create(lambda_context)
    status, headers, problem = request(lambda_context, "PUT", section=1, body=body)
    assert_problem(status, headers, problem, 400)
    assert [error["field"] for error in problem["errors"]] == fields
    assert request(lambda_context, "GET", section=1)[2] == {"id": 1, **WEEK_1}


def test_replace_and_patch_take_the_documented_form_content_type(dynamodb, lambda_context):
    create(lambda_context)
    form = urlencode([("name", "Form"), ("lessons_order", "3"), ("lessons_order", "4"), ("dripped_at", "")])
    encoded = base64.b64encode(form.encode()).decode()
    event = make_event(
        method="PUT", section="1", body=encoded, base64_body=True, content_type="application/x-www-form-urlencoded"
    )
    status, _, replaced = call(event, lambda_context)
    assert (status, replaced["name"], replaced["lessons_order"], replaced["dripped_at"]) == (200, "Form", [3, 4], None)
    patch = make_event(
        method="PATCH", section="1", body='{"drip_delay": 9}', content_type="application/x-www-form-urlencoded"
    )
    assert call(patch, lambda_context)[2]["drip_delay"] == 9


def test_a_body_that_is_not_json_or_form_is_415(dynamodb, lambda_context):
    create(lambda_context)
    status, headers, body = request(lambda_context, "PATCH", section=1, body="{}", content_type="text/plain")
    assert_problem(status, headers, body, 415)


def test_replace_of_an_unknown_section_is_404_and_creates_nothing(dynamodb, lambda_context):
    create(lambda_context)
    status, headers, body = request(lambda_context, "PUT", section=5, body={"name": "Ghost"})
    assert_problem(status, headers, body, 404)
    assert body["type"] == "urn:course-api:problem:section-not-found"
    assert stored_section_ids(dynamodb) == [1]
