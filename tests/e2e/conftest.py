"""End-to-end over real HTTP: `localdev serve` in a subprocess on free ports, or a deployed stack.

Against a deployed stack set BASE_URL (the ApiUrl output) and TOKEN (a token of a manager of
COURSE_ID, default 1); tests that need local keys or the embedded DynamoDB are then skipped.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from localdev.dynamodb import dynamodb_client
from localdev.functions import built_ready
from localdev.processes import ROOT, RunningProcess, localdev_process


@dataclass
class Target:
    base_url: str
    course_id: int
    server: RunningProcess | None = None
    dynamodb_endpoint: str | None = None

    @property
    def local(self) -> bool:
        return self.server is not None

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def dynamodb(self) -> Any:
        if self.dynamodb_endpoint is None:
            pytest.skip("needs the embedded DynamoDB of `localdev serve`")
        return dynamodb_client(self.dynamodb_endpoint)

    def token(self, *args: str) -> str:
        """A manager token for the target course: TOKEN when deployed, else minted locally."""
        if not self.local:
            if args:
                pytest.skip("needs the local development keys")
            return os.environ["TOKEN"]
        return mint("--sub", "e2e-user", "--group", f"course:{self.course_id}:manager", *args)


def serve(*arguments: str, env: dict[str, str] | None = None) -> Any:
    """`localdev serve` as the e2e tier runs it: on what `sam build` ships, once `make built` has built it.

    `make test` always builds it first; without python3.13 (no sam build) the source tree serves instead.
    """
    built = ("--built",) if built_ready() else ()
    if not built:
        warnings.warn("the built artifacts are missing: the e2e tier runs the source tree", stacklevel=2)
    return localdev_process("serve", "--port", "0", *built, *arguments, env=env)


def mint(*args: str) -> str:
    """A token from the documented command line, exactly as a developer would get one.

    Tokens live an hour, longer than any run, so each (key folder, arguments) is minted once per
    test process: every mint starts an interpreter (docs/performance.md, "Developer loop").
    """
    return _mint_once(os.environ.get("LOCALDEV_HOME", ""), args)


@functools.cache
def _mint_once(home: str, args: tuple[str, ...]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "localdev", "token", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


# Without these, chromium reaches for the network at every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium, driven by Playwright (its own browser download is not used)."""
    executable = shutil.which("chromium")
    if not executable:
        pytest.fail("chromium is not installed: `make test` installs Debian's package")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    if os.environ.get("BASE_URL"):
        yield Target(os.environ["BASE_URL"], int(os.environ.get("COURSE_ID", "1")))
        return
    # The server and the token command share keys in a folder of this run's own.
    os.environ.setdefault("LOCALDEV_HOME", str(tmp_path_factory.mktemp("localdev-home")))
    with serve("--dynamodb-port", "0") as server:
        found = server.wait_for([r"Local API:\s+(?P<url>http://\S+)", r"DynamoDB:\s+(?P<dynamodb>http://\S+)"])
        yield Target(found["url"], 1, server, found["dynamodb"])


@pytest.fixture
def local_only(target: Target) -> Target:
    if not target.local:
        pytest.skip("needs `localdev serve`")
    return target
