"""The built-mode e2e tier catches what a test of the source tree cannot: a layer that lacks a dependency.

A copy of the built layer without pydantic is served as the function's /opt/python; the function
cannot initialise, and API Gateway's answer is a 500 (AWS, "Troubleshooting issues with HTTP API
Lambda integrations": https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html).
"""

from __future__ import annotations

import shutil

import pytest
import requests

from localdev.functions import HOST_LAYER_DIR, built_ready
from tests.e2e.conftest import mint, serve

pytestmark = pytest.mark.e2e


def test_a_layer_missing_a_dependency_fails_the_built_mode_e2e(tmp_path, local_only):
    if not built_ready():
        pytest.fail("the built artifacts are missing: `make test` builds them (`make built`)")
    broken = tmp_path / "python"
    shutil.copytree(HOST_LAYER_DIR, broken)
    for package in ("pydantic", "pydantic_core"):
        shutil.rmtree(broken / package)
    headers = {"Authorization": f"Bearer {mint('--sub', 'b', '--group', 'course:1:manager')}"}

    with serve("--dynamodb-port", "0", "--layer-dir", str(broken)) as server:
        url = server.wait_for([r"Local API:\s+(?P<url>http://\S+)"])["url"]
        response = requests.post(url + "/api/v2/course/1/section/", json={"name": "x"}, headers=headers, timeout=60)
        # The function's log reaches the server's output on its own schedule: wait for the line itself.
        server.wait_for([r"No module named 'pydantic"])
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}

    # The same request, the whole layer: the e2e tier's ordinary case.
    whole = requests.post(local_only.url("/api/v2/course/1/section/"), json={"name": "x"}, headers=headers, timeout=60)
    assert whole.status_code == 201
