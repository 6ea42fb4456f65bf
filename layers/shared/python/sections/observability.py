"""Logger, Metrics and Tracer, created once. Service name and namespace come from the template's env.

Tracer is built only when detailed tracing is on (POWERTOOLS_TRACE_DISABLED is not "true"). Built,
even disabled, it imports the X-Ray SDK, and its subsegments cost time on every request: both
measured in docs/performance.md ("detailed tracing"). Lambda's own active tracing stays on either way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

Handler = TypeVar("Handler", bound=Callable[..., Any])

logger = Logger()
metrics = Metrics()


def detailed_tracing_enabled() -> bool:
    # Powertools' own reading of the variable, so this check and the Tracer never disagree.
    return not resolve_truthy_env_var_choice(env=os.getenv(constants.TRACER_DISABLED_ENV, "false"))


def traced(handler: Handler) -> Handler:
    """Powertools' capture_lambda_handler when detailed tracing is on; the handler unchanged otherwise."""
    if not detailed_tracing_enabled():
        return handler
    from aws_lambda_powertools import Tracer

    # Only botocore is patched: the default patches every library the X-Ray SDK knows, importing them all.
    tracer = Tracer(patch_modules=["botocore"])
    return tracer.capture_lambda_handler(handler, capture_response=False)  # type: ignore[return-value]
