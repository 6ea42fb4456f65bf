"""The HTTP API JWT authorizer, emulated: same checks, same 401, same flattened claims.

By default it trusts the local development keys. ISSUER, AUDIENCE and JWKS_URL point it at a real
identity provider (a Cognito user pool, Auth0, ...) so real tokens work locally too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import jwt

from localdev.keys import LOCAL_AUDIENCE, LOCAL_ISSUER, LocalKeys
from sections.authorization import bearer_token
from sections.token_verification import (
    TokenRejected,
    claims_from_jwks_document,
    flatten_claims,
    verify_token,
)


class JwtAuthorizer:
    def __init__(self, issuer: str, audiences: list[str], verify: Callable[[str], dict[str, str]]):
        self.issuer = issuer
        self.audiences = audiences
        self._verify = verify

    @classmethod
    def from_environment(cls, keys: LocalKeys | None = None) -> JwtAuthorizer:
        jwks_url = os.environ.get("JWKS_URL")
        issuer = os.environ.get("ISSUER") or LOCAL_ISSUER
        audiences = [a for a in (os.environ.get("AUDIENCE") or LOCAL_AUDIENCE).split(",") if a]
        if jwks_url:
            client = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=7200)  # API Gateway caches keys up to 2 h

            def remote(token: str) -> dict[str, str]:
                def signing_key(candidate: str) -> Any:
                    try:
                        return client.get_signing_key_from_jwt(candidate)
                    except jwt.PyJWKClientError as error:
                        raise TokenRejected(str(error)) from None

                return flatten_claims(verify_token(token, signing_key, issuer=issuer, audiences=audiences))

            return cls(issuer, audiences, remote)
        jwks = (keys or LocalKeys()).ensure().jwks
        return cls(
            issuer, audiences, lambda token: claims_from_jwks_document(token, jwks, issuer=issuer, audiences=audiences)
        )

    def authorize(self, authorization_header: str | None, scopes: Iterable[str] = ()) -> dict[str, str]:
        """The claims as API Gateway passes them to the function; AuthorizerRefused for its 401 or 403.

        With route scopes, the token must carry at least one of them in its `scope` (space-separated)
        or `scp` claim (AWS, "Controlling access to HTTP APIs with JWT authorizers").
        """
        token = bearer_token(authorization_header)
        if token is None:
            raise AuthorizerRefused(401, "Unauthorized", NO_TOKEN_CHALLENGE)
        try:
            claims = self._verify(token)
        except TokenRejected as rejected:
            raise AuthorizerRefused(401, "Unauthorized", invalid_token_challenge(str(rejected))) from None
        required = set(scopes)
        if required and not required & set(token_scopes(claims)):
            challenge = f'Bearer scope="{" ".join(sorted(required))}" error="insufficient_scope"'
            raise AuthorizerRefused(403, "Forbidden", challenge + ' error_description="the token lacks the scope"')
        return claims


def token_scopes(claims: dict[str, str]) -> list[str]:
    """The token's scopes from its flattened claims: `scope` is space-separated, `scp` an array ("[a b]")."""
    scopes = claims.get("scope", "").split()
    scp = claims.get("scp", "")
    if scp.startswith("[") and scp.endswith("]"):
        scopes += scp[1:-1].split()
    elif scp:
        scopes.append(scp)
    return scopes


# The challenges API Gateway's JWT authorizer sends with its 401 (AWS, "Troubleshooting issues with
# HTTP API JWT authorizers": https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html).
# The error_description wording is PyJWT's, not AWS's: AWS documents the form, not every text.
NO_TOKEN_CHALLENGE = "Bearer"  # noqa: S105 - an authentication scheme, not a secret


def invalid_token_challenge(description: str) -> str:
    quoted = description.replace("\\", "\\\\").replace('"', '\\"')
    return f'Bearer scope="" error="invalid_token" error_description="{quoted}"'


class AuthorizerRefused(Exception):
    """The JWT authorizer's own answer: 401 {"message":"Unauthorized"} or 403 {"message":"Forbidden"}; the function never runs."""

    def __init__(self, status: int, message: str, www_authenticate: str):
        super().__init__(www_authenticate)
        self.status = status
        self.message = message
        self.www_authenticate = www_authenticate
