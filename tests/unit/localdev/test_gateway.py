"""The local gateway answers what API Gateway answers itself, with a recording stand-in for the function.

Each behaviour's AWS source is in docs/aws-behaviour.md.
"""

from __future__ import annotations

import base64
import json

import pytest

from localdev import cli
from localdev.authorizer import JwtAuthorizer
from localdev.gateway import INVOCATION_PAYLOAD_LIMIT, PAYLOAD_LIMIT, RESPONSE_PAYLOAD_LIMIT, LocalHttpApi
from localdev.keys import LocalKeys
from localdev.lambda_workers import Invocation
from localdev.template import ROOT, local_template

SECTION = "/api/v2/course/1/section/"
STACK_POOL_SCOPES = local_template().authorizer_scopes()
CREATED = json.dumps({"statusCode": 201, "headers": {"Content-Type": "application/json"}, "body": '{"id":1}'})


class RecordingFunction:
    def __init__(self, answer: Invocation | Exception):
        self.answer = answer
        self.events: list[dict] = []

    def __call__(self, function: str, event: dict, wait: float) -> Invocation:
        self.events.append(event)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def keys(tmp_path):
    return LocalKeys(tmp_path).ensure()


@pytest.fixture
def token(keys):
    return keys.mint(sub="s", groups=["course:1:manager"], roles_claim="cognito:groups", scopes=STACK_POOL_SCOPES)


def gateway(keys, answer=None, **overrides):
    function = RecordingFunction(answer or Invocation(CREATED.encode()))
    api = LocalHttpApi(local_template(overrides), JwtAuthorizer.from_environment(keys), function, log=lambda _: None)
    return api, function


def headers_of(response):
    return {name.lower(): value for name, value in response.headers}


def cors_headers(response):
    return [name for name in headers_of(response) if name.startswith("access-control-")]


def send(api, token, method="POST", path=SECTION, body=b'{"name":"x"}', headers=(), content_type="application/json"):
    request_headers = [("Authorization", f"Bearer {token}"), ("Content-Type", content_type), *headers]
    return api.handle(method, path, request_headers, body)


def test_the_slashed_path_reaches_the_function_through_default(keys, token):
    api, function = gateway(keys)
    response = send(api, token)
    assert (response.status, response.body) == (201, b'{"id":1}')
    (event,) = function.events
    assert event["routeKey"] == "$default"
    assert "pathParameters" not in event
    assert event["rawPath"] == SECTION
    assert headers_of(response)["apigw-requestid"] == event["requestContext"]["requestId"]


def test_the_explicit_route_carries_path_parameters(keys, token):
    api, function = gateway(keys)
    send(api, token, path="/api/v2/course/%31/section")
    (event,) = function.events
    assert event["routeKey"] == "POST /api/v2/course/{id}/section"
    assert event["pathParameters"] == {"id": "1"}
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/api/v2/course/1/section"


def test_no_token_is_401_with_the_bearer_challenge_and_no_invocation(keys):
    api, function = gateway(keys)
    response = api.handle("POST", SECTION, [("Content-Type", "application/json")], b"{}")
    assert response.status == 401
    assert json.loads(response.body) == {"message": "Unauthorized"}
    assert headers_of(response)["www-authenticate"] == "Bearer"
    assert function.events == []


def test_a_bad_token_is_401_with_invalid_token(keys):
    api, function = gateway(keys)
    response = send(api, "not-a-jwt")
    assert response.status == 401
    assert headers_of(response)["www-authenticate"].startswith(
        'Bearer scope="" error="invalid_token" error_description="'
    )
    assert function.events == []


def test_request_line_and_headers_over_10240_bytes_never_reach_the_function(keys, token):
    api, function = gateway(keys)
    response = send(api, token, headers=[("X-Padding", "a" * 10_240)])
    assert response.status == 413
    assert function.events == []
    assert send(api, token, headers=[("X-Padding", "a" * 8_000)]).status == 201


def test_a_body_over_10_mb_is_refused_by_the_gateway(keys, token):
    api, function = gateway(keys)
    response = send(api, token, body=b"a" * (PAYLOAD_LIMIT + 1))
    assert response.status == 413
    assert b"10485760" in response.body
    assert function.events == []


def test_an_event_over_lambdas_6_mb_never_reaches_the_function_counting_base64(keys, token):
    """A 4.8 MB form body is 6.4 MB once base64-encoded in the event: refused. The same as JSON is text: invoked."""
    api, function = gateway(keys)
    body = b"name=" + b"a" * 4_800_000
    assert len(base64.b64encode(body)) > INVOCATION_PAYLOAD_LIMIT > len(body)
    form = send(api, token, body=body, content_type="application/x-www-form-urlencoded")
    assert form.status == 413
    assert json.loads(form.body) == {"message": "Request Too Long"}
    assert function.events == []
    send(api, token, body=body)  # application/json: sent as text, under 6 MB
    assert len(function.events) == 1


def test_a_function_error_or_timeout_is_500_from_the_gateway(keys, token):
    for answer in (
        Invocation(b"Task timed out after 1.00 seconds", failed=True, timed_out=True),
        Invocation(b"{}", failed=True),
    ):
        api, _ = gateway(keys, answer)
        response = send(api, token)
        assert response.status == 500
        assert json.loads(response.body) == {"message": "Internal Server Error"}


def test_an_answer_over_lambdas_response_limit_is_500_as_a_function_error(keys, token):
    """Lambda refuses a response past 6,291,556 bytes (Function.ResponseSizeTooLarge); the gateway sees a failed
    invocation. Counted on the serialized answer, so a body's escaped quotes count twice."""

    def answer(body_bytes: int) -> Invocation:
        shell = json.dumps({"statusCode": 200, "body": ""}).encode()
        return Invocation(json.dumps({"statusCode": 200, "body": "x" * (body_bytes - len(shell))}).encode())

    api, _ = gateway(keys, answer(RESPONSE_PAYLOAD_LIMIT))
    assert send(api, token).status == 200
    api, _ = gateway(keys, answer(RESPONSE_PAYLOAD_LIMIT + 1))
    response = send(api, token)
    assert (response.status, json.loads(response.body)) == (500, {"message": "Internal Server Error"})


def test_past_the_30_second_integration_limit_the_gateway_answers_503(keys, token):
    api, _ = gateway(keys, TimeoutError())
    response = send(api, token)
    assert response.status == 503
    assert json.loads(response.body) == {"message": "Service Unavailable"}


def test_an_answer_without_status_code_is_200_with_the_json_as_body(keys, token):
    api, _ = gateway(keys, Invocation(b'{"hello": "world"}'))
    response = send(api, token)
    assert response.status == 200
    assert json.loads(response.body) == {"hello": "world"}
    assert headers_of(response)["content-type"] == "application/json"


def test_cors_headers_of_the_function_are_dropped_and_the_gateway_grants_its_own(keys, token):
    answer = json.dumps(
        {
            "statusCode": 201,
            "headers": {"Access-Control-Allow-Origin": "*", "access-control-allow-credentials": "true"},
            "body": "",
        }
    )
    api, _ = gateway(keys, Invocation(answer.encode()), CorsAllowedOrigins="https://*.example.com")
    granted = send(api, token, headers=[("Origin", "https://app.example.com")])
    assert [name for name, _ in granted.headers if name.lower() == "access-control-allow-origin"] == [
        "Access-Control-Allow-Origin"
    ]
    assert headers_of(granted)["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-credentials" not in headers_of(granted)
    refused = send(api, token, headers=[("Origin", "https://evil.example.org")])
    assert not [name for name, _ in refused.headers if name.lower().startswith("access-control-")]


PREFLIGHT_ANSWER = Invocation(json.dumps({"statusCode": 204, "headers": {}, "body": ""}).encode())
FIXTURE_TEMPLATE = ROOT / "tests" / "fixtures" / "template-2026-11-27.yaml"


def test_preflight_reaches_the_options_route_without_a_token_and_gets_the_configured_headers(keys):
    api, function = gateway(keys, PREFLIGHT_ANSWER, CorsAllowedOrigins="https://*.example.com,https://b.test")
    preflight = [("Origin", "https://a.example.com"), ("Access-Control-Request-Method", "PATCH")]
    for path in (SECTION, SECTION.rstrip("/"), "/api/v2/course/1/", "/api/v2/course/1/section/7/"):
        response = api.handle("OPTIONS", path, preflight, b"")
        assert response.status == 204, path
        headers = headers_of(response)
        assert headers["access-control-allow-origin"] == "https://a.example.com"
        assert headers["access-control-allow-methods"] == "GET,POST,PUT,PATCH,DELETE"
        assert headers["access-control-allow-headers"] == "authorization,content-type,idempotency-key"
        assert headers["access-control-max-age"] == "600"
        assert response.body == b""
    assert {event["routeKey"] for event in function.events} == {"OPTIONS /{proxy+}"}
    assert all("authorizer" not in event["requestContext"] for event in function.events)


def test_a_preflight_from_an_origin_not_allowed_gets_no_cors_headers(keys):
    api, _ = gateway(keys, PREFLIGHT_ANSWER, CorsAllowedOrigins="https://app.example.com")
    preflight = [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")]
    response = api.handle("OPTIONS", SECTION, preflight, b"")
    assert response.status == 204
    assert not cors_headers(response)


def test_every_other_method_still_meets_the_authorizer(keys):
    api, function = gateway(keys)
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        for path in (SECTION, "/api/v2/course/1/section/2/", "/api/v2/course/1/", "/anything"):
            response = api.handle(method, path, [("Origin", "http://localhost:5173")], b"")
            assert (response.status, json.loads(response.body)) == (401, {"message": "Unauthorized"}), (method, path)
    assert function.events == []


def test_the_template_before_the_fix_deploys_an_api_whose_preflight_is_401_without_cors_headers(keys):
    """SAM took its intrinsic AllowOrigins for the whole CORS block, and $default took OPTIONS with its authorizer."""
    template = local_template(path=FIXTURE_TEMPLATE)
    logged = []
    api = LocalHttpApi(
        template, JwtAuthorizer.from_environment(keys), RecordingFunction(PREFLIGHT_ANSWER), log=logged.append
    )
    assert api.cors is None
    assert logged == [
        "no CORS configuration, as deployed: x-amazon-apigateway-cors is list, not the object API Gateway requires"
    ]
    preflight = [("Origin", "http://localhost:5173"), ("Access-Control-Request-Method", "POST")]
    response = api.handle("OPTIONS", SECTION, preflight, b"")
    assert response.status == 401
    assert not cors_headers(response)


def test_without_a_route_that_takes_it_api_gateway_answers_the_preflight_itself(keys):
    api, function = gateway(keys)
    api.routes = [route for route in api.routes if not route.is_default and route.method != "OPTIONS"]
    preflight = [("Origin", "http://localhost:5173"), ("Access-Control-Request-Method", "POST")]
    response = api.handle("OPTIONS", "/elsewhere", preflight, b"")
    assert response.status == 204
    assert headers_of(response)["access-control-allow-origin"] == "http://localhost:5173"
    assert function.events == []


def test_unmatched_requests_are_404_without_invocation_when_no_default_route(keys, token, monkeypatch):
    api, function = gateway(keys)
    api.routes = [route for route in api.routes if not route.is_default]
    response = send(api, token)
    assert response.status == 404
    assert json.loads(response.body) == {"message": "Not Found"}
    assert function.events == []


def test_stack_pool_mode_requires_the_access_token_scope(keys):
    """A Cognito ID token carries no scope: API Gateway's JWT authorizer refuses it when routes require one."""
    assert STACK_POOL_SCOPES == ["aws.cognito.signin.user.admin"]
    api, function = gateway(keys)
    id_token = keys.mint(sub="s", groups=["course:1:manager"], roles_claim="cognito:groups")
    refused = send(api, id_token)
    assert refused.status == 403
    assert json.loads(refused.body) == {"message": "Forbidden"}
    assert 'error="insufficient_scope"' in headers_of(refused)["www-authenticate"]
    assert function.events == []
    access_token = keys.mint(
        sub="s", groups=["course:1:manager"], roles_claim="cognito:groups", scopes=STACK_POOL_SCOPES
    )
    assert send(api, access_token).status == 201
    assert function.events[0]["requestContext"]["authorizer"]["jwt"]["scopes"] == STACK_POOL_SCOPES


def test_external_issuer_mode_requires_the_configured_scope(keys):
    external = {"JwtIssuer": "urn:course-api:localdev", "JwtAudience": "course-api-local"}
    assert local_template(external).failed_rules() == [
        "JwtScope is required with JwtIssuer: the scope your identity provider puts in access tokens for this "
        "API (every route requires it)."
    ]
    scoped, _ = gateway(keys, **external, JwtScope="sections:write")
    assert local_template({**external, "JwtScope": "sections:write"}).failed_rules() == []
    assert {route.scopes for route in scoped.routes if route.authorizer} == {("sections:write",)}
    assert send(scoped, keys.mint(sub="s", groups=[], roles_claim="g", scopes=["other"])).status == 403
    assert (
        send(
            scoped,
            keys.mint(sub="s", groups=["course:1:manager"], roles_claim="cognito:groups", scopes=["sections:write"]),
        ).status
        == 201
    )


def test_a_parameter_outside_its_allowed_values_is_refused_as_cloudformation_refuses_it(capsys):
    """CloudFormation validates AllowedValues before it creates anything; so does `localdev serve`."""
    assert local_template().failed_rules() == []
    assert local_template({"RoleSource": "table"}).failed_rules() == []
    assert local_template({"RoleSource": "groups"}).failed_rules() == [
        "parameter RoleSource: 'groups' is not one of token, table"
    ]
    assert cli.main(["serve", "--port", "0", "--dynamodb-port", "0", "--parameter-overrides", "RoleSource=groups"]) == 2
    assert "template rule: parameter RoleSource: 'groups' is not one of token, table" in capsys.readouterr().err


def test_origins_with_a_space_are_refused_as_cloudformation_refuses_them(capsys):
    """Fn::Split would hand API Gateway " https://b.test", which no browser sends: AllowedPattern refuses it first."""
    overrides = 'CorsAllowedOrigins="https://a.test, https://b.test"'
    assert cli.main(["serve", "--port", "0", "--dynamodb-port", "0", "--parameter-overrides", overrides]) == 2
    assert (
        "template rule: parameter CorsAllowedOrigins: 'https://a.test, https://b.test' must be origins separated by "
        "commas only" in capsys.readouterr().err
    )
