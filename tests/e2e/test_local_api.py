"""The endpoint over real HTTP, through the gateway's JWT authorizer, CORS and routing."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
import requests

from sections.repository import section_sk
from tests.e2e.conftest import mint
from tests.support import COURSES_TABLE

pytestmark = pytest.mark.e2e

SECTION = {"name": "End to end", "dripped_at": "2025-06-01T08:00:00+02:00", "drip_delay": 2, "lessons_order": [3, 1]}


def post(target, token, body=None, path=None, headers=None, content_type="application/json"):
    request_headers = {"Content-Type": content_type, **(headers or {})}
    if token is not None:
        request_headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body if body is not None else SECTION) if content_type == "application/json" else body
    return requests.post(
        target.url(path or f"/api/v2/course/{target.course_id}/section/"),
        data=data,
        headers=request_headers,
        timeout=30,
    )


def assert_unauthorized(response):
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_create_then_read_back_from_dynamodb(target):
    response = post(target, target.token())
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"id", "name", "dripped_at", "drip_delay", "lessons_order"}
    assert created["dripped_at"] == "2025-06-01T06:00:00Z"
    assert response.headers["Location"] == f"/api/v2/course/{target.course_id}/section/{created['id']}/"

    item = target.dynamodb().get_item(
        TableName=COURSES_TABLE,
        Key={"course_id": {"N": str(target.course_id)}, "sk": {"S": section_sk(created["id"])}},
    )["Item"]
    assert item["name"] == {"S": "End to end"}
    assert item["created_by"] == {"S": "e2e-user"}
    assert item["lessons_order"] == {"L": [{"N": "3"}, {"N": "1"}]}


def test_path_without_trailing_slash(target):
    response = post(target, target.token(), path=f"/api/v2/course/{target.course_id}/section")
    assert response.status_code == 201


def test_form_body_and_the_published_example(target):
    form = post(
        target,
        target.token(),
        body="name=Form+section&lessons_order=1,2",
        content_type="application/x-www-form-urlencoded",
    )
    assert (form.status_code, form.json()["lessons_order"]) == (201, [1, 2])
    example = post(target, target.token(), body='{"name": "string"}', content_type="application/x-www-form-urlencoded")
    assert (example.status_code, example.json()["name"]) == (201, "string")


def test_no_token_is_401(target):
    assert_unauthorized(post(target, None))


def test_malformed_token_is_401(target):
    assert_unauthorized(post(target, "not-a-jwt"))


def test_expired_token_is_401(local_only):
    assert_unauthorized(post(local_only, local_only.token("--expires-in", "-60")))


def test_wrong_audience_is_401(local_only):
    assert_unauthorized(post(local_only, local_only.token("--audience", "someone-else")))


def test_wrong_issuer_is_401(local_only):
    assert_unauthorized(post(local_only, local_only.token("--issuer", "https://evil.example")))


def test_bad_signature_is_401(local_only):
    header, payload, signature = local_only.token().split(".")
    forged_claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged_claims["cognito:groups"] = ["admin", "course:2:manager"]
    forged = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=").decode()
    assert_unauthorized(post(local_only, f"{header}.{forged}.{signature}"))


def test_alg_none_is_401(local_only):
    claims = {"sub": "x", "iss": "urn:course-api:localdev", "aud": "course-api-local", "exp": int(time.time()) + 600}
    claims["cognito:groups"] = ["course:1:manager"]
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_unauthorized(post(local_only, f"{header}.{body}."))


def test_hs256_token_is_401(local_only):
    claims = {"sub": "x", "iss": "urn:course-api:localdev", "aud": "course-api-local", "exp": int(time.time()) + 600}
    token = jwt.encode(
        {**claims, "cognito:groups": ["course:1:manager"]}, "guessable-secret-of-32-bytes-min!", algorithm="HS256"
    )
    assert_unauthorized(post(local_only, token))


def test_no_role_for_the_course_is_403(local_only):
    response = post(local_only, mint("--sub", "someone", "--group", "course:2:manager"))
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 403


def test_deleted_course_is_404(local_only):
    response = post(local_only, mint("--sub", "m", "--group", "course:4:manager"), path="/api/v2/course/4/section/")
    assert response.status_code == 404
    assert response.json()["type"] == "urn:course-api:problem:course-not-found"


def test_invalid_body_is_400_through_the_gateway(target):
    response = post(target, target.token(), body={"name": "", "drip_delay": "1.5"})
    assert response.status_code == 400
    assert {error["field"] for error in response.json()["errors"]} == {"name", "drip_delay"}


def test_cors_preflight_is_answered_by_the_gateway(target):
    response = requests.options(
        target.url(f"/api/v2/course/{target.course_id}/section/"),
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=30,
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()


def test_cors_preflight_from_an_unlisted_origin_gets_no_grant(target):
    response = requests.options(
        target.url(f"/api/v2/course/{target.course_id}/section/"),
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_unknown_paths_reach_the_function_through_default_behind_the_authorizer(target):
    """The $default route takes every other path, and the JWT authorizer guards it like any route."""
    assert_unauthorized(requests.get(target.url("/api/v2/nothing-here"), timeout=30))
    response = requests.get(
        target.url("/api/v2/nothing-here"), headers={"Authorization": f"Bearer {target.token()}"}, timeout=30
    )
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:course-api:problem:not-found"


def test_each_request_is_logged_on_one_line_with_its_path_and_not_its_query(local_only):
    """As the stage's access log ($context.path): a token pasted into a query string never reaches a log."""
    post(local_only, None, path="/api/v2/course/1/section/?access_token=pasted-secret")
    local_only.server.wait_for([r"^POST /api/v2/course/1/section/ 401 [\d.]+ms$"])
    assert "pasted-secret" not in local_only.server.output()


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "TRACE", "PATCH"])
def test_other_methods_are_routed_not_refused_by_the_server(target, method):
    """Regression: schemathesis found the local gateway answering TRACE with a 501 HTML page."""
    response = requests.request(method, target.url(f"/api/v2/course/{target.course_id}/section/"), timeout=30)
    assert_unauthorized(response)
