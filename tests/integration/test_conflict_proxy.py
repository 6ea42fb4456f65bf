"""The conflict double, against what AWS documents ("Transaction conflict handling in DynamoDB"):
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from localdev.conflict_proxy import ConflictProxy, key_schemas
from localdev.dynamodb import create_tables, drop_tables
from localdev.template import LOCAL_REGION, local_template
from sections.repository import COURSE_SK, section_sk
from tests.support import COURSES_TABLE

HOLD = 0.6
COURSE = {"course_id": {"N": "1"}, "sk": {"S": COURSE_SK}}
SECTION = {"course_id": {"N": "1"}, "sk": {"S": section_sk(1)}}


@pytest.fixture
def proxy(dynamodb_local) -> Iterator[ConflictProxy]:
    proxy = ConflictProxy(dynamodb_local, key_schemas(local_template().tables()), commit_seconds=HOLD).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def client(proxy) -> Any:
    """One attempt per call, so each answer is the proxy's own."""
    client = boto3.client(
        "dynamodb",
        endpoint_url=proxy.endpoint,
        region_name=LOCAL_REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"total_max_attempts": 1}, read_timeout=5),
    )
    drop_tables(client)
    create_tables(client, local_template())
    client.put_item(TableName=COURSES_TABLE, Item={**COURSE, "section_seq": {"N": "0"}})
    return client


def transaction(token: str | None = None, *items: dict[str, Any]) -> dict[str, Any]:
    """A fresh token unless one is given: DynamoDB (and DynamoDB Local) answers a token it saw in the
    last ten minutes with that transaction's outcome, without applying it again."""
    actions = items or ({"Put": {"TableName": COURSES_TABLE, "Item": {**SECTION, "name": {"S": "held"}}}},)
    return {"ClientRequestToken": token or str(uuid.uuid4()), "TransactItems": list(actions)}


@contextmanager
def held_in_background(proxy: ConflictProxy, call) -> Iterator[None]:
    """`call`'s transaction holds its items for the whole block, however slow the machine, then commits."""
    with proxy.commits_held():
        thread = threading.Thread(target=call)
        thread.start()
        proxy.wait_until_holding()
        yield
    thread.join()


def code_of(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return str(raised.value.response["Error"]["Code"])


def test_requests_that_conflict_with_nothing_pass_through(client):
    client.put_item(TableName=COURSES_TABLE, Item={**SECTION, "name": {"S": "plain"}})
    assert client.get_item(TableName=COURSES_TABLE, Key=SECTION)["Item"]["name"] == {"S": "plain"}
    started = time.monotonic()
    client.transact_write_items(**transaction())
    assert time.monotonic() - started >= HOLD, "a transaction is applied after its commit time"
    assert client.get_item(TableName=COURSES_TABLE, Key=SECTION)["Item"]["name"] == {"S": "held"}


def test_a_plain_write_on_a_held_item_gets_transaction_conflict_exception(client, proxy):
    update = {
        "TableName": COURSES_TABLE,
        "Key": SECTION,
        "UpdateExpression": "SET n = :n",
        "ExpressionAttributeValues": {":n": {"N": "1"}},
    }
    with held_in_background(proxy, lambda: client.transact_write_items(**transaction())):
        assert code_of(lambda: client.update_item(**update)) == "TransactionConflictException"
        assert code_of(lambda: client.put_item(TableName=COURSES_TABLE, Item=SECTION)) == "TransactionConflictException"
        assert (
            code_of(lambda: client.delete_item(TableName=COURSES_TABLE, Key=SECTION)) == "TransactionConflictException"
        )
        client.update_item(
            TableName=COURSES_TABLE,
            Key=COURSE,
            UpdateExpression="ADD section_seq :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
    client.update_item(**update)  # free again once committed
    assert client.get_item(TableName=COURSES_TABLE, Key=SECTION)["Item"]["name"] == {"S": "held"}


def test_a_transaction_on_a_held_item_is_cancelled_with_a_reason_per_action(client, proxy):
    other = {"Put": {"TableName": COURSES_TABLE, "Item": {"course_id": {"N": "2"}, "sk": {"S": COURSE_SK}}}}
    clash = {
        "Update": {
            "TableName": COURSES_TABLE,
            "Key": SECTION,
            "UpdateExpression": "SET n = :n",
            "ExpressionAttributeValues": {":n": {"N": "1"}},
        }
    }
    with (
        held_in_background(proxy, lambda: client.transact_write_items(**transaction())),
        pytest.raises(ClientError) as raised,
    ):
        client.transact_write_items(**transaction(None, other, clash))
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert [reason["Code"] for reason in raised.value.response["CancellationReasons"]] == [
        "None",
        "TransactionConflict",
    ]
    assert "Item" not in client.get_item(TableName=COURSES_TABLE, Key={"course_id": {"N": "2"}, "sk": {"S": COURSE_SK}})


def test_the_same_token_while_its_transaction_is_held_is_in_progress(client, proxy):
    same = transaction()
    with held_in_background(proxy, lambda: client.transact_write_items(**same)):
        assert code_of(lambda: client.transact_write_items(**same)) == "TransactionInProgressException"
    client.transact_write_items(**same)  # after the commit: DynamoDB's idempotent success


def test_a_dropped_answer_was_applied(client, proxy):
    proxy.drop_next_answer("PutItem")
    with pytest.raises((ConnectionClosedError, ReadTimeoutError)):
        client.put_item(TableName=COURSES_TABLE, Item={**SECTION, "name": {"S": "applied"}})
    assert client.get_item(TableName=COURSES_TABLE, Key=SECTION)["Item"]["name"] == {"S": "applied"}
