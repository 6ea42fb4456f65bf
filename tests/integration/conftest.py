"""A moto DynamoDB server on loopback (a subprocess), and the function pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from localdev.dynamodb import create_tables, drop_tables, dynamodb_client, seed_demo_courses
from localdev.processes import localdev_process
from localdev.template import local_template


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    with localdev_process("dynamodb", "--port", "0") as server:
        yield server.wait_for([r"DynamoDB: (?P<endpoint>http://\S+)"])["endpoint"]


@pytest.fixture
def server_dynamodb(dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch, reset_dependencies: None) -> Any:
    """Fresh tables from template.yaml on the server, demo courses seeded, and the function pointed there."""
    client = dynamodb_client(dynamodb_endpoint)
    drop_tables(client)
    create_tables(client, local_template())
    seed_demo_courses(client, "CoursesTable")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_endpoint)
    return client
