"""List a course's sections (GET .../section/), on moto."""

import pytest

from tests.support import (
    create,
    put_section_item,
    request,
    stored_section_ids,
)


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
    assert [section["id"] for section in listed] == stored_section_ids(dynamodb)
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
    put_section_item(client, course_id, section_id, {"name": {"S": name}})
