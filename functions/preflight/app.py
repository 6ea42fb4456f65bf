"""CORS preflight: the API's `OPTIONS /{proxy+}` route, which has no authorizer, invokes this function.

A browser sends a preflight without the Authorization header, so a route behind the JWT authorizer
would answer it 401; with a `$default` route that carries the authorizer, every OPTIONS request
would meet it (AWS, "Configure CORS for HTTP APIs"). This answers 204 with the API's CORS headers
and no body, and touches nothing: its role may only write its logs. API Gateway replaces an
integration's CORS headers with its own configuration's, which says the same (template.yaml).
"""

from __future__ import annotations

from typing import Any

from sections.cors import CorsConfiguration, lowercase_headers

CORS = CorsConfiguration.from_env()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    headers = CORS.preflight_headers(lowercase_headers(event.get("headers") or {}))
    return {"statusCode": 204, "headers": dict(headers), "body": ""}
