"""Lambda's init phase, the same for every function: imports without the cyclic collector, then clients.

Init builds objects that live as long as the execution environment, yet while hundreds of modules load
the cyclic collector would run over them again and again (docs/performance.md). So it is off during
the imports and back on when they end, however they end: a failed import must not leave a test
process without collection. The init heap is then frozen out of later full collections.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def init_phase() -> Iterator[None]:
    """Wraps a handler module's imports; on leaving, builds the function's clients (on Lambda only)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        _build_clients()
    finally:
        if was_enabled:
            gc.enable()
    gc.freeze()  # reached only after a whole init: its heap is permanent


def _build_clients() -> None:
    """Clients now, outside the handler, as AWS advises.

    A failure is not fatal: the first request builds them again and, failing, answers a problem
    document instead of Lambda's bare 502. Tests and tools that import a handler outside Lambda
    (no AWS_LAMBDA_FUNCTION_NAME) keep the lazy path.
    """
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return
    from sections.observability import logger
    from sections.wiring import dependencies

    try:
        dependencies()
    except Exception:
        logger.exception("Could not build the function's clients at init; the first request will retry")
