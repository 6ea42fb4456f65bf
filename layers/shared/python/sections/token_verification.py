"""JWT checks as API Gateway's HTTP API JWT authorizer makes them, and its flattened claim format.

Used by the local gateway (localdev) and, under `sam local` only, by the function itself, so both
accept exactly the same tokens. Never imported on a deployed function: PyJWT is not in its layer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import jwt

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
