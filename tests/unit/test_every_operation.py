"""What every operation on a section shares, on moto: ids, missing courses, roles, contention, throttling, routes."""

import pytest
from botocore.stub import Stubber

from sections.repository import COURSE_SK
from sections.wiring import dependencies
from tests.support import (
    BAD_ID,
    WEEK_1,
    assert_problem,
    call,
    create,
    make_event,
    request,
    section_items,
    set_course_deleted,
    stored_section_ids,
)


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
    assert stored_section_ids(dynamodb) == [1]


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
    assert stored_section_ids(dynamodb) == [1]
    assert request(lambda_context, method, section=section, body={"name": "x"}, groups=None)[0] == 403
    assert request(lambda_context, method, section=section, body={"name": "x"}, groups="[course:1:creator]")[0] < 300
    monkeypatch.setenv("ADMIN_GROUP", "platform-admins")
    dependencies.cache_clear()
    if method == "DELETE":
        create(lambda_context)
        section = 2
    assert request(lambda_context, method, section=section, body={"name": "y"}, groups="[platform-admins]")[0] < 300


HELD = "held by a transaction"
# A plain write on a held item gets TransactionConflictException; a transaction is cancelled with the reason
# TransactionConflict for that item (AWS, "Transaction conflict handling in DynamoDB").
WRITES_MEETING_A_HOLD = {
    "PATCH": ("update_item", "TransactionConflictException", {}, {"Attributes": {"section_id": {"N": "1"}}}),
    "DELETE": (
        "transact_write_items",
        "TransactionCanceledException",
        {"CancellationReasons": [{"Code": "TransactionConflict", "Message": HELD}, {"Code": "None"}]},
        {},
    ),
}


@pytest.mark.parametrize("method", WRITES_MEETING_A_HOLD)
def test_a_write_waits_out_another_writers_transaction(dynamodb, lambda_context, method):
    create(lambda_context)
    operation, code, fields, answer = WRITES_MEETING_A_HOLD[method]
    client = dependencies().client
    with Stubber(client) as stubber:
        stubber.add_response("get_item", {"Item": {"sk": {"S": COURSE_SK}}})
        if method == "DELETE":
            stubber.add_response("query", {"Items": []})  # the section's lessons, which its delete takes with it
        stubber.add_client_error(operation, code, HELD, 400, modeled_fields=fields)
        stubber.add_response(operation, answer)
        status, _, _ = request(lambda_context, method, section=1, body={"name": "x"} if method == "PATCH" else None)
        stubber.assert_no_pending_responses()
    assert status == (200 if method == "PATCH" else 204)


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
