"""Under `sam local start-api` only: SAM CLI runs no JWT authorizer, so the function makes its checks itself.

The same code as the local gateway's (sections.token_verification): signature, iss, aud/client_id,
exp/nbf and the routes' scopes, and on failure the gateway's own 401/403, not the function's problem.
A token that passes is put in the event where API Gateway puts it, so the handler runs as deployed.
`make sam-local` passes the local JWKS, issuer, audience and the routes' scopes (read from the template)
through its env-vars file; a function whose routes have no authorizer (the preflight) gets no JWKS.
Reached only when AWS_SAM_LOCAL is "true" and the event has no authorizer context.
"""

from __future__ import annotations

import json
import os
from typing import Any

from sections.cors import lowercase_headers
from sections.token_verification import AuthorizerRefused, authorize, authorizer_context, claims_from_jwks_document


def gateway_refusal(event: dict[str, Any]) -> dict[str, Any] | None:
    """The gateway's answer when the token fails; None (and the claims in the event) when it passes."""
    jwks = os.environ.get("LOCAL_JWKS")
    if not jwks:
        return None
    document = json.loads(jwks)
    issuer = os.environ.get("LOCAL_JWT_ISSUER", "")
    audiences = os.environ.get("LOCAL_JWT_AUDIENCE", "").split(",")
    scopes = json.loads(os.environ.get("LOCAL_JWT_SCOPES") or "[]")
    headers = lowercase_headers(event.get("headers") or {})
    try:
        claims = authorize(
            headers.get("authorization"),
            lambda token: claims_from_jwks_document(token, document, issuer=issuer, audiences=audiences),
            scopes,
        )
    except AuthorizerRefused as refused:
        return {
            "statusCode": refused.status,
            "headers": {"content-type": "application/json", "www-authenticate": refused.www_authenticate},
            "body": json.dumps({"message": refused.message}, separators=(",", ":")),
        }
    event.setdefault("requestContext", {})["authorizer"] = authorizer_context(claims, scopes)
    return None
