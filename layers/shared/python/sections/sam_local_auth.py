"""Under `sam local start-api` only: SAM CLI runs no JWT authorizer, so the function checks local tokens itself.

Reachable only when AWS_SAM_LOCAL is "true" and the event has no authorizer context; `make sam-local`
passes the local development JWKS, issuer and audience through an env-vars file.
"""

from __future__ import annotations

import json
import os

from sections.authorization import bearer_token
from sections.token_verification import TokenRejected, claims_from_jwks_document


def claims_from_bearer_token(authorization: str | None) -> dict[str, str] | None:
    token = bearer_token(authorization)
    jwks = os.environ.get("LOCAL_JWKS")
    if not token or not jwks:
        return None
    try:
        return claims_from_jwks_document(
            token,
            json.loads(jwks),
            issuer=os.environ.get("LOCAL_JWT_ISSUER", ""),
            audiences=os.environ.get("LOCAL_JWT_AUDIENCE", "").split(","),
        )
    except TokenRejected:
        return None
