"""List, read, replace, patch and delete through the functions API Gateway routes them to, on moto."""

import base64
import json
from urllib.parse import urlencode

import pytest
from botocore.stub import Stubber

from localdev.functions import handler_module
from sections.repository import COURSE_SK, section_sk
from sections.wiring import dependencies
from tests.support import (
    COURSES_TABLE,
    assert_problem,
    call,
    make_event,
    section_items,
    sections_order,
    set_course_deleted,
)

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


@pytest.mark.parametrize("trailing_slash", [True, False])
def test_list_returns_the_sections_in_order_and_an_empty_course_as_an_empty_array(
    dynamodb, lambda_context, trailing_slash
):
    assert request(lambda_context, "GET", trailing_slash=trailing_slash)[::2] == (200, [])
    first = create(lambda_context)
    second = create(lambda_context, {"name": "Week 2"})
    status, headers, listed = request(lambda_context, "GET", trailing_slash=trailing_slash)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert listed == [first, second]
    assert [section["id"] for section in listed] == sections_order(dynamodb)
    assert list(listed[1]) == ["id", "name", "dripped_at", "drip_delay", "lessons_order"]


def test_list_follows_dynamodb_pages(dynamodb, lambda_context):
    # Sections of ~200 KB each pass DynamoDB's 1 MB page, so the Query needs a second page.
    for number in range(6):
        add_section(dynamodb, 1, number + 1, name="S" + "x" * 200_000)
    status, _, listed = request(lambda_context, "GET")
    assert status == 200
    assert [section["id"] for section in listed] == [1, 2, 3, 4, 5, 6]


def add_section(client, course_id, section_id, name):
    """A section another writer stored: only the attributes this test needs."""
    client.put_item(
        TableName=COURSES_TABLE,
        Item={
            "course_id": {"N": str(course_id)},
            "sk": {"S": section_sk(section_id)},
            "section_id": {"N": str(section_id)},
            "name": {"S": name},
        },
    )


@pytest.mark.parametrize("trailing_slash", [True, False])
def test_read_returns_the_section(dynamodb, lambda_context, trailing_slash):
    created = create(lambda_context)
    status, headers, section = request(lambda_context, "GET", section=created["id"], trailing_slash=trailing_slash)
    assert (status, section) == (200, {"id": 1, **WEEK_1})
    assert headers["Content-Type"] == "application/json"


def test_read_of_an_unknown_section_is_404_section_not_found(dynamodb, lambda_context):
    create(lambda_context)
    status, headers, body = request(lambda_context, "GET", section=2)
    assert_problem(status, headers, body, 404)
    assert body["type"] == "urn:course-api:problem:section-not-found"


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    ("section_id", "rule"),
    [
        ("0", "must be 1 or more"),
        ("abc", BAD_ID),
        ("01", "must be written without a leading zero (1)"),
        ("9007199254740992", BAD_ID),
        ("1.5", BAD_ID),
        ("-1", BAD_ID),
    ],
)
def test_a_bad_section_id_is_400_naming_section_id(dynamodb, lambda_context, method, section_id, rule):
    create(lambda_context)
    status, headers, body = request(lambda_context, method, section=section_id, body={"name": "x"})
    assert_problem(status, headers, body, 400)
    assert body["errors"] == [{"field": "section_id", "message": rule}]
    assert sections_order(dynamodb) == [1]


def test_a_section_id_the_resolver_cannot_route_is_still_400_naming_section_id(dynamodb, lambda_context):
    status, headers, body = request(lambda_context, "GET", section='1"')
    assert_problem(status, headers, body, 400)
    assert body["errors"] == [{"field": "section_id", "message": BAD_ID}]


@pytest.mark.parametrize(("method", "section"), [("GET", None), ("GET", 1), ("PUT", 1), ("PATCH", 1), ("DELETE", 1)])
def test_every_operation_answers_a_missing_or_deleted_course_with_404(dynamodb, lambda_context, method, section):
    create(lambda_context, course="2")
    set_course_deleted(dynamodb, 2)
    for course in ("2", "99"):
        status, headers, body = request(
            lambda_context,
            method,
            course=course,
            section=section,
            body={"name": "x"},
            groups=f"[course:{course}:manager]",
        )
        assert_problem(status, headers, body, 404)
        assert body["type"] == "urn:course-api:problem:course-not-found"
    set_course_deleted(dynamodb, 2, deleted=False)
    assert [item["name"] for item in section_items(dynamodb, 2)] == [{"S": "Week 1"}], "nothing changed"


@pytest.mark.parametrize(("method", "section"), [("GET", None), ("GET", 1), ("PUT", 1), ("PATCH", 1), ("DELETE", 1)])
def test_every_operation_refuses_another_courses_manager_and_allows_creator_and_admin(
    dynamodb, lambda_context, monkeypatch, method, section
):
    create(lambda_context)
    status, headers, body = request(
        lambda_context, method, section=section, body={"name": "x"}, groups="[course:2:manager]"
    )
    assert_problem(status, headers, body, 403)
    assert sections_order(dynamodb) == [1]
    assert request(lambda_context, method, section=section, body={"name": "x"}, groups=None)[0] == 403
    assert request(lambda_context, method, section=section, body={"name": "x"}, groups="[course:1:creator]")[0] < 300
    monkeypatch.setenv("ADMIN_GROUP", "platform-admins")
    dependencies.cache_clear()
    if method == "DELETE":
        create(lambda_context)
        section = 2
    assert request(lambda_context, method, section=section, body={"name": "y"}, groups="[platform-admins]")[0] < 300


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
    assert sections_order(dynamodb) == [1]


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


@pytest.mark.parametrize("trailing_slash", [True, False])
def test_delete_is_204_without_a_body_and_a_second_delete_is_404(dynamodb, lambda_context, trailing_slash):
    create(lambda_context)
    second = create(lambda_context, {"name": "Week 2"})
    event = make_event(method="DELETE", section="1", body=None, trailing_slash=trailing_slash)
    response = handler_module("ChangeSectionFunction").lambda_handler(event, lambda_context)
    assert response["statusCode"] == 204
    assert response["body"] == ""
    assert sections_order(dynamodb) == [2]
    assert request(lambda_context, "GET")[2] == [second]
    status, headers, body = request(lambda_context, "DELETE", section=1)
    assert_problem(status, headers, body, 404)
    assert body["type"] == "urn:course-api:problem:section-not-found"


def test_a_deleted_id_is_never_handed_out_again(dynamodb, lambda_context):
    create(lambda_context)
    assert request(lambda_context, "DELETE", section=1)[0] == 204
    assert create(lambda_context)["id"] == 2


def test_a_write_waits_out_another_writers_transaction_on_the_section(dynamodb, lambda_context):
    create(lambda_context)
    client = dependencies().client
    with Stubber(client) as stubber:
        stubber.add_response("get_item", {"Item": {"sk": {"S": COURSE_SK}}})
        stubber.add_client_error("delete_item", "TransactionConflictException", "held by a transaction", 400)
        stubber.add_response("delete_item", {})
        status, _, _ = request(lambda_context, "DELETE", section=1)
        stubber.assert_no_pending_responses()
    assert status == 204


def test_a_delete_whose_resend_finds_the_item_gone_is_204(dynamodb, lambda_context):
    """botocore resent the delete (RetryAttempts > 0): the missing item is its own first attempt's work."""
    create(lambda_context)
    client = dependencies().client
    with Stubber(client) as stubber:
        stubber.add_response("get_item", {"Item": {"sk": {"S": COURSE_SK}}})
        stubber.add_client_error(
            "delete_item",
            "ConditionalCheckFailedException",
            "The conditional request failed",
            400,
            response_meta={"RetryAttempts": 1},
        )
        status, _, body = request(lambda_context, "DELETE", section=1)
    assert (status, body) == (204, None)


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PATCH", {"name": "x"}), ("DELETE", None)])
def test_throttling_past_retries_is_503_with_retry_after(dynamodb, lambda_context, method, body):
    create(lambda_context)
    client = dependencies().client
    with Stubber(client) as stubber:
        stubber.add_client_error("get_item", "ProvisionedThroughputExceededException", "slow down", 400)
        status, headers, problem = request(lambda_context, method, section=1, body=body)
    assert_problem(status, headers, problem, 503)
    assert headers["Retry-After"] == "1"
    assert request(lambda_context, "GET", section=1)[2] == {"id": 1, **WEEK_1}


@pytest.mark.parametrize(
    ("method", "section", "allow"),
    [("POST", 1, "DELETE, GET, PATCH, PUT"), ("PUT", None, "GET, POST"), ("DELETE", None, "GET, POST")],
)
def test_a_method_the_path_does_not_answer_is_405_listing_what_it_does(
    dynamodb, lambda_context, method, section, allow
):
    status, headers, body = request(lambda_context, method, section=section, body={"name": "x"})
    assert_problem(status, headers, body, 405)
    assert headers["Allow"] == allow


def test_a_path_under_the_course_that_is_not_ours_is_404(dynamodb, lambda_context):
    event = make_event(method="GET")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/v2/course/1/lessons/"
    status, headers, body = call(event, lambda_context)
    assert_problem(status, headers, body, 404)
    assert body["type"] == "urn:course-api:problem:not-found"


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


def reorder(lambda_context, body, course="1", trailing_slash=True, **options):
    payload = body if isinstance(body, str) else json.dumps(body)
    event = make_event(
        method="PATCH", course=course, body=payload, course_path=True, trailing_slash=trailing_slash, **options
    )
    return call(event, lambda_context)


def listed_ids(lambda_context, course="1"):
    event = make_event(method="GET", course=course, body=None, groups=f"[course:{course}:manager]")
    return [section["id"] for section in call(event, lambda_context)[2]]


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
