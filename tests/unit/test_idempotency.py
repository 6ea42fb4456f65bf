"""Idempotency-Key: replay, mismatch, in-flight, scope, and the header's syntax."""

import json

import pytest

from localdev.functions import CREATE_SECTION_FUNCTION, handler_module
from sections.idempotency_key import parse_idempotency_key
from sections.problems import InvalidRequest
from tests.support import assert_problem, call, make_event, section_items, set_course_deleted, stored_section_ids

# The create function's handler, loaded as every test loads a function (localdev.functions.handler_module).
lambda_handler = handler_module(CREATE_SECTION_FUNCTION).lambda_handler


def keyed(key='"retry-1"', **kwargs):
    headers = kwargs.pop("headers", {})
    return make_event(headers={"idempotency-key": key, **headers}, **kwargs)


@pytest.mark.parametrize(
    ("raw", "key"),
    [("abc", "abc"), ('"abc"', "abc"), ('"a b"', "a b"), ('"q\\"x"', 'q"x'), ("x" * 255, "x" * 255), (" abc ", "abc")],
)
def test_valid_keys(raw, key):
    assert parse_idempotency_key(raw) == key


@pytest.mark.parametrize(
    "raw", ["", '""', "x" * 256, '"' + "x" * 256 + '"', "a b", "caf\u00e9", '"open', "tab\tkey", '"bad\\n"']
)
def test_invalid_keys_are_400(raw):
    with pytest.raises(InvalidRequest) as raised:
        parse_idempotency_key(raw)
    assert raised.value.errors[0].field == "Idempotency-Key"


def test_no_header_means_no_idempotency():
    assert parse_idempotency_key(None) is None


def test_same_key_and_body_replays_the_original_response(dynamodb, lambda_context):
    first = lambda_handler(keyed(), lambda_context)
    second = lambda_handler(keyed(), lambda_context)
    assert first["statusCode"] == second["statusCode"] == 201
    assert first["body"] == second["body"]
    assert first["headers"]["Location"] == second["headers"]["Location"] == "/api/v2/course/1/section/1/"
    assert len(section_items(dynamodb)) == 1
    assert stored_section_ids(dynamodb) == [1]


def test_equivalent_json_and_form_bodies_are_the_same_request(dynamodb, lambda_context):
    json_status = call(keyed(body='{"name": "Intro", "lessons_order": [1, 2]}'), lambda_context)
    form = keyed(body="name=Intro&lessons_order=1,2", content_type="application/x-www-form-urlencoded")
    assert call(form, lambda_context) == json_status
    assert len(section_items(dynamodb)) == 1


def test_same_key_with_a_different_body_is_422(dynamodb, lambda_context):
    call(keyed(body='{"name": "A"}'), lambda_context)
    status, headers, body = call(keyed(body='{"name": "B"}'), lambda_context)
    assert_problem(status, headers, body, 422)
    assert [item["name"]["S"] for item in section_items(dynamodb)] == ["A"]


def test_keys_are_scoped_per_caller_and_per_course(dynamodb, lambda_context):
    mine = call(keyed(sub="alice"), lambda_context)
    theirs = call(keyed(sub="bob"), lambda_context)
    other_course = call(keyed(course="2", groups="[course:1:manager course:2:manager]", sub="alice"), lambda_context)
    assert mine[2]["id"] == 1 and theirs[2]["id"] == 2  # bob's request created its own section
    assert other_course[1]["Location"] == "/api/v2/course/2/section/1/"
    assert len(section_items(dynamodb)) == 2


def test_no_key_creates_a_new_section_each_time(dynamodb, lambda_context):
    assert [call(make_event(), lambda_context)[2]["id"] for _ in range(2)] == [1, 2]


def test_key_in_flight_is_409(dynamodb, lambda_context, monkeypatch):
    from sections.wiring import dependencies

    repository = dependencies().sections
    original = repository.create
    answers = []

    def create_while_retried(*args, **kwargs):
        answers.append(call(keyed(), lambda_context))  # the client retries before the first answer
        return original(*args, **kwargs)

    monkeypatch.setattr(repository, "create", create_while_retried)
    status, _, _ = call(keyed(), lambda_context)
    assert status == 201
    (retried,) = answers
    assert_problem(*retried, 409)
    assert len(section_items(dynamodb)) == 1


def test_failed_create_does_not_block_a_retry_with_the_same_key(dynamodb, lambda_context):
    set_course_deleted(dynamodb, 1)
    assert call(keyed(), lambda_context)[0] == 404
    set_course_deleted(dynamodb, 1, deleted=False)
    assert call(keyed(), lambda_context)[0] == 201


def test_invalid_key_is_400_and_writes_nothing(dynamodb, lambda_context):
    status, headers, body = call(keyed(key="x" * 300), lambda_context)
    assert_problem(status, headers, body, 400)
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert section_items(dynamodb) == []


def test_idempotency_records_expire_after_24_hours(dynamodb, lambda_context):
    call(keyed(), lambda_context)
    (record,) = dynamodb.scan(TableName="IdempotencyTable")["Items"]
    assert record["status"]["S"] == "COMPLETED"
    replay = json.loads(record["data"]["S"])
    assert replay["id"] == 1
    ttl = int(record["expiration"]["N"])
    import time

    assert 86_000 < ttl - time.time() <= 86_400


def test_replay_after_the_course_was_deleted_is_the_original_answer(dynamodb, lambda_context):
    """Found by the stateful test: a retry gets the original 201; a new request gets 404."""
    first = call(keyed(), lambda_context)
    set_course_deleted(dynamodb, 1)
    assert call(keyed(), lambda_context) == first
    assert call(keyed(key="another-key"), lambda_context)[0] == 404
    assert len(section_items(dynamodb)) == 1
