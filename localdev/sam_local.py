"""`make sam-local`: SAM CLI's `sam local start-api` on Docker, with the embedded DynamoDB where its containers reach it.

SAM CLI runs each function in a container on Docker's default bridge: it ignores `--docker-network host`
(samcli/local/docker/container.py connects no network named "host"; aws-sam-cli issue #4236). Inside a
container 127.0.0.1 is the container itself, on Linux and Docker Desktop alike. So the functions reach
the store as `host.docker.internal`:
- Docker Desktop (macOS, Windows) resolves that name to the host and forwards to the host's loopback,
  so the store listens on 127.0.0.1 only.
- A Linux engine has no such name: `--add-host` maps it to the bridge's gateway, the host's address on
  that bridge, and the store listens there (reachable from the host and its containers, nothing else).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from localdev.route_matching import Route
from localdev.template import Template

CONTAINER_HOST_NAME = "host.docker.internal"
# arm64 functions run under qemu on an x86_64 host, where a cold invoke took 14-21 s. The template's
# FunctionTimeout parameter, at its maximum, leaves room; what deploys keeps its own default.
SAM_LOCAL_PARAMETERS = "FunctionTimeout=28"
# Execution environments reused between requests, as Lambda reuses them. SAM CLI's default, a new
# container per request, answered every other request 502 ("No response from invoke container") on
# an x86_64 host running arm64 functions. SAM_LOCAL_ARGS comes later on the command line and wins.
SAM_LOCAL_DEFAULT_ARGS = ["--warm-containers", "LAZY"]
NO_DOCKER = (
    "No Docker engine answers (`docker info` failed): start Docker Desktop, or install and start Docker Engine "
    "(https://docs.docker.com/engine/install/); `make dev` runs the same API without Docker."
)


class NoDocker(Exception):
    pass


def docker_engine() -> str:
    """The engine's operating system as `docker info` reports it ("Docker Desktop" for Docker Desktop)."""
    try:
        answer = subprocess.run(
            ["docker", "info", "--format", "{{.OperatingSystem}}"],  # noqa: S607 - the user's docker, from the PATH
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        raise NoDocker(NO_DOCKER) from None
    if answer.returncode != 0:
        raise NoDocker(NO_DOCKER)
    return answer.stdout.strip()


def store_address(engine: str) -> str | None:
    """Where the store listens so the containers reach it: None for loopback (Docker Desktop), else the bridge's gateway."""
    if "Docker Desktop" in engine:
        return None
    answer = subprocess.run(
        ["docker", "network", "inspect", "bridge", "--format", "{{json .IPAM.Config}}"],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return bridge_gateway(json.loads(answer.stdout) or [])


def bridge_gateway(ipam_config: list[dict[str, str]]) -> str:
    """The bridge's IPv4 gateway; engines that omit it (Docker 20.10) use the subnet's first address, Docker's default."""
    for pool in ipam_config:
        if pool.get("Gateway") and ":" not in pool["Gateway"]:
            return pool["Gateway"]
        if pool.get("Subnet") and ":" not in pool["Subnet"]:
            return str(next(ipaddress.ip_network(pool["Subnet"]).hosts()))
    raise NoDocker("Docker's bridge network has no IPv4 subnet: the functions could not reach the host.")


def sam_environment(
    template: Template, dynamodb_endpoint: str, jwks: dict[str, Any], issuer: str, audience: str
) -> dict:
    """The env-vars file for `sam local start-api`, per function the API invokes.

    SAM CLI applies only variables the function's Environment declares (a test holds this to that).
    Functions behind the JWT authorizer get the local keys and their routes' scopes; the others none.
    """
    from localdev.deployed_api import deployed_api

    routes = deployed_api(template).routes
    environments = {}
    for function in sorted({route.target for route in routes}):
        own = [route for route in routes if route.target == function]
        local = {"AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint, "POWERTOOLS_TRACE_DISABLED": "true"}
        if any(route.authorizer for route in own):
            scopes = {route.scopes for route in own}
            if len(scopes) != 1 or not all(route.authorizer for route in own):
                raise ValueError(f"{function}'s routes differ in authorization: one set of scopes per function")
            local |= {
                "LOCAL_JWKS": json.dumps(jwks),
                "LOCAL_JWT_ISSUER": issuer,
                "LOCAL_JWT_AUDIENCE": audience,
                "LOCAL_JWT_SCOPES": json.dumps(list(scopes.pop())),
            }
        environments[function] = {**template.function_environment(function), **local}
    return environments


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sam_command(sam: str, template: Path, env_file: Path, port: int, store: str | None, parameters: str) -> list[str]:
    command = [
        sam, "local", "start-api",
        "--template", str(template),
        "--env-vars", str(env_file),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--parameter-overrides", " ".join(filter(None, [SAM_LOCAL_PARAMETERS, parameters])),
    ]  # fmt: skip
    if store:
        command += ["--add-host", f"{CONTAINER_HOST_NAME}:{store}"]
    return command + SAM_LOCAL_DEFAULT_ARGS + shlex.split(os.environ.get("SAM_LOCAL_ARGS", ""))


class SamLocal:
    """`sam local start-api` in its own process group, its output passed through; `stop()` ends the whole group."""

    def __init__(self, command: list[str]):
        self._process = subprocess.Popen(  # noqa: S603 - sam and the user's own SAM_LOCAL_ARGS
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
        )
        threading.Thread(target=self._pass_output, name="sam-output", daemon=True).start()

    def _pass_output(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            print(f"sam | {line}", end="", flush=True)

    def wait_listening(self, port: int, timeout: float, stopped: Callable[[], bool]) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._process.poll() is None and not stopped():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.5)
        return False

    @property
    def exited(self) -> bool:
        return self._process.poll() is not None

    def stop(self) -> None:
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGINT)
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()


def warm_up(url: str, routes: list[Route], timeout: float) -> list[str]:
    """One request without a token to each function, side by side, until SAM CLI stops answering 502: the functions
    that never answered.

    SAM CLI sends the event once the container's port accepts a connection. With Docker's userland proxy
    that is at once, before the emulator inside listens (seconds under qemu), and the invoke then fails:
    502 "No response from invoke container". Warm containers (SAM_LOCAL_DEFAULT_ARGS) meet that once
    each, here, not in the user's first requests. No token: the authorizer's check refuses it, no data is touched.
    """
    targets: dict[str, Route] = {}
    for route in routes:
        if not route.is_default:
            targets.setdefault(route.target, route)
    failed: list[str] = []

    def first_answer(function: str, route: Route) -> None:
        path = re.sub(r"\{[^}]+\}", "1", route.path or "/")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            request = urllib.request.Request(url + path, method=route.method)  # noqa: S310 - our own loopback URL
            try:
                urllib.request.urlopen(request, timeout=timeout)  # noqa: S310
                return
            except urllib.error.HTTPError as answered:
                if answered.code != 502:
                    return
            except OSError:
                pass
            time.sleep(1)
        failed.append(function)

    threads = [threading.Thread(target=first_answer, args=item, daemon=True) for item in targets.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failed


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
