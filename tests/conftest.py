"""Fixtures: the template's tables under moto, the function's environment, a Lambda context, the log.

Helpers that tests share are in tests/support.py.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
from moto import mock_aws

from localdev.dynamodb import create_tables, project_as_dynamodb, seed_demo_courses
from localdev.lambda_context import LocalLambdaContext
from localdev.template import local_template
from tests.support import lambda_environment


def pytest_configure(config: pytest.Config) -> None:
    # Powertools reads its env when app.py is imported, which happens while tests are collected.
    os.environ.update(lambda_environment())


@pytest.fixture(autouse=True)
def function_environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    environment = lambda_environment()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_SAM_LOCAL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return environment


@pytest.fixture
def reset_dependencies() -> Iterator[None]:
    from sections.wiring import dependencies

    dependencies.cache_clear()
    yield
    dependencies.cache_clear()


# One botocore session per test process: each new session reads the DynamoDB service model again
# (about a tenth of a second), and every test builds two clients (its own and the function's).
_SESSION = botocore.session.get_session()


@pytest.fixture
def dynamodb(
    function_environment: dict[str, str], reset_dependencies: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """In-process moto with the template's tables and the demo courses (1-3 live, 4 deleted)."""
    monkeypatch.setattr(botocore.session, "get_session", lambda *_: _SESSION)
    project_as_dynamodb()
    with mock_aws():
        client = boto3.session.Session(botocore_session=_SESSION).client("dynamodb", region_name="us-east-1")
        create_tables(client, local_template())
        seed_demo_courses(client, function_environment["TABLE_NAME"])
        yield client


@pytest.fixture
def lambda_context() -> LocalLambdaContext:
    return LocalLambdaContext("create-section", timeout_seconds=15)


@pytest.fixture
def log_output(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """What the function logs during the test (Powertools' handler holds the stream it was given)."""
    from sections.observability import logger

    stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    return stream
