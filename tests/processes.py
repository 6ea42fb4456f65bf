"""Starting and stopping the local servers as subprocesses, on free loopback ports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def localdev_process(*args: str, ready: str, env: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    """Runs `python -m localdev ARGS` until a line matches `ready`; yields the named groups; stops it after."""
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "localdev", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    found: dict[str, str] = {}
    seen: list[str] = []
    deadline = time.monotonic() + 60
    try:
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            seen.append(line)
            match = re.search(ready, line)
            if match:
                found.update(match.groupdict())
                break
        if not found:
            raise RuntimeError("localdev did not start:\n" + "".join(seen[-40:]))
        yield found
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
