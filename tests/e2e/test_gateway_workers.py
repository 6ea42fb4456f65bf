"""The gateway over real HTTP with real Lambda environments (AWS's emulator and runtime client) running a stub.

The stub lets a test choose what a function does: send its own CORS headers, answer without a
statusCode, crash, raise, or take its time. AWS's answers to each are in docs/aws-behaviour.md.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from localdev.authorizer import JwtAuthorizer
from localdev.functions import CREATE_SECTION_FUNCTION, EMULATOR_PATH, source_runtime
from localdev.gateway import LocalHttpApi, make_http_server
from localdev.keys import LocalKeys
from localdev.lambda_workers import WorkerPool
from localdev.template import local_template

pytestmark = pytest.mark.e2e

STUB = Path(__file__).parent / "stub_function"


@pytest.fixture(scope="module")
def stub_api(tmp_path_factory) -> Iterator[tuple[str, str, list[str]]]:
    keys = LocalKeys(tmp_path_factory.mktemp("stub-keys")).ensure()
    template = local_template({"CorsAllowedOrigins": "https://app.example.com"})
    runtime = source_runtime(template, CREATE_SECTION_FUNCTION, "http://127.0.0.1:9")
    runtime = dataclasses.replace(runtime, task_root=STUB, python_path=[STUB], timeout_seconds=3)
    log: list[str] = []
    lock = threading.Lock()

    def record(line: str) -> None:
        with lock:
            log.append(line)

    pool = WorkerPool(EMULATOR_PATH, runtime, max_workers=2, log=record)
    api = LocalHttpApi(
        template, JwtAuthorizer.from_environment(keys), lambda _, event, wait: pool.invoke(event, wait), log=record
    )
    server = make_http_server(api, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = keys.mint(sub="s", groups=[], roles_claim="cognito:groups", scopes=template.authorizer_scopes())
    yield f"http://127.0.0.1:{server.server_address[1]}", token, log
    server.shutdown()
    server.server_close()
    pool.stop()


def get(stub_api, action: str, **headers: str) -> requests.Response:
    url, token, _ = stub_api
    return requests.get(f"{url}/stub/{action}", headers={"Authorization": f"Bearer {token}", **headers}, timeout=30)


def test_the_functions_own_cors_headers_are_dropped(stub_api):
    response = get(stub_api, "cors", Origin="https://app.example.com")
    assert response.status_code == 200
    assert response.headers["X-Kept"] == "yes"
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"  # the gateway's, not "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    other = get(stub_api, "cors", Origin="https://elsewhere.example")
    assert not [name for name in other.headers if name.lower().startswith("access-control-")]


def test_an_answer_without_status_code_is_200_with_the_json_as_body(stub_api):
    response = get(stub_api, "no-status-code")
    assert response.status_code == 200
    assert response.json() == {"hello": "world"}


@pytest.mark.parametrize("action", ["crash", "raise"])
def test_a_crash_or_an_unhandled_error_is_500_and_the_next_request_is_served(stub_api, action):
    response = get(stub_api, action)
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert get(stub_api, "ok").status_code == 200


def test_concurrent_requests_get_separate_environments(stub_api):
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: get(stub_api, "sleep"), range(2)))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert len({answer.text for answer in answers}) == 2, "two runtimes, two processes"
    assert get(stub_api, "ok").text in {answer.text for answer in answers}, "a warm environment is reused"
