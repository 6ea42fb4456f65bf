"""Write units per create, as DynamoDB Local reports them (ReturnConsumedCapacity), on the function's own requests.

Before this design every create rewrote the course item twice, and the course item's sections_order
grew with the course: 3 write units at 0-100 sections, 14 at 1,000, 62 at 5,000. Now a create writes
the small course item once and the section item once: the same at 0 and at 1,000 sections.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sections.repository import COURSE_SK, section_sk
from sections.wiring import dependencies
from tests.support import COURSES_TABLE, call, make_event, stored_section_ids

EXISTING = 1000


class ConsumedCapacity:
    """Asks DynamoDB for the capacity of each call the function's client makes, and adds it up."""

    def __init__(self, client: Any):
        self.write_units = 0.0
        client.meta.events.register("provide-client-params.dynamodb.*", self._ask)
        client.meta.events.register("after-call.dynamodb.*", self._add)

    @staticmethod
    def _ask(params: dict[str, Any], **_: Any) -> None:
        params["ReturnConsumedCapacity"] = "TOTAL"

    def _add(self, parsed: dict[str, Any], **_: Any) -> None:
        capacity = parsed.get("ConsumedCapacity") or {}
        # A transaction reports a list, one entry per table.
        for entry in capacity if isinstance(capacity, list) else [capacity]:
            self.write_units += float(entry.get("WriteCapacityUnits") or entry.get("CapacityUnits") or 0)


def fill_course(client: Any, first: int, last: int) -> None:
    """Sections `first` to `last` in course 1, shaped as the function writes them, and the id counter after them."""
    for start in range(first, last + 1, 25):
        requests = [
            {
                "PutRequest": {
                    "Item": {
                        "course_id": {"N": "1"},
                        "sk": {"S": section_sk(section)},
                        "section_id": {"N": str(section)},
                        "name": {"S": f"Section {section}"},
                        "dripped_at": {"NULL": True},
                        "drip_delay": {"N": "0"},
                        "lessons_order": {"L": [{"N": "1"}, {"N": "2"}]},
                    }
                }
            }
            for section in range(start, min(start + 25, last + 1))
        ]
        client.batch_write_item(RequestItems={COURSES_TABLE: requests})
    client.update_item(
        TableName=COURSES_TABLE,
        Key={"course_id": {"N": "1"}, "sk": {"S": COURSE_SK}},
        UpdateExpression="SET section_seq = :n",
        ExpressionAttributeValues={":n": {"N": str(last)}},
    )


def write_units_of_one_create(lambda_context: Any) -> float:
    measured = ConsumedCapacity(dependencies().sections._client)
    status, _, _ = call(make_event(), lambda_context)
    assert status == 201
    return measured.write_units


def test_write_units_per_create_do_not_grow_with_the_course(
    dynamodb_local, server_dynamodb, monkeypatch, lambda_context, capsys
):
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local)  # AWS's engine itself, no proxy between
    dependencies.cache_clear()
    empty = write_units_of_one_create(lambda_context)  # the course's first section
    fill_course(server_dynamodb, 2, EXISTING)
    full = write_units_of_one_create(lambda_context)  # with EXISTING sections in the course
    assert stored_section_ids(server_dynamodb) == list(range(1, EXISTING + 2))
    with capsys.disabled():
        print(f"\nwrite units per create: {empty:g} at 0 sections, {full:g} at {EXISTING} sections")
    assert empty == full == pytest.approx(2.0)


def write_units_of_one_reorder(lambda_context: Any, order: list[int]) -> float:
    measured = ConsumedCapacity(dependencies().sections._client)
    event = make_event(method="PATCH", course_path=True, body=json.dumps({"sections_order": order}))
    status, _, answer = call(event, lambda_context)
    assert (status, answer["sections_order"]) == (200, order)
    return measured.write_units


def test_write_units_per_create_stay_the_same_with_an_order_chosen_and_a_reorder_grows_with_the_order(
    dynamodb_local, server_dynamodb, monkeypatch, lambda_context, capsys
):
    """docs/performance.md, "Write units": the order lives in its own item, which a create never writes."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local)
    dependencies.cache_clear()
    reorder_empty = write_units_of_one_reorder(lambda_context, [])  # an order chosen at 0 sections
    create_empty = write_units_of_one_create(lambda_context)
    fill_course(server_dynamodb, 2, EXISTING)
    chosen = list(range(EXISTING, 0, -1))
    reorder_full = write_units_of_one_reorder(lambda_context, chosen)
    create_full = write_units_of_one_create(lambda_context)
    listed = call(make_event(method="GET", body=None), lambda_context)[2]
    assert [section["id"] for section in listed] == [*chosen, EXISTING + 1], "the new section goes last"
    with capsys.disabled():
        print(
            f"\nwith an order chosen: a create {create_empty:g} write units at 0 sections, {create_full:g} at "
            f"{EXISTING}; a reorder {reorder_empty:g} at 0 sections, {reorder_full:g} at {EXISTING}"
        )
    assert create_empty == create_full == pytest.approx(2.0)
    assert reorder_full > reorder_empty, "a reorder costs in proportion to the order's size"
