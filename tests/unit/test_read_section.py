"""Read one section (GET .../section/{section_id}/), on moto."""

import pytest

from tests.support import (
    WEEK_1,
    assert_problem,
    create,
    request,
)


@pytest.mark.parametrize("trailing_slash", [True, False])
def test_read_returns_the_section(dynamodb, lambda_context, trailing_slash):
    created = create(lambda_context)
    status, headers, section = request(lambda_context, "GET", section=created["id"], trailing_slash=trailing_slash)
    assert (status, section) == (200, {"id": 1, **WEEK_1})
    assert headers["Content-Type"] == "application/json"


def test_read_of_an_unknown_section_is_404_section_not_found(dynamodb, lambda_context):
    create(lambda_context)
    status, headers, body = request(lambda_context, "GET", section=2)
    assert_problem(status, headers, body, 404)
    assert body["type"] == "urn:course-api:problem:section-not-found"
