"""Idempotency-Key support (IETF httpapi draft, Stripe's practice) on top of Powertools' idempotency utility.

A key is scoped to the caller and the course, so one caller can never replay another's response,
and it is bound to the validated body: the same key with another body is refused (422).
Imported only when a request carries a key: the persistence layer pulls in boto3 (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.serialization.custom_dict import CustomDictSerializer
from aws_lambda_powertools.utilities.typing import LambdaContext

from sections.lesson import Lesson
from sections.problems import IdempotencyKeyInFlight, IdempotencyKeyReused, ServiceUnavailable
from sections.section import Section

KEY_TTL_SECONDS = 24 * 60 * 60
Created = Section | Lesson
# Each resource's records have a prefix of their own (stable across refactors, unlike a function's qualified
# name), so a key used for a section's create never replays as a lesson's.
KEY_PREFIXES: dict[type[Any], str] = {Section: "create-section", Lesson: "create-lesson"}


class IdempotentCreator:
    """Runs a create at most once per (caller, course, key) within KEY_TTL_SECONDS, replaying its result."""

    def __init__(self, persistence_store: BasePersistenceLayer, on_replay: Callable[[], None] = lambda: None):
        self._store = persistence_store
        self._on_replay = on_replay

    def run(
        self,
        create: Callable[[], Created],
        *,
        caller: str,
        course_id: int,
        key: str,
        payload: dict[str, Any],
        lambda_context: LambdaContext,
        before_replay: Callable[[], None] | None = None,
        created: type[Created] = Section,
    ) -> Created:
        """`create` once; a replay first runs `before_replay`, whose Problem (a caller who lost the role) wins
        over the stored answer: Powertools calls the response hook before it returns the record."""

        def replayed(response: Any, _record: Any) -> Any:
            if before_replay is not None:
                before_replay()
            self._on_replay()
            return response

        config = IdempotencyConfig(
            event_key_jmespath="[caller, course_id, key]",
            payload_validation_jmespath="payload",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=KEY_TTL_SECONDS,
            hash_function="sha256",
            response_hook=replayed,
        )
        # The remaining time bounds how long an in-flight record blocks retries if this invocation dies.
        config.register_lambda_context(lambda_context)
        # Wrapped per request: the create closes over this request's validated body and caller.
        once = idempotent_function(
            lambda request: create(),
            data_keyword_argument="request",
            persistence_store=self._store,
            config=config,
            key_prefix=KEY_PREFIXES[created],
            # The record stores the response form; a replay gets the Section or Lesson back, so it is
            # rendered exactly as the original was.
            output_serializer=CustomDictSerializer(to_dict=created.to_response, from_dict=created.from_response),
        )
        request = {"caller": caller, "course_id": course_id, "key": key, "payload": payload}
        try:
            return once(request=request)
        except IdempotencyAlreadyInProgressError:
            raise IdempotencyKeyInFlight(
                "A request with this Idempotency-Key is still in progress. Retry after it completes."
            ) from None
        except IdempotencyValidationError:
            raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request body.") from None
        except IdempotencyPersistenceLayerError as error:
            raise ServiceUnavailable() from error
