"""Builds the function's collaborators once per container, on first use rather than at import.

Lazy construction keeps imports side-effect free, so tests can set the environment first and
call `dependencies.cache_clear()` to start over.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from botocore.config import Config

from sections.idempotency import IdempotentCreator
from sections.observability import metrics
from sections.repository import SectionRepository
from sections.settings import Settings

# Bounded so that the worst case (3 attempts, timeouts and backoff on every one) stays far below
# API Gateway's 30 s integration limit and the function's timeout; docs/failure-modes.md has the sums.
DYNAMODB_CLIENT_CONFIG = Config(
    connect_timeout=1,
    read_timeout=2,
    retries={"mode": "standard", "total_max_attempts": 3},
    tcp_keepalive=True,
)


@dataclass(frozen=True)
class Dependencies:
    settings: Settings
    sections: SectionRepository
    idempotency: IdempotentCreator


@functools.cache
def dependencies() -> Dependencies:
    settings = Settings.from_env()
    client = boto3.client("dynamodb", config=DYNAMODB_CLIENT_CONFIG)

    # Imported here: the persistence layer is only needed once the first request arrives.
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    store = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=client)
    return Dependencies(
        settings=settings,
        sections=SectionRepository(client, settings.table_name, clock=lambda: datetime.now(UTC)),
        idempotency=IdempotentCreator(
            store, on_replay=lambda: metrics.add_metric(name="SectionReplayed", unit=MetricUnit.Count, value=1)
        ),
    )
