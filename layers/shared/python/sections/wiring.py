"""Builds a function's collaborators once per execution environment.

On Lambda, each app.py hands `dependencies` to sections/lifecycle.py, which builds them at the end
of init (clients outside the handler, as AWS advises); everywhere else, and after a failed init, the first request builds them. Importing this
module has no side effects, so tests can set the environment first and call
`dependencies.cache_clear()` to start over.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import botocore.session
from aws_lambda_powertools.metrics import MetricUnit
from botocore.config import Config

from sections.observability import metrics
from sections.repository import SectionRepository
from sections.settings import Settings

if TYPE_CHECKING:
    from sections.idempotency import IdempotentCreator
    from sections.lesson_repository import LessonRepository

# Bounded so that the worst case (3 attempts, timeouts and backoff on every one) stays far below
# API Gateway's 30 s integration limit and the function's timeout; docs/failure-modes.md has the sums.
ATTEMPTS, CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS = 3, 1, 2
DYNAMODB_CLIENT_CONFIG = Config(
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
    retries={"mode": "standard", "total_max_attempts": ATTEMPTS},
    tcp_keepalive=True,
)
# The longest one call takes when DynamoDB stops answering on an open connection: every attempt
# waits out the read timeout, with botocore's short backoff between (docs/failure-modes.md).
SLOWEST_CALL_SECONDS = ATTEMPTS * READ_TIMEOUT_SECONDS + 0.5


@dataclass
class Dependencies:
    settings: Settings
    client: Any
    sections: SectionRepository

    @functools.cached_property
    def lessons(self) -> LessonRepository:
        """A section's lessons, on the same table and client (built on the first lesson request)."""
        from sections.lesson_repository import LessonRepository

        return LessonRepository(self.sections)

    @functools.cached_property
    def idempotency(self) -> IdempotentCreator:
        # Built (and its boto3-based persistence layer imported) on the first request with a key.
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        from sections.idempotency import IdempotentCreator

        store = DynamoDBPersistenceLayer(table_name=self.settings.idempotency_table_name, boto3_client=self.client)
        return IdempotentCreator(
            store, on_replay=lambda: metrics.add_metric(name="SectionReplayed", unit=MetricUnit.Count, value=1)
        )


@functools.cache
def dependencies() -> Dependencies:
    settings = Settings.from_env()
    # botocore rather than boto3: boto3's import pulls in s3transfer, a measurable part of a cold start (docs/performance.md)
    # spent on nothing this function uses. The client is the same; AWS_ENDPOINT_URL_DYNAMODB applies.
    client = botocore.session.get_session().create_client("dynamodb", config=DYNAMODB_CLIENT_CONFIG)
    return Dependencies(
        settings=settings,
        client=client,
        sections=SectionRepository(
            client, settings.table_name, clock=lambda: datetime.now(UTC), slowest_call_seconds=SLOWEST_CALL_SECONDS
        ),
    )
