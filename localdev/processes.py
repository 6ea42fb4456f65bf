"""Running `python -m localdev ...` as a subprocess (tests, `make load`): output drained, stopped on exit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from localdev.template import ROOT

# Where the Makefile installs the pinned npm packages (requirements/npm/).
NPM_MODULES = ROOT / ".tools" / "npm" / "node_modules"
# The last line of every long-running localdev command's banner: once it has been read, the whole banner has.
READY_LINE = "Press Ctrl-C to stop."


class RunningProcess:
    def __init__(self, process: subprocess.Popen[str]):
        self.process = process
        self.lines: list[str] = []
        self._changed = threading.Condition()
        # Drained all the time: a full pipe would block the server's request log.
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, patterns: list[str], timeout: float = 60) -> dict[str, str]:
        """Named groups of every pattern, once each has matched the output and the banner has been read whole.

        The reader thread hands lines over as it gets to them: a pattern on the banner's first line can
        match while its later lines are still in the pipe. Waiting for READY_LINE too means that
        output() afterwards holds the whole banner, on any machine. A log line printed later (a
        request's) is waited for by a pattern of its own; a pattern may span lines, e.g. `(?s)(x.*){2}`
        for a line that must have come twice.
        """
        deadline = time.monotonic() + timeout
        wanted = [*patterns, "^" + re.escape(READY_LINE) + "$"]
        with self._changed:
            while True:
                text = "".join(self.lines)
                matches = [re.search(pattern, text, re.MULTILINE) for pattern in wanted]
                if all(matches):
                    return {name: value for match in matches for name, value in match.groupdict().items()}  # type: ignore[union-attr]
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.process.poll() is not None and not self._reader.is_alive()):
                    missing = [pattern for pattern, match in zip(wanted, matches, strict=True) if not match]
                    raise RuntimeError(f"no output matched {missing}:\n" + text[-4000:])
                self._changed.wait(timeout=min(remaining, 0.5))

    def output(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def wait_exit(self, timeout: float = 30) -> str:
        """The whole output, once the process has exited and the reader has read every line it wrote."""
        self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return self.output()


@contextmanager
def localdev_process(*args: str, env: dict[str, str] | None = None) -> Iterator[RunningProcess]:
    """Runs `python -m localdev ARGS`, and stops it (SIGTERM, as Ctrl-C would) when the block ends."""
    process = subprocess.Popen(  # noqa: S603 - our own module, arguments from our callers
        [sys.executable, "-m", "localdev", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = RunningProcess(process)
    try:
        yield running
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[Any], grace_seconds: float = 10) -> None:
    """SIGTERM, as Ctrl-C or Lambda's shutdown would; SIGKILL if it is still there after the grace period."""
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
