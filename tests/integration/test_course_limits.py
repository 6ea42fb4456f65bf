"""The largest course lists within Lambda's response limit, on DynamoDB Local: every section at every field's
limit (moto takes minutes to serialize the five megabytes of such a course; AWS's engine, seconds)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from awslambdaric.lambda_runtime_marshaller import to_json
from botocore.config import Config

from localdev.functions import handler_module
from localdev.gateway import RESPONSE_PAYLOAD_LIMIT
from sections import wiring
from sections.repository import encode_fields
from sections.request_models import MAX_LESSONS, MAX_NAME_LENGTH
from sections.section import MAX_SAFE_INTEGER, MAX_SECTIONS_PER_COURSE
from tests.support import COURSES_TABLE, make_event, put_section_item

# The text that grows most on its way out: a character outside the Basic Multilingual Plane is written
# as two \\u escapes (12 bytes) in the body, and each of their backslashes is escaped again in Lambda's answer.
WIDEST_CHARACTER = "\U0001d11e"
LARGEST_FIELDS = {
    "name": WIDEST_CHARACTER * MAX_NAME_LENGTH,
    "dripped_at": None,  # replaced below by the longest timestamp the API writes
    "drip_delay": 2**31 - 1,
    "lessons_order": [MAX_SAFE_INTEGER - index for index in range(MAX_LESSONS)],
}


def put_largest_sections(client: Any, course_id: int, count: int) -> None:
    fields = {**LARGEST_FIELDS, "dripped_at": datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)}
    for offset in range(count):
        put_section_item(client, course_id, MAX_SAFE_INTEGER - offset, encode_fields(fields))


def test_the_largest_course_lists_within_lambdas_response_limit(
    server_dynamodb, dynamodb_local, lambda_context, monkeypatch
):
    """Every section at every field's limit, ids at 2^53-1, measured as the Python 3.13 runtime serializes the answer."""
    monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.13")  # the runtime's encoder (ensure_ascii off)
    put_largest_sections(server_dynamodb, 1, MAX_SECTIONS_PER_COURSE)
    # This measures size, not speed: DynamoDB serves a 1 MB page in milliseconds, DynamoDB Local on a busy
    # machine can take longer than the function's 2 s read timeout. So the function reads DynamoDB Local
    # directly, with botocore's default timeout, for this one test.
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local)
    monkeypatch.setattr(wiring, "DYNAMODB_CLIENT_CONFIG", wiring.DYNAMODB_CLIENT_CONFIG.merge(Config(read_timeout=60)))
    wiring.dependencies.cache_clear()

    response = handler_module("ReadSectionsFunction").lambda_handler(
        make_event(method="GET", body=None), lambda_context
    )

    assert response["statusCode"] == 200
    listed = json.loads(response["body"])
    assert len(listed) == MAX_SECTIONS_PER_COURSE
    assert listed[0]["name"] == LARGEST_FIELDS["name"] and len(listed[0]["lessons_order"]) == MAX_LESSONS
    size = len(to_json(response).encode("utf-8"))
    assert size <= RESPONSE_PAYLOAD_LIMIT, f"{size} bytes"
    per_section = size / MAX_SECTIONS_PER_COURSE
    assert size + 10 * per_section <= RESPONSE_PAYLOAD_LIMIT, "room for headers and a field or two more"


def put_largest_lessons(client: Any, course_id: int, count: int) -> None:
    """`count` lessons at every outline field's limit, MAX_LESSONS_PER_SECTION to a section, ids at 2^53-1."""
    from sections.lesson import MAX_LESSONS_PER_SECTION
    from sections.repository import lesson_sk

    for offset in range(count):
        section_id = MAX_SAFE_INTEGER - offset // MAX_LESSONS_PER_SECTION
        lesson_id = MAX_SAFE_INTEGER - offset
        client.put_item(
            TableName=COURSES_TABLE,
            Item={
                "course_id": {"N": str(course_id)},
                "sk": {"S": lesson_sk(section_id, lesson_id)},
                "lesson_id": {"N": str(lesson_id)},
                "section_id": {"N": str(section_id)},
                "type": {"S": "lesson"},
                "name": {"S": WIDEST_CHARACTER * MAX_NAME_LENGTH},
                "status": {"S": "published"},
                "comments_enabled": {"BOOL": False},
                "created_at": {"S": "9999-12-31T23:59:59.999999Z"},
            },
        )


def test_the_largest_outline_answers_within_lambdas_response_limit(
    server_dynamodb, dynamodb_local, lambda_context, monkeypatch
):
    """The largest course with the most lessons a course may have, every one at every field's limit."""
    from sections.lesson import MAX_LESSONS_PER_COURSE

    monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.13")
    put_largest_sections(server_dynamodb, 1, MAX_SECTIONS_PER_COURSE)
    put_largest_lessons(server_dynamodb, 1, MAX_LESSONS_PER_COURSE)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local)
    monkeypatch.setattr(wiring, "DYNAMODB_CLIENT_CONFIG", wiring.DYNAMODB_CLIENT_CONFIG.merge(Config(read_timeout=60)))
    wiring.dependencies.cache_clear()

    event = make_event(method="GET", body=None, course_path=True, query={"view": "edit"})
    response = handler_module("ReadSectionsFunction").lambda_handler(event, lambda_context)

    assert response["statusCode"] == 200, response["body"][:500]
    outline = json.loads(response["body"])
    assert (outline["num_sections"], outline["num_lessons"]) == (MAX_SECTIONS_PER_COURSE, MAX_LESSONS_PER_COURSE)
    size = len(to_json(response).encode("utf-8"))
    per_section = size / MAX_SECTIONS_PER_COURSE
    assert size + 10 * per_section <= RESPONSE_PAYLOAD_LIMIT, f"{size} bytes: room for headers and a field or two more"
