"""RoleSource=table on DynamoDB Local behind the conflict double: the staff check rides on the request each
operation already makes, so it is retried as that request is, and a removed manager is refused at once.

Also what each operation costs in requests and capacity units, token against table (docs/performance.md).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

import pytest
from botocore.retries.standard import ExponentialBackoff

from localdev.dynamodb import put_course
from sections.wiring import dependencies
from tests.integration.faults import FaultInjector, side_effect, throttled, transaction_conflict
from tests.support import (
    COURSES_TABLE,
    STAFF_THAT_GRANTS_NOTHING,
    assert_problem,
    assert_staff_grants_nothing,
    call,
    course_item,
    course_service_holding,
    make_event,
    section_items,
)

COURSE = 7
FORBIDDEN_DETAIL = "You are not a manager or creator of this course."


def staff_course(client: Any, *managers: str) -> None:
    staff = {"creator-1": "creator", **{sub: "manager" for sub in managers}}
    put_course(client, COURSES_TABLE, COURSE, name="Staffed", course_type="structured", staff=staff)


@pytest.fixture
def table_roles(server_dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ROLE_SOURCE", "table")
    dependencies.cache_clear()
    staff_course(server_dynamodb, "m1")
    return server_dynamodb


@pytest.fixture
def faults(table_roles: Any, monkeypatch: pytest.MonkeyPatch) -> FaultInjector:
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)  # botocore's policy, no sleeps
    return FaultInjector(dependencies().sections._client)


def send(lambda_context: Any, sub: str, method: str = "POST", **options: Any) -> tuple[int, dict[str, str], Any]:
    body = options.pop("body", {"name": "Week"} if method in ("POST", "PUT") else None)
    event = make_event(
        method=method,
        course=str(COURSE),
        sub=sub,
        groups="[]",
        body=None if body is None else json.dumps(body),
        **options,
    )
    return call(event, lambda_context)


@pytest.mark.parametrize("staff", STAFF_THAT_GRANTS_NOTHING.values(), ids=STAFF_THAT_GRANTS_NOTHING)
def test_only_the_roles_the_api_names_grant_on_aws_own_engine(table_roles, lambda_context, staff):
    """DynamoDB Local: a projection or a condition through a staff that is not a map finds nothing (no error)."""
    section = send(lambda_context, "m1")[2]["id"]
    assert_staff_grants_nothing(table_roles, lambda_context, COURSE, section, staff)


def test_a_staff_check_that_meets_a_conflict_or_a_throttle_is_retried_with_its_write(
    faults, table_roles, lambda_context
):
    faults.on("UpdateItem", 1, transaction_conflict()).on("UpdateItem", 2, throttled())
    status, _, created = send(lambda_context, "m1")
    assert (status, created["id"]) == (201, 1)
    assert faults.attempts["UpdateItem"] == 3
    faults.reset()
    faults.on("GetItem", 1, throttled())
    assert send(lambda_context, "m1", "GET", section="1")[0] == 200
    assert faults.attempts["GetItem"] == 3, "the course item's read twice, then the section's"


@pytest.mark.parametrize(("sub", "status"), [("m1", 503), ("m2", 503)])
def test_a_staff_check_that_is_throttled_on_every_attempt_is_503_never_500(
    faults, table_roles, lambda_context, sub, status
):
    faults.always("UpdateItem", throttled()).always("GetItem", throttled())
    for method in ("POST", "GET"):
        answer = send(lambda_context, sub, method)
        assert_problem(*answer, status)
        assert answer[1]["Retry-After"] == "1"
    assert section_items(table_roles, COURSE) == []


def test_a_stranger_meeting_the_course_services_transactions_gets_403_and_a_manager_201(
    table_roles, conflict_proxy, lambda_context
):
    """The course item is held by another writer's transactions: the conditional UpdateItem waits them out,
    and what it then finds decides, never a 409 or a 500 that says the course exists."""
    conflicts_before = conflict_proxy.conflicts
    with course_service_holding(conflict_proxy, COURSE):
        answers = [send(lambda_context, sub) for sub in ("m2", "m1", "m2", "m1", "m2", "m1")]
    assert [answer[0] for answer in answers] == [403, 201, 403, 201, 403, 201]
    assert {answer[2]["detail"] for answer in answers[::2]} == {FORBIDDEN_DETAIL}
    assert conflict_proxy.conflicts > conflicts_before, "the staff checks met the course service's transactions"
    assert [item["created_by"] for item in section_items(table_roles, COURSE)] == [{"S": "m1"}] * 3


def test_a_manager_removed_between_the_reorders_read_and_its_transaction_is_refused_by_the_transaction(
    faults, table_roles, lambda_context
):
    """The reorder's ConditionCheck carries the staff check: the removal between the two is seen, and answered 403."""
    send(lambda_context, "m1")
    faults.on("TransactWriteItems", 1, side_effect(lambda: staff_course(table_roles)))
    status, headers, problem = send(lambda_context, "m1", "PATCH", course_path=True, body={"sections_order": [1]})
    assert_problem(status, headers, problem, 403)
    assert faults.attempts["TransactWriteItems"] == 1, "answered from the cancellation, not after retries"
    assert "sections_order" not in str(
        table_roles.query(
            TableName=COURSES_TABLE,
            KeyConditionExpression="course_id = :c",
            ExpressionAttributeValues={":c": {"N": str(COURSE)}},
        )["Items"]
    )


def test_a_manager_removed_before_a_create_is_refused_by_its_update_with_nothing_handed_out(
    table_roles, lambda_context
):
    assert send(lambda_context, "m1")[0] == 201
    staff_course(table_roles)  # m1 removed, as the course service would: one write
    status, headers, problem = send(lambda_context, "m1")
    assert_problem(status, headers, problem, 403)
    assert problem["detail"] == FORBIDDEN_DETAIL
    assert course_item(table_roles, COURSE)["section_seq"] == {"N": "1"}


class Costs:
    """Requests and capacity units of each call the function's client makes, as DynamoDB Local reports them."""

    def __init__(self, client: Any):
        self.requests: Counter[str] = Counter()
        self.read_units = self.write_units = 0.0
        client.meta.events.register("provide-client-params.dynamodb.*", self._ask)
        client.meta.events.register("after-call.dynamodb.*", self._add)

    def reset(self) -> None:
        self.requests.clear()
        self.read_units = self.write_units = 0.0

    @staticmethod
    def _ask(params: dict[str, Any], **_: Any) -> None:
        params["ReturnConsumedCapacity"] = "TOTAL"

    def _add(self, parsed: dict[str, Any], event_name: str, **_: Any) -> None:
        operation = event_name.rpartition(".")[2]
        self.requests[operation] += 1
        capacity = parsed.get("ConsumedCapacity") or {}
        units = sum(
            float(entry.get("CapacityUnits") or 0) for entry in (capacity if isinstance(capacity, list) else [capacity])
        )
        if operation in ("GetItem", "Query"):
            self.read_units += units
        else:
            self.write_units += units


OPERATIONS = ["create", "keyed create", "keyed replay", "list", "read", "replace", "patch", "reorder", "delete"]


def costs_per_operation(lambda_context: Any, sub: str, groups: str) -> dict[str, tuple[int, float, float]]:
    """Each operation once, on a course that starts empty: (requests, read units, write units)."""
    costs = Costs(dependencies().sections._client)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    created: list[int] = []

    def steps(name: str) -> tuple[str, dict[str, Any]]:
        first, second = [*created, 0, 0][:2]
        return {
            "create": ("POST", {}),
            "keyed create": ("POST", {"headers": key}),
            "keyed replay": ("POST", {"headers": key}),
            "list": ("GET", {}),
            "read": ("GET", {"section": str(first)}),
            "replace": ("PUT", {"section": str(first)}),
            "patch": ("PATCH", {"section": str(first), "body": {"drip_delay": "7"}}),
            "reorder": ("PATCH", {"course_path": True, "body": {"sections_order": [second, first]}}),
            "delete": ("DELETE", {"section": str(second)}),
        }[name]

    measured = {}
    for name in OPERATIONS:
        method, options = steps(name)
        costs.reset()
        event = make_event(method=method, course=str(COURSE), sub=sub, groups=groups, **_body(method, options))
        status, _, answer = call(event, lambda_context)
        assert status in (200, 201, 204), (name, status, answer)
        if name in ("create", "keyed create"):
            created.append(answer["id"])
        measured[name] = (sum(costs.requests.values()), costs.read_units, costs.write_units)
    return measured


def _body(method: str, options: dict[str, Any]) -> dict[str, Any]:
    body = options.pop("body", {"name": "Week"} if method in ("POST", "PUT") else None)
    return {**options, "body": None if body is None else json.dumps(body)}


@pytest.mark.parametrize("managers", [1, 50])
def test_table_makes_the_requests_token_makes_but_the_lists_course_read_and_a_keyed_replays(
    server_dynamodb, dynamodb_local, monkeypatch, lambda_context, capsys, managers
):
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local)  # AWS's engine itself, for its units
    subs = [str(uuid.uuid4()) for _ in range(managers)]
    measured = {}
    for mode in ("token", "table"):
        monkeypatch.setenv("ROLE_SOURCE", mode)
        dependencies.cache_clear()
        staff_course(server_dynamodb, *subs)
        for item in section_items(server_dynamodb, COURSE):
            server_dynamodb.delete_item(TableName=COURSES_TABLE, Key={"course_id": item["course_id"], "sk": item["sk"]})
        measured[mode] = costs_per_operation(lambda_context, subs[-1], f"[course:{COURSE}:manager]")
    with capsys.disabled():
        print(f"\n{managers} manager(s): operation, token (requests, read units, write units), table")
        for name in OPERATIONS:
            print(f"  {name:<13} {measured['token'][name]}  {measured['table'][name]}")
    for name in OPERATIONS:
        token, table = measured["token"][name], measured["table"][name]
        extra = 1 if name in ("list", "keyed replay") else 0
        assert table[0] == token[0] + extra, (name, token, table)
        assert table[2] == token[2], (name, "the same write units")
        if not extra:
            assert table[1] == token[1], (name, "the same read units: the staff entry rides in the projection")
