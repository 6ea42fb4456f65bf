"""The local tools read template.yaml and build what API Gateway would."""

import base64

import jwt
import pytest

from localdev.authorizer import AuthorizerRefused, JwtAuthorizer
from localdev.deployed_api import deployed_api
from localdev.gateway import LocalHttpApi
from localdev.keys import LocalKeys
from localdev.route_matching import Route, RouteMatch
from localdev.template import load_template, local_template


def test_template_routes_function_environment_and_tables():
    template = local_template()
    scopes = ("aws.cognito.signin.user.admin",)
    # The token's header, as the translated authorizer names it ($request.header.Authorization).
    assert deployed_api(template).identity_headers == {"JwtAuthorizer": "authorization"}
    assert sorted(deployed_api(template).routes, key=lambda route: route.route_key) == [
        Route("$default", "CreateSectionFunction", "JwtAuthorizer", scopes),
        Route("DELETE /api/v2/course/{id}/{proxy+}", "ChangeSectionFunction", "JwtAuthorizer", scopes),
        Route("GET /api/v2/course/{id}/{proxy+}", "ReadSectionsFunction", "JwtAuthorizer", scopes),
        Route("GET /api/v2/course/{proxy+}", "ReadSectionsFunction", "JwtAuthorizer", scopes),
        Route("OPTIONS /{proxy+}", "PreflightFunction"),
        Route("PATCH /api/v2/course/{id}/{proxy+}", "ChangeSectionFunction", "JwtAuthorizer", scopes),
        Route("PATCH /api/v2/course/{proxy+}", "ChangeSectionFunction", "JwtAuthorizer", scopes),
        Route("POST /api/v2/course/{id}/section", "CreateSectionFunction", "JwtAuthorizer", scopes),
        Route("POST /api/v2/course/{id}/section/{section_id}/lesson", "CreateSectionFunction", "JwtAuthorizer", scopes),
        Route("PUT /api/v2/course/{id}/{proxy+}", "ChangeSectionFunction", "JwtAuthorizer", scopes),
    ]
    # The Globals' variables, and a function's own on top of them, as SAM merges them.
    assert "IDEMPOTENCY_TABLE_NAME" not in template.function_environment("ReadSectionsFunction")
    assert template.function_environment("ReadSectionsFunction")["TABLE_NAME"] == "CoursesTable"
    assert template.function_layers("ReadSectionsFunction") == ["RuntimeLayer", "SharedCodeLayer"]
    environment = template.function_environment("CreateSectionFunction")
    assert environment["TABLE_NAME"] == "CoursesTable"
    assert environment["IDEMPOTENCY_TABLE_NAME"] == "IdempotencyTable"
    assert environment["ROLES_CLAIM"] == "cognito:groups"
    assert environment["ADMIN_GROUP"] == ""
    tables = template.tables()
    assert tables["CoursesTable"]["KeySchema"] == [
        {"AttributeName": "course_id", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert tables["IdempotencyTable"]["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert template.function_timeout("CreateSectionFunction") == 15
    assert local_template({"FunctionTimeout": "2"}).function_timeout("CreateSectionFunction") == 2
    assert template.function_memory("CreateSectionFunction") == 1024


def test_conditions_and_intrinsics_resolve_with_parameter_defaults_and_overrides():
    default = local_template()
    external = local_template({"JwtIssuer": "https://issuer.example", "JwtAudience": "aud-1"})
    authorizers = load_template()["Resources"]["HttpApi"]["Properties"]["Auth"]["Authorizers"]
    issuer = authorizers["JwtAuthorizer"]["JwtConfiguration"]["issuer"]
    assert default.condition("CreateUserPool") is True
    assert default.resolve(issuer) == "https://cognito-idp.us-east-1.amazonaws.com/UserPool"
    assert external.condition("CreateUserPool") is False
    assert external.resolve(issuer) == "https://issuer.example"
    assert default.condition("HasCustomDomain") is False
    assert local_template({"DomainName": "api.example", "CertificateArn": "arn:cert"}).condition("HasCustomDomain")
    assert default.resolve({"Fn::GetAtt": ["CoursesTable", "Arn"]}) == "CoursesTable.Arn"
    assert default.resolve({"Ref": "AWS::NoValue"}) is None


SECTION_ROUTE = RouteMatch(Route("POST /api/v2/course/{id}/section", "F"), {"id": "5"})


def test_event_is_shaped_like_api_gateway_payload_2():
    headers = [("Content-Type", "application/json"), ("X-Dup", "a"), ("x-dup", "b"), ("Cookie", "a=1; b=2")]
    event = LocalHttpApi.event(
        SECTION_ROUTE, "POST", "/api/v2/course/5/section", "q=1&q=2&r=", headers, b'{"name":"x"}', {"sub": "s"}, "rid"
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /api/v2/course/{id}/section"
    assert event["rawPath"] == "/api/v2/course/5/section"
    assert event["rawQueryString"] == "q=1&q=2&r="
    assert event["queryStringParameters"] == {"q": "1,2", "r": ""}
    assert event["pathParameters"] == {"id": "5"}
    assert event["headers"] == {"content-type": "application/json", "x-dup": "a,b"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["isBase64Encoded"] is False
    assert event["body"] == '{"name":"x"}'
    context = event["requestContext"]
    assert context["http"]["method"] == "POST"
    assert context["stage"] == "$default"
    assert context["requestId"] == "rid"
    assert context["time"].endswith("+0000")
    assert isinstance(context["timeEpoch"], int)
    assert context["authorizer"] == {"jwt": {"claims": {"sub": "s"}, "scopes": None}}


@pytest.mark.parametrize(
    ("content_type", "body", "encoded"),
    [
        ("application/x-www-form-urlencoded", b"name=x", True),
        ("application/octet-stream", b"\x00\x01", True),
        ("text/plain; charset=utf-8", b"hello", False),
        ("application/problem+json", b"{}", True),
        ("application/xml", b"<a/>", False),
        ("application/javascript", b"1", False),
        ("application/vnd.api+json", b"{}", True),
        ("application/json", b"\xff\xfe", True),
    ],
)
def test_non_text_bodies_are_base64_encoded(content_type, body, encoded):
    """Only text/*, application/json, application/xml and application/javascript arrive as text (docs/aws-behaviour.md)."""
    event = LocalHttpApi.event(SECTION_ROUTE, "POST", "/p", "", [("Content-Type", content_type)], body, None, "r")
    assert event["isBase64Encoded"] is encoded
    assert (base64.b64decode(event["body"]) if encoded else event["body"].encode()) == body
    assert "authorizer" not in event["requestContext"]


def test_authorizer_accepts_a_raw_token_or_bearer_and_flattens_claims(tmp_path):
    keys = LocalKeys(tmp_path).ensure()
    authorizer = JwtAuthorizer.from_environment(keys)
    token = keys.mint(
        sub="s", groups=["course:1:manager", "x"], roles_claim="cognito:groups", extra_claims={"admin": True}
    )
    for header in (f"Bearer {token}", token, f"bearer  {token}"):
        claims = authorizer.authorize(header)
        assert claims is not None
        assert claims["cognito:groups"] == "[course:1:manager x]"
        assert claims["admin"] == "true"
        assert claims["exp"].isdigit()
    for refused in (f"Basic {token}", ""):
        with pytest.raises(AuthorizerRefused) as raised:
            authorizer.authorize(refused)
        assert raised.value.www_authenticate == "Bearer"


def test_authorizer_with_a_jwks_url_uses_the_remote_keys(tmp_path, monkeypatch):
    keys = LocalKeys(tmp_path).ensure()
    issuer = "https://idp.example/"

    class FakeJwksClient:
        def __init__(self, url, **_):
            assert url == "https://idp.example/.well-known/jwks.json"

        def get_signing_key_from_jwt(self, token):
            return jwt.PyJWKSet.from_dict(keys.jwks).keys[0]

    monkeypatch.setattr("jwt.PyJWKClient", FakeJwksClient)
    monkeypatch.setenv("JWKS_URL", "https://idp.example/.well-known/jwks.json")
    monkeypatch.setenv("ISSUER", issuer)
    monkeypatch.setenv("AUDIENCE", "client-a,client-b")
    authorizer = JwtAuthorizer.from_environment()

    def token(**kwargs):
        return keys.mint(sub="s", groups=[], roles_claim="g", issuer=issuer, **kwargs)

    assert authorizer.authorize(token(audience="client-b"))["sub"] == "s"
    # Cognito access tokens carry client_id instead of aud.
    assert authorizer.authorize(token(audience="", extra_claims={"client_id": "client-a"})) is not None
    with pytest.raises(AuthorizerRefused) as raised:
        authorizer.authorize(token(audience="x"))
    assert raised.value.www_authenticate == (
        'Bearer scope="" error="invalid_token" error_description="audience not allowed"'
    )


def test_sam_env_sets_only_variables_the_template_declares(capsys, tmp_path, monkeypatch):
    """SAM CLI ignores --env-vars entries the function's Environment does not declare."""
    import json

    from localdev.cli import main

    monkeypatch.setattr("localdev.keys.KEYS_DIR", tmp_path)
    assert main(["sam-env", "--endpoint", "http://127.0.0.1:8000"]) == 0
    environments = json.loads(capsys.readouterr().out)
    assert set(environments) == {
        "CreateSectionFunction",
        "ReadSectionsFunction",
        "ChangeSectionFunction",
        "PreflightFunction",
    }
    for function, environment in environments.items():
        declared = local_template().function_environment(function)
        assert set(environment) <= set(declared), function
        assert environment["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:8000"
        if function == "PreflightFunction":  # its route has no authorizer: it checks no token
            assert not environment.get("LOCAL_JWKS")
            continue
        assert json.loads(environment["LOCAL_JWKS"])["keys"][0]["alg"] == "RS256"
        assert environment["LOCAL_JWT_ISSUER"] and environment["LOCAL_JWT_AUDIENCE"]
        assert json.loads(environment["LOCAL_JWT_SCOPES"]) == local_template().authorizer_scopes()


def test_sam_env_follows_parameter_overrides(capsys, tmp_path, monkeypatch):
    import json

    from localdev.cli import main

    monkeypatch.setattr("localdev.keys.KEYS_DIR", tmp_path)
    assert main(["sam-env", "--endpoint", "http://x:1", "--parameter-overrides", "RoleSource=table"]) == 0
    environments = json.loads(capsys.readouterr().out)
    assert {environment["ROLE_SOURCE"] for environment in environments.values()} == {"table"}


@pytest.mark.parametrize(
    ("ipam", "gateway"),
    [
        ([{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}], "172.17.0.1"),
        ([{"Subnet": "172.18.0.0/16"}], "172.18.0.1"),  # Docker 20.10 leaves the default bridge's gateway out
        ([{"Subnet": "fd00::/64"}, {"Subnet": "10.9.0.0/24", "Gateway": "10.9.0.254"}], "10.9.0.254"),
    ],
)
def test_the_store_listens_on_the_bridge_gateway(ipam, gateway):
    from localdev.sam_local import bridge_gateway

    assert bridge_gateway(ipam) == gateway


def test_docker_desktop_keeps_the_store_on_loopback():
    from localdev.sam_local import store_address

    assert store_address("Docker Desktop") is None


def test_sam_local_without_docker_says_so_in_one_line(capsys, monkeypatch):
    from localdev.cli import main

    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["sam-local", "--check-docker"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("No Docker engine answers"), error


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_authorizer_refuses_other_algorithms_even_with_the_right_key_id(tmp_path, algorithm):
    keys = LocalKeys(tmp_path).ensure()
    claims = {"sub": "s", "iss": "urn:course-api:localdev", "aud": "course-api-local", "exp": 4102444800}
    secret = None if algorithm == "none" else "a-guessable-hmac-secret-of-32-bytes!"
    token = jwt.encode(claims, secret, algorithm=algorithm, headers={"kid": keys.kid})
    with pytest.raises(AuthorizerRefused) as raised:
        JwtAuthorizer.from_environment(keys).authorize(token)
    assert raised.value.www_authenticate.startswith('Bearer scope="" error="invalid_token" error_description=')


def test_the_emulators_output_is_what_lambda_writes_and_no_more():
    from localdev.lambda_workers import lambda_log_line

    assert lambda_log_line("02 Dec 2026 19:05:02,597 [INFO] (rapid) INIT START(type: on-demand, phase: init)") == (
        "INIT_START (type: on-demand)"
    )
    assert lambda_log_line("02 Dec 2026 19:05:02,688 [INFO] (rapid) INVOKE START(requestId: 4cb5)") is None
    assert lambda_log_line("02 Dec 2026 [WARNING] (rapid) Reset initiated: Timeout") == (
        "02 Dec 2026 [WARNING] (rapid) Reset initiated: Timeout"
    )
    assert lambda_log_line("START RequestId: 4cb5 Version: $LATEST") is None
    assert lambda_log_line("END RequestId: 4cb5") is None
    report = "REPORT RequestId: 4cb5\tInit Duration: 0.02 ms\tDuration: 92.90 ms\tBilled Duration: 93 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB"
    assert lambda_log_line(report) == (
        "REPORT RequestId: 4cb5\tInit Duration: 0.02 ms\tDuration: 92.90 ms\tBilled Duration: 93 ms\tMemory Size: 128 MB"
    )
    assert (
        lambda_log_line('{"level":"INFO","message":"Request refused"}')
        == '{"level":"INFO","message":"Request refused"}'
    )
