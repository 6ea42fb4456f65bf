"""Delete a section (DELETE .../section/{section_id}/), on moto."""

import pytest
from botocore.stub import Stubber

from localdev.functions import handler_module
from sections.repository import COURSE_SK
from sections.wiring import dependencies
from tests.support import (
    assert_problem,
    create,
    make_event,
    request,
    stored_section_ids,
)


@pytest.mark.parametrize("trailing_slash", [True, False])
def test_delete_is_204_without_a_body_and_a_second_delete_is_404(dynamodb, lambda_context, trailing_slash):
    create(lambda_context)
    second = create(lambda_context, {"name": "Week 2"})
    event = make_event(method="DELETE", section="1", body=None, trailing_slash=trailing_slash)
    response = handler_module("ChangeSectionFunction").lambda_handler(event, lambda_context)
    assert response["statusCode"] == 204
    assert response["body"] == ""
    assert stored_section_ids(dynamodb) == [2]
    assert request(lambda_context, "GET")[2] == [second]
    status, headers, body = request(lambda_context, "DELETE", section=1)
    assert_problem(status, headers, body, 404)
    assert body["type"] == "urn:course-api:problem:section-not-found"


def test_a_deleted_id_is_never_handed_out_again(dynamodb, lambda_context):
    create(lambda_context)
    assert request(lambda_context, "DELETE", section=1)[0] == 204
    assert create(lambda_context)["id"] == 2


def cancelled_delete(stubber: Stubber, section_check: str, course_check: str, retry_attempts: int) -> None:
    """The delete's transaction, cancelled with these reasons for its two actions (the section's, the course's)."""
    stubber.add_client_error(
        "transact_write_items",
        "TransactionCanceledException",
        "Transaction cancelled",
        400,
        response_meta={"RetryAttempts": retry_attempts},
        modeled_fields={"CancellationReasons": [{"Code": section_check}, {"Code": course_check}]},
    )


def test_a_delete_whose_resend_finds_the_item_gone_is_204(dynamodb, lambda_context):
    """botocore resent the delete (RetryAttempts > 0) to a store that kept no token: the missing item is its
    own first attempt's work."""
    create(lambda_context)
    client = dependencies().client
    with Stubber(client) as stubber:
        stubber.add_response("get_item", {"Item": {"sk": {"S": COURSE_SK}}})
        stubber.add_response("query", {"Items": []})  # the section's lessons: none
        cancelled_delete(stubber, "ConditionalCheckFailed", "None", retry_attempts=1)
        status, _, body = request(lambda_context, "DELETE", section=1)
    assert (status, body) == (204, None)


@pytest.mark.parametrize(
    ("section_check", "course_check", "problem"),
    [("ConditionalCheckFailed", "None", "section-not-found"), ("None", "ConditionalCheckFailed", "course-not-found")],
)
def test_a_delete_names_what_its_transaction_did_not_find(
    dynamodb, lambda_context, section_check, course_check, problem
):
    create(lambda_context)
    client = dependencies().client
    with Stubber(client) as stubber:
        stubber.add_response("get_item", {"Item": {"sk": {"S": COURSE_SK}}})
        stubber.add_response("query", {"Items": []})  # the section's lessons: none
        cancelled_delete(stubber, section_check, course_check, retry_attempts=0)
        status, headers, body = request(lambda_context, "DELETE", section=1)
    assert_problem(status, headers, body, 404)
    assert body["type"] == f"urn:course-api:problem:{problem}"
