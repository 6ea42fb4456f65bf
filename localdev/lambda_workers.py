"""Lambda execution environments on the host, with AWS's own pieces and no Docker.

Each worker is AWS's Lambda Runtime Interface Emulator (the `aws-lambda-rie` binary that SAM CLI
mounts into its containers) running AWS's runtime interface client (`awslambdaric`) as the
bootstrap: the pair AWS's Python base image runs. One worker is one execution environment: it
serves one invocation at a time, pays its cold start on its first one, enforces the function's
Timeout (AWS_LAMBDA_FUNCTION_TIMEOUT) and, after a timeout or a crash, resets, so the next
invocation initialises a fresh runtime, as Lambda discards such an environment.
A pool per function grows to `max_workers` concurrent environments, as Lambda scales out.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localdev.processes import stop_process

INVOCATIONS_PATH = "/2015-03-31/functions/function/invocations"
_TIMED_OUT_PREFIX = b"Task timed out after"
_ERROR_KEYS = frozenset({"errorType", "errorMessage", "requestId", "stackTrace"})


@dataclass(frozen=True)
class Invocation:
    """What one invocation gave back: the payload, or `failed` when Lambda reports a function error."""

    payload: bytes
    failed: bool = False
    timed_out: bool = False


@dataclass(frozen=True)
class FunctionRuntime:
    """How to start one function's environments: the task root, the import path and the environment."""

    task_root: Path
    handler: str
    python: str
    python_path: list[Path]
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int
    python_options: tuple[str, ...] = ()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def classify(status: int, payload: bytes) -> Invocation:
    """The emulator answers function errors with 200 and no X-Amz-Function-Error header; tell them apart.

    A timeout is the emulator's text "Task timed out after N seconds"; a crashed runtime is a 502
    with `Runtime.ExitError`; an unhandled exception is awslambdaric's error object
    ({errorType, errorMessage, stackTrace}), which Lambda marks as a function error.
    """
    if payload.startswith(_TIMED_OUT_PREFIX):
        return Invocation(payload, failed=True, timed_out=True)
    if status != 200:
        return Invocation(payload, failed=True)
    try:
        document = json.loads(payload)
    except ValueError:
        return Invocation(payload)
    failed = isinstance(document, dict) and "errorType" in document and set(document) <= _ERROR_KEYS
    return Invocation(payload, failed=failed)


class LambdaWorker:
    """One execution environment: an emulator process on its own loopback port."""

    def __init__(self, emulator: Path, runtime: FunctionRuntime, log: Callable[[str], None]):
        self.port = _free_port()
        environment = {
            **runtime.environment,
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join(str(path) for path in runtime.python_path),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(runtime.timeout_seconds),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(runtime.memory_mb),
            "LAMBDA_TASK_ROOT": str(runtime.task_root),
            "PYTHONDONTWRITEBYTECODE": "1",  # Lambda's code directories are read-only
        }
        # Coverage of the function when the test suite measures subprocesses.
        environment.update({k: v for k, v in os.environ.items() if k.startswith("COVERAGE_")})
        command = [
            str(emulator),
            "--runtime-interface-emulator-address",
            f"127.0.0.1:{self.port}",
            "--runtime-api-address",  # its default, 127.0.0.1:9001, would allow one environment only
            f"127.0.0.1:{_free_port()}",
            runtime.python,
            *runtime.python_options,
            "-m",
            "awslambdaric",
            runtime.handler,
        ]
        self._process = subprocess.Popen(  # noqa: S603 - the pinned emulator, arguments built here
            command,
            cwd=runtime.task_root,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._log = log
        threading.Thread(target=self._forward_output, daemon=True).start()
        self._wait_until_listening()

    def _forward_output(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            shown = lambda_log_line(line.rstrip())
            if shown is not None:
                self._log(f"[lambda:{self.port}] {shown}")

    def _wait_until_listening(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the Lambda emulator exited with {self._process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("the Lambda emulator did not start listening")

    def invoke(self, event: dict[str, Any], wait_seconds: float) -> Invocation:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{INVOCATIONS_PATH}", data=json.dumps(event).encode(), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=wait_seconds) as response:  # noqa: S310
                return classify(response.status, response.read())
        except urllib.error.HTTPError as error:
            return classify(error.code, error.read())

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        stop_process(self._process, grace_seconds=5)


class WorkerPool:
    """The execution environments of one function: reused when idle, a new one when all are busy."""

    def __init__(self, emulator: Path, runtime: FunctionRuntime, max_workers: int, log: Callable[[str], None]):
        self._emulator = emulator
        self._runtime = runtime
        self._log = log
        self._idle: list[LambdaWorker] = []
        self._all: list[LambdaWorker] = []
        self._slots = threading.BoundedSemaphore(max_workers)
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any], wait_seconds: float) -> Invocation:
        """Raises TimeoutError when the answer takes longer than `wait_seconds`: that environment is dropped."""
        with self._slots:
            worker = self._take()
            try:
                result = worker.invoke(event, wait_seconds)
            except (TimeoutError, OSError):
                self._discard(worker)
                raise
            with self._lock:
                self._idle.append(worker)
            return result

    def _take(self) -> LambdaWorker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker
                self._all.remove(worker)
        worker = LambdaWorker(self._emulator, self._runtime, self._log)
        with self._lock:
            self._all.append(worker)
        return worker

    def _discard(self, worker: LambdaWorker) -> None:
        worker.stop()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def stop(self) -> None:
        with self._lock:
            workers, self._all, self._idle = self._all, [], []
        for worker in workers:
            worker.stop()


_EMULATOR_INIT = re.compile(r"\(rapid\) INIT START\(type: (?P<type>[\w-]+)")
_MEMORY_USED = re.compile(r"\s*Max Memory Used: \d+ MB")


def lambda_log_line(line: str) -> str | None:
    """What of the emulator's output a developer needs, as Lambda writes it to CloudWatch; None to leave out.

    - The emulator's own INFO lines (`(rapid) ...`) are its internals: left out, but for the start of
      an init, shown as Lambda's `INIT_START`, and its warnings and errors.
    - `START` and `END` say nothing `REPORT` does not: left out, so that a request is two lines
      (the gateway's and REPORT) plus what the function logs.
    - REPORT's `Max Memory Used` is the configured size under the emulator, not a measurement:
      left out rather than shown wrong.
    """
    if "(rapid)" in line:
        started = _EMULATOR_INIT.search(line)
        if started:
            return f"INIT_START (type: {started['type']})"
        return line if "[INFO]" not in line else None
    if line.startswith(("START RequestId:", "END RequestId:")):
        return None
    if line.startswith("REPORT RequestId:"):
        return _MEMORY_USED.sub("", line)
    return line
