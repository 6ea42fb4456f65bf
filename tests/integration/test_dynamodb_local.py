"""On AWS's own engine, DynamoDB Local: what moto cannot show.

moto ignores ClientRequestToken; DynamoDB Local honours it as DynamoDB does (a repeat within ten
minutes succeeds without applying twice; the same token with another request is refused). So the
case "the transaction committed, its answer was lost, botocore retried" runs end to end here.
DynamoDB Local, like moto, applies requests one at a time and never produces transaction conflicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.retries.standard import ExponentialBackoff

from localdev.dynamodb import create_tables, dynamodb_client, seed_demo_courses
from localdev.dynamodb_local import DynamoDBLocal
from localdev.template import local_template
from sections.wiring import dependencies
from tests.conftest import assert_problem, call, course_item, make_event, section_items
from tests.integration.faults import FaultInjector, committed_but_answer_lost


@pytest.fixture(scope="module")
def dynamodb_local() -> Iterator[str]:
    server = DynamoDBLocal().start()
    yield server.endpoint
    server.stop()


@pytest.fixture
def local_table(dynamodb_local: str, monkeypatch: pytest.MonkeyPatch, reset_dependencies: None) -> Any:
    client = dynamodb_client(dynamodb_local)
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    create_tables(client, local_template())
    seed_demo_courses(client, "CoursesTable")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local)
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    return client


def test_a_create_on_dynamodb_local(local_table, lambda_context):
    status, headers, body = call(make_event(), lambda_context)
    assert (status, body["id"], headers["Location"]) == (201, 1, "/api/v2/course/1/section/1/")
    assert [item["section_id"] for item in section_items(local_table)] == [{"N": "1"}]
    assert course_item(local_table)["sections_order"] == {"L": [{"N": "1"}]}
    assert_problem(*call(make_event(course="4", groups="[course:4:manager]"), lambda_context), 404)


def test_a_committed_transaction_whose_answer_was_lost_gives_one_section_and_a_201(local_table, lambda_context):
    faults = FaultInjector(dependencies().sections._client)
    faults.on("TransactWriteItems", 1, committed_but_answer_lost())
    status, headers, body = call(make_event(), lambda_context)
    assert (status, body["id"], headers["Location"]) == (201, 1, "/api/v2/course/1/section/1/")
    assert faults.attempts["TransactWriteItems"] == 2, "botocore resent it"
    tokens = {
        request["ClientRequestToken"] for operation, request in faults.bodies if operation == "TransactWriteItems"
    }
    assert len(tokens) == 1
    assert [item["section_id"] for item in section_items(local_table)] == [{"N": "1"}], "one section, not two"
    assert course_item(local_table)["sections_order"] == {"L": [{"N": "1"}]}, "appended once"


def test_dynamodb_local_refuses_a_token_reused_for_another_request(local_table):
    """The behaviour the function relies on, shown on AWS's engine: a token names one request."""

    def transaction(name: str) -> dict[str, Any]:
        item = {"course_id": {"N": "1"}, "sk": {"S": "SECTION#9999999999"}, "name": {"S": name}}
        return {
            "ClientRequestToken": "the-same-token",
            "TransactItems": [{"Put": {"TableName": "CoursesTable", "Item": item}}],
        }

    local_table.transact_write_items(**transaction("first"))
    local_table.transact_write_items(**transaction("first"))  # the same request again: success, applied once
    with pytest.raises(ClientError) as refused:
        local_table.transact_write_items(**transaction("second"))
    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert [item["name"] for item in section_items(local_table)] == [{"S": "first"}]
