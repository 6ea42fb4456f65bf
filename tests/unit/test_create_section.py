"""The endpoint through lambda_handler, with the template's table under in-process moto."""

import base64
import json

import pytest
from botocore.stub import Stubber

from sections.repository import COURSE_SK, section_sk
from sections.wiring import dependencies
from tests.support import (
    COURSES_TABLE,
    add_course,
    assert_problem,
    call,
    course_item,
    lambda_environment,
    make_event,
    section_items,
    stored_section_ids,
)


def test_creates_section_and_returns_201_with_location(dynamodb, lambda_context):
    # Given a body with a name to trim and a date with an offset
    body = {"name": "  Week 1 ", "dripped_at": "2025-03-01T12:00:00+02:00", "drip_delay": 3, "lessons_order": [5, 2]}

    # When a manager creates it
    status, headers, created = call(make_event(body=json.dumps(body)), lambda_context)

    # Then the answer is the section as stored, at its URL
    assert status == 201
    assert created == {
        "id": 1,
        "name": "Week 1",
        "dripped_at": "2025-03-01T10:00:00Z",
        "drip_delay": 3,
        "lessons_order": [5, 2],
    }
    assert headers["Location"] == "/api/v2/course/1/section/1/"
    assert headers["Content-Type"] == "application/json"

    # and the table holds one section item with the first id, and the course's counter moved once
    (item,) = section_items(dynamodb)
    assert item["sk"] == {"S": section_sk(1)}
    assert item["section_id"] == {"N": "1"}
    assert item["name"] == {"S": "Week 1"}
    assert item["dripped_at"] == {"S": "2025-03-01T10:00:00Z"}
    assert item["drip_delay"] == {"N": "3"}
    assert item["lessons_order"] == {"L": [{"N": "5"}, {"N": "2"}]}
    assert item["created_by"] == {"S": "user-123"}
    assert item["created_at"]["S"].endswith("Z")
    course = course_item(dynamodb)
    assert course["section_seq"] == {"N": "1"}
    assert "sections_order" not in course, "the order is the section items; the course item does not grow"
    assert stored_section_ids(dynamodb) == [1]


def test_defaults_are_returned_as_all_five_keys(dynamodb, lambda_context):
    status, _, created = call(make_event(body='{"name": "Intro", "id": 77}'), lambda_context)
    assert status == 201
    assert created == {"id": 1, "name": "Intro", "dripped_at": None, "drip_delay": 0, "lessons_order": []}
    assert section_items(dynamodb)[0]["dripped_at"] == {"NULL": True}


def test_ids_count_up_per_course_and_the_order_follows_them(dynamodb, lambda_context):
    ids = [call(make_event(), lambda_context)[2]["id"] for _ in range(3)]
    other = call(make_event(course="2", groups="[course:2:creator]"), lambda_context)[2]["id"]
    assert ids == [1, 2, 3]
    assert other == 1
    assert stored_section_ids(dynamodb) == [1, 2, 3]
    assert stored_section_ids(dynamodb, course_id=2) == [1]


def test_path_without_trailing_slash_behaves_identically(dynamodb, lambda_context):
    status, headers, created = call(make_event(trailing_slash=False), lambda_context)
    assert (status, headers["Location"], created["id"]) == (201, "/api/v2/course/1/section/1/", 1)


@pytest.mark.parametrize(
    "groups",
    [
        ["course:1:manager"],  # an array in the token, unflattened
        "[other course:1:creator]",  # API Gateway's flattened form of the token's ["other", "course:1:creator"]
        "course:1:creator",  # a string claim: one group
    ],
)
def test_each_groups_claim_format_grants_the_course(dynamodb, lambda_context, groups):
    assert call(make_event(groups=groups), lambda_context)[0] == 201


def test_a_string_claim_is_one_group_never_split_on_spaces(dynamodb, lambda_context):
    assert call(make_event(groups="other course:1:creator"), lambda_context)[0] == 403


def test_admin_group_when_configured(dynamodb, lambda_context, monkeypatch):
    monkeypatch.setenv("ADMIN_GROUP", "platform-admins")
    dependencies.cache_clear()
    assert call(make_event(course="3", groups="[platform-admins]"), lambda_context)[0] == 201


@pytest.mark.parametrize(
    "event_change",
    [
        lambda e: e["requestContext"].pop("authorizer"),
        lambda e: e["requestContext"]["authorizer"]["jwt"].update(claims={}),
        lambda e: e["requestContext"]["authorizer"]["jwt"]["claims"].pop("sub"),
    ],
    ids=["no-authorizer", "no-claims", "no-sub"],
)
def test_missing_claims_or_sub_is_401(dynamodb, lambda_context, event_change):
    event = make_event()
    event_change(event)
    assert_problem(*call(event, lambda_context), 401)
    assert section_items(dynamodb) == []


def test_deployed_event_without_claims_is_401_even_with_a_bearer_token(dynamodb, lambda_context):
    """The sam-local token path is dead outside SAM local: the token header alone authenticates nothing."""
    event = make_event(headers={"authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln"})
    event["requestContext"].pop("authorizer")
    assert_problem(*call(event, lambda_context), 401)


def test_caller_without_role_for_the_course_is_403(dynamodb, lambda_context):
    status, headers, body = call(make_event(groups="[course:2:manager course:1:student]"), lambda_context)
    assert_problem(status, headers, body, 403)
    assert section_items(dynamodb) == []


def test_403_does_not_reveal_whether_the_course_exists(dynamodb, lambda_context):
    existing = call(make_event(course="1", groups="[course:2:manager]"), lambda_context)
    missing = call(make_event(course="999", groups="[course:2:manager]"), lambda_context)
    assert existing[0] == missing[0] == 403
    assert existing[2]["detail"] == missing[2]["detail"]


def test_403_comes_before_body_validation(dynamodb, lambda_context):
    status, _, _ = call(make_event(groups="[course:2:manager]", body="{", content_type="text/plain"), lambda_context)
    assert status == 403


def test_401_comes_before_path_validation(dynamodb, lambda_context):
    assert call(make_event(course="abc", sub=None), lambda_context)[0] == 401


@pytest.mark.parametrize("course", ["999", "4"], ids=["missing", "deleted"])
def test_missing_or_deleted_course_is_404_and_nothing_is_written(dynamodb, lambda_context, course):
    status, headers, body = call(make_event(course=course, groups=f"[course:{course}:manager]"), lambda_context)
    assert_problem(status, headers, body, 404)
    assert section_items(dynamodb, int(course)) == []
    if course == "4":
        assert course_item(dynamodb, 4)["section_seq"] == {"N": "0"}


def test_a_missing_course_is_never_created(dynamodb, lambda_context):
    call(make_event(course="999", groups="[course:999:manager]"), lambda_context)
    assert "Item" not in dynamodb.get_item(
        TableName=COURSES_TABLE, Key={"course_id": {"N": "999"}, "sk": {"S": COURSE_SK}}
    )


def test_body_is_checked_before_the_course_exists(dynamodb, lambda_context):
    status, _, body = call(make_event(course="999", groups="[course:999:manager]", body="{}"), lambda_context)
    assert status == 400
    assert body["errors"] == [{"field": "name", "message": "field required"}]


def test_invalid_path_id_is_400_naming_id(dynamodb, lambda_context):
    status, headers, body = call(make_event(course="abc"), lambda_context)
    assert_problem(status, headers, body, 400)
    assert [error["field"] for error in body["errors"]] == ["id"]


def test_validation_errors_list_every_field(dynamodb, lambda_context):
    event = make_event(body=json.dumps({"name": "", "drip_delay": True, "lessons_order": ["one"], "colour": "red"}))
    status, headers, body = call(event, lambda_context)
    assert_problem(status, headers, body, 400)
    # An unknown field is ignored (as the platform does); the known ones are all reported.
    assert {error["field"] for error in body["errors"]} == {"name", "drip_delay", "lessons_order[0]"}
    assert section_items(dynamodb) == []
    assert course_item(dynamodb)["section_seq"] == {"N": "0"}


def test_malformed_json_is_400(dynamodb, lambda_context):
    status, headers, body = call(make_event(body='{"name": '), lambda_context)
    assert_problem(status, headers, body, 400)
    assert body["errors"] == [{"field": "body", "message": "malformed JSON"}]


def test_unsupported_content_type_is_415(dynamodb, lambda_context):
    assert_problem(*call(make_event(content_type="text/plain"), lambda_context), 415)


def test_body_over_64_kib_is_413(dynamodb, lambda_context):
    body = json.dumps({"name": "x", "pad": "y" * 70_000})
    assert_problem(*call(make_event(body=body), lambda_context), 413)


def test_form_body(dynamodb, lambda_context):
    event = make_event(
        body="name=Week+2&drip_delay=7&lessons_order=4&lessons_order=9",
        content_type="application/x-www-form-urlencoded",
    )
    status, _, created = call(event, lambda_context)
    assert status == 201
    assert created == {"id": 1, "name": "Week 2", "dripped_at": None, "drip_delay": 7, "lessons_order": [4, 9]}


def test_published_example_request(dynamodb, lambda_context):
    """The platform's own example: a form Content-Type with a JSON body."""
    event = make_event(body='{"name": "string"}', content_type="application/x-www-form-urlencoded")
    status, headers, created = call(event, lambda_context)
    assert status == 201
    assert created["name"] == "string"
    assert headers["Location"] == "/api/v2/course/1/section/1/"


def test_base64_encoded_body(dynamodb, lambda_context):
    encoded = base64.b64encode(json.dumps({"name": "Encoded"}).encode()).decode()
    status, _, created = call(make_event(body=encoded, base64_body=True), lambda_context)
    assert (status, created["name"]) == (201, "Encoded")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/course/1/lessons",
        "/api/v2/course/1/section//",
        "/api/v2/course//section/",
        "/",
        "/api/v2/course/1/section/x/y",
    ],
)
def test_what_default_delivers_on_an_unknown_path_is_a_problem_404(dynamodb, lambda_context, path):
    event = make_event()
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    status, headers, body = call(event, lambda_context)
    assert_problem(status, headers, body, 404)
    assert body["type"] == "urn:course-api:problem:not-found"
    assert section_items(dynamodb) == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE", "HEAD", "post", "Post", "get"])
def test_a_known_path_with_another_method_is_405_with_allow(dynamodb, lambda_context, method):
    for trailing_slash in (True, False):
        event = make_event(trailing_slash=trailing_slash)
        event["requestContext"]["http"]["method"] = method
        status, headers, body = call(event, lambda_context)
        assert_problem(status, headers, body, 405)
        assert headers["Allow"] == "GET, POST"  # the resource's methods, whichever function serves them
        assert body["type"] == "urn:course-api:problem:method-not-allowed"
    assert section_items(dynamodb) == []


@pytest.mark.parametrize(
    "path", ["/api/v2/course/1/section/7/", "/api/v2/course/1/section/7", "/api/v2/course/1/section/x/"]
)
def test_post_on_a_section_is_405_listing_what_a_section_answers(dynamodb, lambda_context, path):
    event = make_event()
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    status, headers, body = call(event, lambda_context)
    assert_problem(status, headers, body, 405)
    assert headers["Allow"] == "DELETE, GET, PATCH, PUT"


def test_a_course_id_the_resolver_cannot_route_is_still_400_naming_id(dynamodb, lambda_context):
    # Powertools' path pattern refuses a quote, so no route takes it; it is still a bad id, not a missing route.
    event = make_event()
    event["rawPath"] = event["requestContext"]["http"]["path"] = '/api/v2/course/1"/section/'
    status, headers, body = call(event, lambda_context)
    assert_problem(status, headers, body, 400)
    assert body["errors"] == [{"field": "id", "message": "must be a positive integer no larger than 9007199254740991"}]


def test_a_lowercase_method_on_an_unknown_path_is_404(dynamodb, lambda_context):
    event = make_event()
    event["requestContext"]["http"]["method"] = "get"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/elsewhere"
    assert_problem(*call(event, lambda_context), 404)


def test_unexpected_error_is_500_without_internals(dynamodb, lambda_context):
    repository = dependencies().sections
    with Stubber(repository._client) as stubber:
        stubber.add_client_error(
            "update_item", "AccessDeniedException", "User arn:aws:iam::1:role/x is not authorized", 400
        )
        status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 500)
    text = json.dumps(body)
    assert "arn:aws" not in text and "AccessDenied" not in text and "Traceback" not in text


def test_throttling_after_retries_is_503_with_retry_after(dynamodb, lambda_context):
    repository = dependencies().sections
    with Stubber(repository._client) as stubber:
        stubber.add_client_error("update_item", "ProvisionedThroughputExceededException", "slow down", 400)
        status, headers, body = call(make_event(), lambda_context)
    assert_problem(status, headers, body, 503)
    assert headers["Retry-After"] == "1"
    assert section_items(dynamodb) == []


def test_logs_carry_request_id_and_never_the_token_or_body(dynamodb, lambda_context, log_output):
    secret_body = json.dumps({"name": "Top secret section name"})
    event = make_event(body=secret_body, headers={"authorization": "Bearer secret-token-value"})
    call(event, lambda_context)
    call(make_event(course="abc", headers={"authorization": "Bearer secret-token-value"}), lambda_context)
    logs = log_output.getvalue()
    assert "secret-token-value" not in logs
    assert "Top secret section name" not in logs
    records = [json.loads(line) for line in logs.splitlines() if line.startswith('{"level"')]
    assert records, "the refusal was logged"
    assert all(record["correlation_id"] == "JKJaXmPLvHcESHA=" for record in records)


def test_metrics_report_created_sections_and_error_classes(dynamodb, lambda_context, capsys):
    call(make_event(), lambda_context)
    call(make_event(groups="[]"), lambda_context)
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    names = {
        definition["Name"] for blob in metrics for m in blob["_aws"]["CloudWatchMetrics"] for definition in m["Metrics"]
    }
    assert {"SectionCreated", "Http4xx"} <= names
    created = next(blob for blob in metrics if "SectionCreated" in blob)
    assert created["service"] == lambda_environment()["POWERTOOLS_SERVICE_NAME"]  # the stack's name
    assert created["SectionCreated"] == [1.0]


def test_second_course_is_independent(dynamodb, lambda_context):
    add_course(dynamodb, 50, course_type="structured")
    status, headers, _ = call(make_event(course="50", groups="[course:50:manager]"), lambda_context)
    assert (status, headers["Location"]) == (201, "/api/v2/course/50/section/1/")


@pytest.mark.parametrize(
    "groups",
    ["[team,course:1:manager]", ["team,course:1:manager"], "[course:1:manager,team other]", ['"course:1:manager"']],
)
def test_a_member_of_a_group_named_like_a_role_gets_403(dynamodb, lambda_context, groups):
    """Group names may hold commas and quotes (Cognito's GroupName pattern), so `team,course:1:manager` is one group."""
    status, headers, body = call(make_event(groups=groups), lambda_context)
    assert_problem(status, headers, body, 403)
    assert section_items(dynamodb) == []


def test_a_5xx_answer_is_counted_where_the_rollback_alarm_looks(dynamodb, lambda_context, capsys, monkeypatch):
    """Function5xxAnswersAlarm rolls a deploy back on this metric: its namespace and dimensions must be the EMF's."""
    from localdev.template import local_template
    from sections.repository import SectionRepository

    def broken(*_args, **_kwargs):
        raise RuntimeError("a defect in the new version")

    monkeypatch.setattr(SectionRepository, "create", broken)
    status, _, body = call(make_event(), lambda_context)
    assert (status, body["type"]) == (500, "urn:course-api:problem:internal-error")
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    (blob,) = [blob for blob in blobs if "Http5xx" in blob]
    (definition,) = blob["_aws"]["CloudWatchMetrics"]
    # Resolved as the functions' environment is (the local stack's name), so both sides name the same stack.
    template = local_template()
    alarm = template.resolve(template.resources["Function5xxAnswersAlarm"]["Properties"])
    assert definition["Namespace"] == alarm["Namespace"]
    assert [metric["Name"] for metric in definition["Metrics"]] == [alarm["MetricName"]]
    assert definition["Dimensions"] == [[dimension["Name"] for dimension in alarm["Dimensions"]]]
    assert {name: blob[name] for name in definition["Dimensions"][0]} == {
        dimension["Name"]: dimension["Value"] for dimension in alarm["Dimensions"]
    }
