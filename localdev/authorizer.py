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
from sections.token_verification import (
    AuthorizerRefused,
    TokenRejected,
    authorize,
    claims_from_jwks_document,
    flatten_claims,
    token_scopes,
    verify_token,
)

__all__ = ["AuthorizerRefused", "JwtAuthorizer", "token_scopes"]


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
        """The claims as API Gateway passes them to the function; AuthorizerRefused for its 401 or 403."""
        return authorize(authorization_header, self._verify, scopes)
