"""`make sam-local`, as a black box: SAM CLI's `sam local start-api` on Docker, against the embedded DynamoDB.

Runs wherever a Docker engine answers (`docker info`); elsewhere it is skipped with that reason.
SAM_LOCAL_ARGS passes through (a machine without a registry needs `--skip-pull-image` and its own
copy of the Lambda base image). `make test-sam-local` runs it alone.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess

import pytest
import requests

from localdev.dynamodb import dynamodb_client
from localdev.processes import ROOT, RunningProcess
from localdev.sam_local import NoDocker, docker_engine, free_port
from sections.repository import ORDER_SK
from tests.support import COURSES_TABLE, section_items

ORIGIN = "http://localhost:5173"


def _docker_answers() -> str | None:
    try:
        docker_engine()
    except NoDocker as missing:
        return str(missing)
    return None


@pytest.fixture(scope="module")
def sam_local(tmp_path_factory):
    missing = _docker_answers()
    if missing:
        pytest.skip(missing)
    home = tmp_path_factory.mktemp("sam-local-home")
    port, dynamodb_port = free_port(), free_port()
    environment = {**os.environ, "LOCALDEV_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        ["make", "--no-print-directory", "sam-local", f"PORT={port}", f"DYNAMODB_PORT={dynamodb_port}"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # Ctrl-C reaches a terminal's whole foreground group; so does our SIGINT
    )
    running = RunningProcess(process)
    try:
        found = running.wait_for([r"Local API:\s+(?P<url>http://\S+)", r"DynamoDB:\s+(?P<dynamodb>http://\S+)"], 900)
        yield running, found["url"], found["dynamodb"], environment
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output = running.wait_exit(timeout=90)
        print(output[-8000:])  # pytest shows it when a test failed: SAM CLI's log of each invocation
        assert output.rstrip().endswith("stopped"), output[-2000:]
        for stopped in (port, dynamodb_port):
            with socket.socket() as probe:
                assert probe.connect_ex(("127.0.0.1", stopped)) != 0, f"port {stopped} still listens"


def _mint(environment: dict[str, str], *args: str) -> str:
    """A token from `localdev token`, with the keys `make sam-local` gave its functions (its LOCALDEV_HOME)."""
    return _bash("exec .venv/bin/python -m localdev token " + " ".join(args), environment).strip()


def _bash(command: str, environment: dict[str, str]) -> str:
    return subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    ).stdout


def test_sam_local_serves_the_resource_with_the_gateways_checks(sam_local):
    running, url, dynamodb_endpoint, environment = sam_local
    banner = running.output()

    # The command the banner prints, pasted as is: the first request starts a container (arm64 may run under qemu).
    printed = re.search(r"(export TOKEN=.*?\}')", banner, re.S).group(1)  # type: ignore[union-attr]
    token = re.search(r"export TOKEN=(\S+)", printed).group(1)  # type: ignore[union-attr]
    answer = _bash(printed.replace("export TOKEN=", "TOKEN=", 1), environment).replace("\r", "")
    assert answer.startswith("HTTP/1.1 201"), answer
    assert re.search(r"(?mi)^location: /api/v2/course/1/section/1/$", answer), answer
    assert json.loads(answer.split("\n\n", 1)[1]) == {
        "id": 1,
        "name": "Getting started",
        "dripped_at": None,
        "drip_delay": 0,
        "lessons_order": [1, 2],
    }

    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    sections = f"{url}/api/v2/course/1/section/"
    second = api.post(sections, json={"name": "Week 2"}, timeout=120)
    assert (second.status_code, second.json()["id"]) == (201, 2), second.text
    listed = api.get(sections, timeout=120)
    assert [section["id"] for section in listed.json()] == [1, 2], listed.text
    read = api.get(f"{sections}2/", timeout=120)
    assert (read.status_code, read.json()["name"]) == (200, "Week 2"), read.text
    patched = api.patch(f"{sections}2/", json={"name": "Week two"}, timeout=120)
    assert (patched.status_code, patched.json()["name"]) == (200, "Week two"), patched.text
    reordered = api.patch(f"{url}/api/v2/course/1/", json={"sections_order": [2, 1]}, timeout=120)
    assert reordered.json() == {"id": 1, "sections_order": [2, 1]}, reordered.text
    assert [section["id"] for section in api.get(sections, timeout=120).json()] == [2, 1]
    deleted = api.delete(f"{sections}1/", timeout=120)
    assert (deleted.status_code, deleted.text) == (204, ""), deleted.text
    assert api.get(f"{sections}1/", timeout=120).status_code == 404

    # The table read back: what the API answered is what DynamoDB holds.
    client = dynamodb_client(dynamodb_endpoint)
    (stored,) = section_items(client, 1)
    assert (int(stored["section_id"]["N"]), stored["name"]["S"]) == (2, "Week two")
    order = client.get_item(TableName=COURSES_TABLE, Key={"course_id": {"N": "1"}, "sk": {"S": ORDER_SK}})["Item"]
    assert [int(n["N"]) for n in order["sections_order"]["L"]] == [2, 1]


def test_sam_local_refuses_as_the_gateway_does(sam_local):
    _, url, _, environment = sam_local
    sections = f"{url}/api/v2/course/1/section/"

    missing = requests.post(sections, json={"name": "x"}, timeout=120)
    assert (missing.status_code, missing.text) == (401, '{"message":"Unauthorized"}')
    assert missing.headers["content-type"] == "application/json"
    assert missing.headers["www-authenticate"] == "Bearer"

    no_scope = _mint(environment, "--sub", "e2e-user", "--group", "course:1:manager", "--no-scope")
    refused = requests.post(sections, json={"name": "x"}, headers={"Authorization": f"Bearer {no_scope}"}, timeout=120)
    assert (refused.status_code, refused.text) == (403, '{"message":"Forbidden"}')
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]

    manager_of_1 = _mint(environment, "--sub", "e2e-user", "--group", "course:1:manager")
    other = requests.post(
        f"{url}/api/v2/course/2/section/",
        json={"name": "x"},
        headers={"Authorization": f"Bearer {manager_of_1}"},
        timeout=120,
    )
    assert other.status_code == 403, other.text
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"] == "urn:course-api:problem:forbidden"


def test_sam_local_answers_a_preflight(sam_local):
    _, url, _, _ = sam_local
    preflight = requests.options(
        f"{url}/api/v2/course/1/section/",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=120,
    )
    assert preflight.status_code == 204, preflight.text
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"].split(",")
    assert "authorization" in preflight.headers["access-control-allow-headers"].split(",")
