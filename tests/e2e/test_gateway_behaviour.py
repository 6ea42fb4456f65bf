"""What API Gateway answers itself, shown over real HTTP through `localdev serve` (what `make dev` runs).

Each behaviour's AWS source is in docs/aws-behaviour.md; localdev/gateway.py cites them too.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import mint, serve

pytestmark = pytest.mark.e2e

SECTION = "/api/v2/course/1/section/"


def post_section(target, token: str) -> requests.Response:
    return requests.post(
        target.url(SECTION), json={"name": "x"}, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def manager_headers(target) -> dict[str, str]:
    return {"Authorization": f"Bearer {target.token()}", "Content-Type": "application/json"}


def test_the_readme_url_and_the_form_without_slash_both_create(local_only):
    for path in (SECTION, SECTION.rstrip("/")):
        response = requests.post(
            local_only.url(path), json={"name": "Both forms"}, headers=manager_headers(local_only), timeout=30
        )
        assert response.status_code == 201, path
        assert response.json()["name"] == "Both forms"
        assert response.headers["Location"] == f"/api/v2/course/1/section/{response.json()['id']}/"


def test_a_double_slash_gets_what_the_matcher_says_aws_answers(local_only):
    """`/section//` matches no explicit route, so `$default` takes it: the function's 404 problem."""
    response = requests.post(
        local_only.url(SECTION + "/"), json={"name": "x"}, headers=manager_headers(local_only), timeout=30
    )
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:course-api:problem:not-found"


def test_percent_encoded_paths_are_decoded_before_matching(local_only):
    response = requests.post(
        local_only.url("/api/v2/course/%31/sec%74ion/"),
        json={"name": "Decoded"},
        headers=manager_headers(local_only),
        timeout=30,
    )
    assert response.status_code == 201
    assert response.headers["Location"].startswith("/api/v2/course/1/section/")


def test_apigw_requestid_is_the_request_id_the_function_saw(local_only):
    response = requests.post(
        local_only.url(SECTION), json={"name": ""}, headers=manager_headers(local_only), timeout=30
    )
    assert response.status_code == 400
    assert response.headers["apigw-requestid"] == response.json()["request_id"]


def test_request_line_and_headers_over_10240_bytes_are_refused(local_only):
    headers = {**manager_headers(local_only), "X-Padding": "a" * 10_240}
    response = requests.post(local_only.url(SECTION), json={"name": "x"}, headers=headers, timeout=30)
    assert response.status_code == 413
    assert response.json() == {"message": "Request Too Long"}


def test_a_form_body_that_base64_inflates_past_6_mb_never_reaches_the_function(local_only):
    headers = {**manager_headers(local_only), "Content-Type": "application/x-www-form-urlencoded"}
    response = requests.post(local_only.url(SECTION), data=b"name=" + b"a" * 4_800_000, headers=headers, timeout=60)
    assert response.status_code == 413
    assert response.json() == {"message": "Request Too Long"}


def test_a_body_over_10_mb_is_refused_by_the_gateway(local_only):
    response = requests.post(
        local_only.url(SECTION), data=b"a" * (10 * 1024 * 1024 + 1), headers=manager_headers(local_only), timeout=60
    )
    assert response.status_code == 413
    assert "10485760" in response.text


def test_authorizer_401_carries_www_authenticate_as_aws_sends_it(local_only):
    missing = requests.post(local_only.url(SECTION), json={"name": "x"}, timeout=30)
    assert (missing.status_code, missing.json()) == (401, {"message": "Unauthorized"})
    assert missing.headers["www-authenticate"] == "Bearer"
    expired = post_section(local_only, local_only.token("--expires-in", "-60"))
    assert expired.status_code == 401
    assert expired.headers["www-authenticate"].startswith('Bearer scope="" error="invalid_token" error_description="')


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "HEAD"])
def test_a_known_path_with_another_method_is_405_with_allow(local_only, method):
    for path in (SECTION, SECTION.rstrip("/")):
        response = requests.request(method, local_only.url(path), headers=manager_headers(local_only), timeout=30)
        assert response.status_code == 405
        # Whichever function API Gateway hands it to, Allow names the resource's methods.
        assert response.headers["Allow"] == "GET, POST"
        if method != "HEAD":
            assert response.json()["type"] == "urn:course-api:problem:method-not-allowed"


def test_a_chunked_body_is_read_whole_and_the_connection_serves_the_next_request(local_only):
    """HTTP/1.1 clients may send a body chunked (RFC 9112, section 7.1); the function gets it whole.

    Found by schemathesis: left unread, the final chunk was parsed as the next request, and the
    answer to the next request on the connection was an HTML error page.
    """
    host, port = urlsplit(local_only.base_url).hostname, urlsplit(local_only.base_url).port
    connection = http.client.HTTPConnection(host, port, timeout=30)
    chunks = iter([b'{"name": ', b'"Chunked"}'])
    connection.request("POST", SECTION, body=chunks, headers=manager_headers(local_only), encode_chunked=True)
    created = connection.getresponse()
    assert created.status == 201
    section = json.loads(created.read())
    assert section["name"] == "Chunked"
    connection.request("GET", f"{SECTION}{section['id']}/", headers=manager_headers(local_only))
    read = connection.getresponse()
    assert (read.status, json.loads(read.read())) == (200, section)
    connection.close()


def test_methods_are_case_sensitive(local_only):
    """`post` is not `POST` (RFC 9110); requests upper-cases methods, so this one goes out by hand."""
    host, port = urlsplit(local_only.base_url).hostname, urlsplit(local_only.base_url).port
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.request("post", SECTION, body=b'{"name": "x"}', headers=manager_headers(local_only))
    response = connection.getresponse()
    assert response.status == 405
    assert response.getheader("Allow") == "GET, POST"
    assert json.loads(response.read())["status"] == 405
    connection.close()


@pytest.fixture(scope="module")
def wildcard_cors_api(tmp_path_factory) -> Iterator[str]:
    os.environ.setdefault("LOCALDEV_HOME", str(tmp_path_factory.mktemp("cors-home")))
    overrides = "CorsAllowedOrigins=https://*.example.com,http://localhost:5173"
    with serve("--dynamodb-port", "0", "--parameter-overrides", overrides) as server:
        yield server.wait_for([r"Local API:\s+(?P<url>http://\S+)"])["url"]


def test_cors_origin_wildcards_are_honoured(wildcard_cors_api):
    token = mint("--sub", "cors", "--group", "course:1:manager")
    headers = {"Authorization": f"Bearer {token}", "Origin": "https://app.example.com"}
    granted = requests.post(wildcard_cors_api + SECTION, json={"name": "CORS"}, headers=headers, timeout=30)
    assert granted.status_code == 201
    assert granted.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    refused = requests.post(
        wildcard_cors_api + SECTION,
        json={"name": "CORS"},
        headers={**headers, "Origin": "https://app.example.org"},
        timeout=30,
    )
    assert refused.status_code == 201
    assert "Access-Control-Allow-Origin" not in refused.headers
    preflight = requests.options(
        wildcard_cors_api + SECTION,
        headers={"Origin": "https://a.example.com", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://a.example.com"


@pytest.fixture
def silent_dynamodb() -> Iterator[str]:
    """A DynamoDB endpoint that accepts connections and never answers: the function waits on it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()
    for connection in held:
        connection.close()


def test_a_function_past_its_timeout_is_killed_answered_500_and_its_environment_discarded(
    silent_dynamodb, tmp_path_factory
):
    os.environ.setdefault("LOCALDEV_HOME", str(tmp_path_factory.mktemp("timeout-home")))
    arguments = ["--dynamodb-endpoint", silent_dynamodb, "--workers", "1"]
    with serve(*arguments, "--parameter-overrides", "FunctionTimeout=1") as server:
        url = server.wait_for([r"Local API:\s+(?P<url>http://\S+)"])["url"]
        headers = {"Authorization": f"Bearer {mint('--sub', 't', '--group', 'course:1:manager')}"}
        for _ in range(2):
            response = requests.post(url + SECTION, json={"name": "Slow"}, headers=headers, timeout=30)
            assert response.status_code == 500
            assert response.json() == {"message": "Internal Server Error"}
        # Both timeouts' lines, however late the emulators' output is relayed; then nothing more is coming.
        server.wait_for([r"(?s)(Task timed out after 1\.00 seconds.*){2}"])
        output = server.output()
    assert output.count("Task timed out after 1.00 seconds") == 2
    # Lambda discards a timed-out environment: the second request initialised a fresh runtime.
    assert output.count("INIT_START") == 2, output[-3000:]


def test_a_token_without_the_required_scope_is_403_from_the_gateway(local_only):
    """With the stack's own user pool every route requires the access-token scope; an ID token has none."""
    response = post_section(local_only, local_only.token("--no-scope"))
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("group", ["team,course:1:manager", "course:1:manager,team", '"course:1:manager"'])
def test_a_group_named_like_a_role_grants_nothing(local_only, group):
    response = post_section(local_only, mint("--sub", "g", "--group", group))
    assert response.status_code == 403
    assert response.json()["type"] == "urn:course-api:problem:forbidden"


def test_serve_says_when_it_has_stopped_and_leaves_no_endpoints_behind(tmp_path):
    """Ctrl-C (SIGINT, as a terminal sends it) ends with a "stopped" line, and seed-course no longer finds it."""
    import signal

    from localdev.endpoints import running_dynamodb

    with serve("--dynamodb-port", "0", env={"LOCALDEV_HOME": str(tmp_path)}) as server:
        found = server.wait_for([r"DynamoDB:\s+(?P<dynamodb>http://\S+)"])
        assert running_dynamodb(home=tmp_path) == found["dynamodb"], "seed-course finds the running make dev"
        server.process.send_signal(signal.SIGINT)
        lines = server.wait_exit().splitlines()
    assert lines[-2:] == ["stopping", "stopped"], lines[-5:]
    assert running_dynamodb(home=tmp_path) is None
