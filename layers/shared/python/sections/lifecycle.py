"""Lambda's init phase, the same for every function: imports without the cyclic collector, then clients.

Init builds objects that live as long as the execution environment, yet while hundreds of modules load
the cyclic collector would run over them again and again (docs/performance.md). So it is off during
the imports and back on when they end, however they end: a failed import must not leave a test
process without collection. The init heap is then frozen out of later full collections.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class InitPhase:
    """What app.py hands over during its imports: how to build its clients, and how to log a failure to."""

    build_clients: Callable[[], object] | None = None
    log_failure: Callable[[str], None] = field(default=lambda message: None)

    def build_clients_with(self, build: Callable[[], object], log_failure: Callable[[str], None]) -> None:
        self.build_clients, self.log_failure = build, log_failure

    def build(self) -> None:
        """Clients now, outside the handler, as AWS advises; only on Lambda.

        A failure is not fatal: the first request builds them again and, failing, answers a problem
        document instead of Lambda's bare 502. Tests and tools that import a handler outside Lambda
        (no AWS_LAMBDA_FUNCTION_NAME) keep the lazy path.
        """
        if self.build_clients is None or not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            return
        try:
            self.build_clients()
        except Exception:
            self.log_failure("Could not build the function's clients at init; the first request will retry")


@contextmanager
def init_phase() -> Iterator[InitPhase]:
    phase = InitPhase()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield phase
        phase.build()
    finally:
        if was_enabled:
            gc.enable()
    gc.freeze()  # reached only after a whole init: its heap is permanent
