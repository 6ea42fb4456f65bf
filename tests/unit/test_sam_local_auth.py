"""Under `sam local` (no JWT authorizer runs) the function checks local development tokens itself."""

import json

import pytest

from localdev.keys import LOCAL_AUDIENCE, LOCAL_ISSUER, LocalKeys
from sections.wiring import dependencies
from tests.support import assert_problem, call, make_event


@pytest.fixture
def keys(tmp_path):
    return LocalKeys(tmp_path).ensure()


@pytest.fixture
def sam_local(monkeypatch, keys, dynamodb):
    monkeypatch.setenv("AWS_SAM_LOCAL", "true")
    monkeypatch.setenv("LOCAL_JWKS", json.dumps(keys.jwks))
    monkeypatch.setenv("LOCAL_JWT_ISSUER", LOCAL_ISSUER)
    monkeypatch.setenv("LOCAL_JWT_AUDIENCE", LOCAL_AUDIENCE)
    dependencies.cache_clear()


def sam_event(token):
    event = make_event(headers={"authorization": f"Bearer {token}"} if token else {})
    event["requestContext"].pop("authorizer")  # what SAM CLI sends
    return event


def test_local_token_is_accepted_with_flattened_groups(sam_local, keys, lambda_context):
    token = keys.mint(sub="sam-user", groups=["course:1:manager", "other"], roles_claim="cognito:groups")
    status, _, body = call(sam_event(token), lambda_context)
    assert (status, body["id"]) == (201, 1)


@pytest.mark.parametrize(
    "token_kwargs",
    [{"expires_in": -60}, {"audience": "other"}, {"issuer": "https://elsewhere"}],
    ids=["expired", "wrong-aud", "wrong-iss"],
)
def test_bad_local_tokens_are_401(sam_local, keys, lambda_context, token_kwargs):
    token = keys.mint(sub="u", groups=["course:1:manager"], roles_claim="cognito:groups", **token_kwargs)
    assert_problem(*call(sam_event(token), lambda_context), 401)


def test_token_from_another_key_is_401(sam_local, tmp_path, lambda_context):
    stranger = LocalKeys(tmp_path / "other").ensure()
    token = stranger.mint(sub="u", groups=["course:1:manager"], roles_claim="cognito:groups")
    assert_problem(*call(sam_event(token), lambda_context), 401)


def test_no_token_is_401(sam_local, lambda_context):
    assert_problem(*call(sam_event(None), lambda_context), 401)


def test_outside_sam_local_the_token_is_never_read(dynamodb, keys, lambda_context, monkeypatch):
    monkeypatch.setenv("LOCAL_JWKS", json.dumps(keys.jwks))
    dependencies.cache_clear()
    token = keys.mint(sub="u", groups=["course:1:manager"], roles_claim="cognito:groups")
    assert_problem(*call(sam_event(token), lambda_context), 401)
