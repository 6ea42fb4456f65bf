"""The integration tier's store: DynamoDB Local (AWS's own engine), behind the conflict proxy.

DynamoDB Local applies requests one at a time; the proxy (localdev/conflict_proxy.py) makes it
answer as DynamoDB does while a transaction holds an item, with a 30 ms commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from localdev.conflict_proxy import ConflictProxy, key_schemas
from localdev.dynamodb import create_tables, drop_tables, dynamodb_client, seed_demo_courses
from localdev.dynamodb_local import DynamoDBLocal
from localdev.template import local_template
from tests.support import COURSES_TABLE

COMMIT_SECONDS = 0.03


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    server = DynamoDBLocal().start()
    yield server.endpoint
    server.stop()


@pytest.fixture(scope="session")
def conflict_proxy(dynamodb_local: str) -> Iterator[ConflictProxy]:
    proxy = ConflictProxy(dynamodb_local, key_schemas(local_template().tables()), commit_seconds=COMMIT_SECONDS).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def dynamodb_endpoint(conflict_proxy: ConflictProxy) -> str:
    return conflict_proxy.endpoint


@pytest.fixture
def server_dynamodb(dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch, reset_dependencies: None) -> Any:
    """Fresh tables from template.yaml, demo courses seeded, and the function pointed at the proxy."""
    client = dynamodb_client(dynamodb_endpoint)
    drop_tables(client)
    create_tables(client, local_template())
    seed_demo_courses(client, COURSES_TABLE)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_endpoint)
    return client
