"""Under `sam local` (no JWT authorizer runs) the function makes the authorizer's checks itself, and refuses
as API Gateway does: 401 {"message":"Unauthorized"} or 403 {"message":"Forbidden"} with `www-authenticate`."""

import json

import pytest

from localdev.keys import LOCAL_AUDIENCE, LOCAL_ISSUER, LocalKeys
from localdev.template import local_template
from sections.wiring import dependencies
from tests.support import assert_problem, call, make_event, stored_section_ids

SCOPES = local_template().authorizer_scopes()


@pytest.fixture
def keys(tmp_path):
    return LocalKeys(tmp_path).ensure()


@pytest.fixture
def sam_local(monkeypatch, keys, dynamodb):
    monkeypatch.setenv("AWS_SAM_LOCAL", "true")
    monkeypatch.setenv("LOCAL_JWKS", json.dumps(keys.jwks))
    monkeypatch.setenv("LOCAL_JWT_ISSUER", LOCAL_ISSUER)
    monkeypatch.setenv("LOCAL_JWT_AUDIENCE", LOCAL_AUDIENCE)
    monkeypatch.setenv("LOCAL_JWT_SCOPES", json.dumps(SCOPES))
    dependencies.cache_clear()


def sam_event(token):
    event = make_event(headers={"authorization": f"Bearer {token}"} if token else {})
    event["requestContext"].pop("authorizer")  # what SAM CLI sends
    return event


def mint(keys, **options):
    return keys.mint(
        sub="sam-user", groups=["course:1:manager"], roles_claim="cognito:groups", scopes=SCOPES, **options
    )


def assert_gateway_refusal(answer, status, message, challenge_start):
    got_status, headers, body = answer
    assert (got_status, body) == (status, {"message": message})
    assert headers["content-type"] == "application/json"
    assert headers["www-authenticate"].startswith(challenge_start), headers


def test_local_token_is_accepted_with_flattened_groups(sam_local, keys, lambda_context):
    token = keys.mint(sub="sam-user", groups=["course:1:manager", "other"], roles_claim="cognito:groups", scopes=SCOPES)
    event = sam_event(token)
    status, _, body = call(event, lambda_context)
    assert (status, body["id"]) == (201, 1)
    # Where API Gateway puts them: the flattened claims, and the token's scopes (the route asks for some).
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] == "[course:1:manager other]"
    assert event["requestContext"]["authorizer"]["jwt"]["scopes"] == SCOPES


@pytest.mark.parametrize(
    "token_options",
    [{"expires_in": -60}, {"audience": "other"}, {"issuer": "https://elsewhere"}],
    ids=["expired", "wrong-aud", "wrong-iss"],
)
def test_bad_local_tokens_get_the_gateways_401(sam_local, keys, lambda_context, token_options):
    answer = call(sam_event(mint(keys, **token_options)), lambda_context)
    assert_gateway_refusal(answer, 401, "Unauthorized", 'Bearer scope="" error="invalid_token"')


def test_token_from_another_key_gets_the_gateways_401(sam_local, tmp_path, lambda_context):
    stranger = LocalKeys(tmp_path / "other").ensure()
    answer = call(sam_event(mint(stranger)), lambda_context)
    assert_gateway_refusal(answer, 401, "Unauthorized", 'Bearer scope="" error="invalid_token"')


def test_no_token_gets_the_gateways_401(sam_local, lambda_context):
    assert_gateway_refusal(call(sam_event(None), lambda_context), 401, "Unauthorized", "Bearer")


def test_token_without_the_routes_scope_gets_the_gateways_403(sam_local, keys, lambda_context, dynamodb):
    token = keys.mint(sub="sam-user", groups=["course:1:manager"], roles_claim="cognito:groups", scopes=[])
    answer = call(sam_event(token), lambda_context)
    assert_gateway_refusal(answer, 403, "Forbidden", f'Bearer scope="{" ".join(SCOPES)}" error="insufficient_scope"')
    assert stored_section_ids(dynamodb) == []  # the function never ran its handler


def test_outside_sam_local_the_token_is_never_read(dynamodb, keys, lambda_context, monkeypatch):
    monkeypatch.setenv("LOCAL_JWKS", json.dumps(keys.jwks))
    dependencies.cache_clear()
    assert_problem(*call(sam_event(mint(keys)), lambda_context), 401)
