"""JWT checks as API Gateway's HTTP API JWT authorizer makes them, and its flattened claim format.

Used by the local gateway (localdev) and, under `sam local` only, by the function itself, so both
accept exactly the same tokens. Never imported on a deployed function: PyJWT is not in its layer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import jwt

from sections.authorization import bearer_token

ALGORITHMS = ["RS256"]  # API Gateway verifies RSA signatures only; `none` and HMAC never pass


class TokenRejected(Exception):
    """The token fails a check API Gateway makes; the client gets 401 {"message":"Unauthorized"}."""


def verify_token(
    token: str, signing_key: Callable[[str], Any], *, issuer: str, audiences: Iterable[str]
) -> dict[str, Any]:
    """Signature (RS256), iss, exp and nbf; then aud, or client_id when the token has no aud."""
    try:
        # algorithms=ALGORITHMS is the whole algorithm check: PyJWT refuses `none`, HS256 and the rest.
        claims: dict[str, Any] = jwt.decode(
            token,
            key=signing_key(token),
            algorithms=ALGORITHMS,
            issuer=issuer,
            options={"verify_aud": False, "require": ["exp", "iss"]},
        )
    except jwt.PyJWTError as error:
        raise TokenRejected(str(error)) from None
    allowed = set(audiences)
    token_audiences = claims.get("aud", claims.get("client_id"))
    if isinstance(token_audiences, str):
        token_audiences = [token_audiences]
    if not allowed.intersection(token_audiences or []):
        raise TokenRejected("audience not allowed")
    return claims


def flatten_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Every value a string, arrays as "[a b]": what the Lambda receives behind API Gateway."""
    return {name: _flatten(value) for name, value in claims.items()}


def _flatten(value: Any) -> str:
    if isinstance(value, list):
        return "[" + " ".join(_flatten(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def claims_from_jwks_document(
    token: str, jwks: dict[str, Any], *, issuer: str, audiences: Iterable[str]
) -> dict[str, str]:
    """Verifies against an in-memory JWKS and returns the claims in API Gateway's flattened form."""
    keys = jwt.PyJWKSet.from_dict(jwks)

    def signing_key(candidate: str) -> Any:
        kid = jwt.get_unverified_header(candidate).get("kid")
        for key in keys.keys:
            if key.key_id == kid:
                return key
        raise TokenRejected("unknown signing key")

    return flatten_claims(verify_token(token, signing_key, issuer=issuer, audiences=audiences))


def authorize(
    authorization_header: str | None, verify: Callable[[str], dict[str, str]], scopes: Iterable[str] = ()
) -> dict[str, str]:
    """The JWT authorizer's decision: the flattened claims, or AuthorizerRefused with its 401 or 403.

    With route scopes, the token must carry at least one of them in its `scope` (space-separated)
    or `scp` claim (AWS, "Controlling access to HTTP APIs with JWT authorizers").
    """
    token = bearer_token(authorization_header)
    if token is None:
        raise AuthorizerRefused(401, "Unauthorized", NO_TOKEN_CHALLENGE)
    try:
        claims = verify(token)
    except TokenRejected as rejected:
        raise AuthorizerRefused(401, "Unauthorized", invalid_token_challenge(str(rejected))) from None
    required = set(scopes)
    if required and not required & set(token_scopes(claims)):
        challenge = f'Bearer scope="{" ".join(sorted(required))}" error="insufficient_scope"'
        raise AuthorizerRefused(403, "Forbidden", challenge + ' error_description="the token lacks the scope"')
    return claims


def authorizer_context(claims: dict[str, str], route_scopes: Iterable[str]) -> dict[str, Any]:
    """`requestContext.authorizer` as API Gateway fills it: the claims, and the token's scopes when the route asks for some."""
    return {"jwt": {"claims": claims, "scopes": token_scopes(claims) if list(route_scopes) else None}}


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
