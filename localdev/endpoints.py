"""Where the local servers listen: a port that is taken is one line saying what to do, and a running
`localdev serve` leaves its endpoints where the other commands (seed-course) find them."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
from pathlib import Path

from localdev.keys import KEYS_DIR

# Written by a running `localdev serve`, removed when it stops.
RUNNING_FILE_NAME = "serve.json"


class PortInUse(Exception):
    """A port the user chose (or its default) is taken: the message names it and what to set instead."""


def claim_port(port: int, what: str, variable: str, flag: str) -> None:
    """Returns if 127.0.0.1:`port` is free (0 picks a free one); PortInUse, with what to do, if not."""
    if port == 0:
        return
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise PortInUse(port_in_use(port, what, variable, flag)) from None


def port_in_use(port: int, what: str, variable: str, flag: str) -> str:
    return (
        f"The {what} port {port} is in use (another `make dev`?). Stop that program, or choose another "
        f"port: {variable}={port + 1} make dev, or {flag} {port + 1}."
    )


def running_file(home: Path | None = None) -> Path:
    return (home or KEYS_DIR) / RUNNING_FILE_NAME


def record_running(api_url: str, dynamodb_endpoint: str, home: Path | None = None) -> Path:
    """What this `localdev serve` listens on, for the other commands; the caller removes it on stop."""
    path = running_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "api": api_url, "dynamodb": dynamodb_endpoint}))
    return path


def running_dynamodb(home: Path | None = None) -> str | None:
    """The DynamoDB endpoint of a `localdev serve` that is still running, if there is one."""
    return _running(home, "dynamodb")


def running_api(home: Path | None = None) -> str | None:
    """The local API's URL of a `localdev serve` that is still running, if there is one."""
    return _running(home, "api")


def _running(home: Path | None, endpoint: str) -> str | None:
    try:
        running = json.loads(running_file(home).read_text())
        os.kill(int(running["pid"]), 0)  # still there?
        return str(running[endpoint])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def forget_running(path: Path) -> None:
    """Removes what record_running wrote, unless another serve has written its own since."""
    with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
        if json.loads(path.read_text())["pid"] == os.getpid():
            path.unlink()
