"""A local HTTP API as harsh as API Gateway's: routes, each route's JWT authorizer, and CORS, all from
what `sam deploy` creates (template.yaml translated by aws-sam-translator: localdev/deployed_api.py).

Each request is routed by the same matcher the infrastructure test uses (localdev/route_matching.py),
becomes the payload 2.0 event API Gateway would build, and is invoked on a Lambda execution
environment (localdev/lambda_workers.py). What API Gateway answers itself, it answers here too,
with the function never invoked. docs/aws-behaviour.md has the source of each behaviour; the ones
AWS does not document exactly are listed in docs/deploying.md, "What the first deploy must check".
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from localdev.authorizer import AuthorizerRefused, JwtAuthorizer
from localdev.deployed_api import DeployedApi, deployed_api
from localdev.lambda_workers import Invocation
from localdev.loopback_http import LoopbackRequestHandler
from localdev.route_matching import RouteMatch, decoded_path, match_route
from localdev.template import Template
from sections.cors import is_preflight, lowercase_headers
from sections.token_verification import authorizer_context

# API Gateway quotas (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
REQUEST_LINE_AND_HEADERS_LIMIT = 10_240
PAYLOAD_LIMIT = 10 * 1024 * 1024
# Lambda's synchronous invocation payload, counted on the event as sent (bodies base64-encoded).
INVOCATION_PAYLOAD_LIMIT = 6 * 1024 * 1024
# Lambda's synchronous response payload: the function's answer as serialized JSON, at most 6,291,556 bytes
# (Lambda quotas, "Invocation payload": 6 MB; the figure is the one in Lambda's own error,
# Function.ResponseSizeTooLarge). Past it the invocation fails, and API Gateway answers as for any function error.
RESPONSE_PAYLOAD_LIMIT = 6_291_556
INTEGRATION_TIMEOUT_SECONDS = 30
# Only these arrive as text; everything else, forms included, is base64-encoded.
_TEXT_MEDIA_TYPES = ("text/", "application/json", "application/xml", "application/javascript")

Invoke = Callable[[str, dict[str, Any], float], Invocation]


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def gateway_message(status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> HttpResponse:
    """API Gateway's own answers: a compact JSON {"message":...}, as its JWT authorizer answers 401 (AWS,
    "Troubleshooting issues with HTTP API JWT authorizers"; the challenges below cite it)."""
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return HttpResponse(status, [("Content-Type", "application/json"), *headers], body)


class LocalHttpApi:
    def __init__(
        self,
        template: Template,
        authorizer: JwtAuthorizer,
        invoke: Invoke,
        log: Callable[[str], None] = print,
        integration_timeout: float = INTEGRATION_TIMEOUT_SECONDS,
        deployed: DeployedApi | None = None,
    ):
        self.template = template
        deployed = deployed or deployed_api(template)
        self.routes = deployed.routes
        self.cors = deployed.cors
        if deployed.cors_problem:
            log(f"no CORS configuration, as deployed: {deployed.cors_problem}")
        self.identity_headers = deployed.identity_headers
        self.authorizer = authorizer
        self.invoke = invoke
        self.log = log
        self.integration_timeout = integration_timeout

    # ---- one request ----
    def handle(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> HttpResponse:
        request_id = base64.urlsafe_b64encode(uuid.uuid4().bytes[:12]).decode()
        request_size = len(f"{method} {target} HTTP/1.1") + sum(len(name) + len(value) for name, value in headers)
        if request_size > REQUEST_LINE_AND_HEADERS_LIMIT:
            response = gateway_message(413, "Request Too Long")
        elif len(body) > PAYLOAD_LIMIT:
            response = content_length_exceeded()
        else:
            lowered = lowercase_headers(headers)
            response = self._with_cors(self._route(method, target, headers, lowered, body, request_id), method, lowered)
        response.headers.append(("apigw-requestid", request_id))
        return response

    def _route(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        lowered: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> HttpResponse:
        split = urlsplit(target)
        path = decoded_path(split.path)
        matched = match_route(self.routes, method, path)
        if matched is None:
            # With CORS configured, API Gateway answers a preflight that no route takes itself; a route
            # that takes it (a $default route, say) gets it instead, authorizer and all (AWS http-api-cors).
            if self.cors and is_preflight(method, lowered):
                return HttpResponse(204)
            return gateway_message(404, "Not Found")
        claims = None
        if matched.route.authorizer:
            try:
                token_header = self.identity_headers[matched.route.authorizer]
                claims = self.authorizer.authorize(lowered.get(token_header), matched.route.scopes)
            except AuthorizerRefused as refused:
                return gateway_message(
                    refused.status, refused.message, [("www-authenticate", refused.www_authenticate)]
                )
        event = self.event(matched, method, path, split.query, headers, body, claims, request_id)
        if len(json.dumps(event)) > INVOCATION_PAYLOAD_LIMIT:
            return gateway_message(413, "Request Too Long")
        return self._invoke(matched.route.target, event)

    def _invoke(self, function: str, event: dict[str, Any]) -> HttpResponse:
        try:
            invocation = self.invoke(function, event, self.integration_timeout)
        except TimeoutError:
            return gateway_message(503, "Service Unavailable")
        if invocation.failed:
            self.log(f"function error: {invocation.payload[:200].decode(errors='replace')}")
            return gateway_message(500, "Internal Server Error")
        if len(invocation.payload) > RESPONSE_PAYLOAD_LIMIT:
            self.log(f"function error: Function.ResponseSizeTooLarge ({len(invocation.payload)} bytes)")
            return gateway_message(500, "Internal Server Error")
        return lambda_response(invocation.payload)

    def _with_cors(self, response: HttpResponse, method: str, headers: dict[str, str]) -> HttpResponse:
        """With a CORS configuration, "API Gateway ignores CORS headers returned from your backend
        integration" and adds the configured ones: a preflight's, or an actual request's (AWS http-api-cors)."""
        if not self.cors:
            return response
        response.headers = [(n, v) for n, v in response.headers if not n.lower().startswith("access-control-")]
        added = (
            self.cors.preflight_headers(headers)
            if is_preflight(method, headers)
            else self.cors.response_headers(headers.get("origin"))
        )
        response.headers += [header for header in added if header not in response.headers]
        return response

    @staticmethod
    def event(
        matched: RouteMatch,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        claims: dict[str, str] | None,
        request_id: str,
    ) -> dict[str, Any]:
        """The HTTP API payload format 2.0 event, shaped as API Gateway builds it."""
        lowered = [(name.lower(), value) for name, value in headers]
        cookies = [
            part.strip() for name, value in lowered if name == "cookie" for part in value.split(";") if part.strip()
        ]
        merged = _comma_joined((name, value) for name, value in lowered if name != "cookie")
        query_parameters = _comma_joined(parse_qsl(query, keep_blank_values=True))
        now = datetime.now(UTC)
        is_text = _is_text(merged.get("content-type", ""), body)
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": matched.route.route_key,
            "rawPath": path,
            "rawQueryString": query,
            "headers": merged,
            "requestContext": {
                "accountId": "000000000000",
                "apiId": "local",
                "domainName": merged.get("host", "127.0.0.1"),
                "domainPrefix": "local",
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": merged.get("user-agent", ""),
                },
                "requestId": request_id,
                "routeKey": matched.route.route_key,
                "stage": "$default",
                "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "timeEpoch": int(now.timestamp() * 1000),
            },
            "isBase64Encoded": not is_text,
        }
        if cookies:
            event["cookies"] = cookies
        if query_parameters:
            event["queryStringParameters"] = query_parameters
        if matched.path_parameters:
            event["pathParameters"] = matched.path_parameters
        if body:
            event["body"] = body.decode("utf-8") if is_text else base64.b64encode(body).decode()
        if claims is not None:
            event["requestContext"]["authorizer"] = authorizer_context(claims, matched.route.scopes)
        return event


def content_length_exceeded() -> HttpResponse:
    """Over the 10 MB payload quota: API Gateway's plain-text 413 (seen in a captured answer; unverified for HTTP APIs)."""
    return HttpResponse(
        413, [("Content-Type", "text; charset=utf-8")], f"HTTP content length exceeded {PAYLOAD_LIMIT} bytes.".encode()
    )


def lambda_response(payload: bytes) -> HttpResponse:
    """Payload format 2.0's answer; without a statusCode, API Gateway sends 200 with the whole JSON as body.

    AWS, "Create AWS Lambda proxy integrations for HTTP APIs", format 2.0 responses:
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
    """
    try:
        result = json.loads(payload)
    except ValueError:
        result = None
    if not isinstance(result, dict) or "statusCode" not in result:
        return HttpResponse(200, [("Content-Type", "application/json")], payload)
    headers = [(name, str(value)) for name, value in (result.get("headers") or {}).items()]
    headers += [("Set-Cookie", cookie) for cookie in result.get("cookies") or []]
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return HttpResponse(int(result["statusCode"]), headers, raw)


def _is_text(content_type: str, body: bytes) -> bool:
    """Like API Gateway: only the text media types arrive as text; `+json` and forms arrive base64-encoded."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not media_type.startswith(_TEXT_MEDIA_TYPES):
        return not body
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _comma_joined(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Repeated headers and query parameters, as API Gateway passes them: values joined by commas."""
    joined: dict[str, str] = {}
    for key, value in pairs:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def make_http_server(api: LocalHttpApi, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(LoopbackRequestHandler):
        server_version = "local-http-api"
        # Longer request lines reach our own limit check instead of the standard library's 414.
        max_request_line = REQUEST_LINE_AND_HEADERS_LIMIT * 2

        def _serve(self) -> None:
            started = time.perf_counter()
            payload = self.read_body(PAYLOAD_LIMIT)
            if payload is None:
                self.close_connection = True  # the rest of the body is not read
                response = content_length_exceeded()
            else:
                response = api.handle(self.command, self.path, list(self.headers.items()), payload)
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            elapsed = (time.perf_counter() - started) * 1000
            # The path without the query, as the access log's $context.path: a token pasted into a query never reaches a log.
            api.log(f"{self.command} {urlsplit(self.path).path} {response.status} {elapsed:.1f}ms")

        def __getattr__(self, name: str) -> Any:
            # Every method, TRACE and made-up ones included, goes through routing: API Gateway answers
            # an unmatched method with 404 {"message":"Not Found"}, not 501 (found by schemathesis).
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass  # one line per request is written by _serve

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
