"""A local HTTP API as harsh as API Gateway's: routes, JWT authorizer and CORS from template.yaml.

Each request is routed by the same matcher the infrastructure test uses (localdev/routes.py),
becomes the payload 2.0 event API Gateway would build, and is invoked on a Lambda execution
environment (localdev/lambda_workers.py). What API Gateway answers itself, it answers here too,
with the function never invoked. Sources for each behaviour are in ../shared/AWS-FACTS.md; the
ones AWS does not document exactly are listed as unverified in README.md, next to the deploy steps.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from localdev.authorizer import AuthorizerRefused, JwtAuthorizer, token_scopes
from localdev.lambda_workers import Invocation
from localdev.loopback_http import LoopbackRequestHandler
from localdev.routes import RouteMatch, decoded_path, match_route
from localdev.template import Template

# API Gateway quotas (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
REQUEST_LINE_AND_HEADERS_LIMIT = 10_240
PAYLOAD_LIMIT = 10 * 1024 * 1024
# Lambda's synchronous invocation payload, counted on the event as sent (bodies base64-encoded).
INVOCATION_PAYLOAD_LIMIT = 6 * 1024 * 1024
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
    """API Gateway's own answers: a JSON {"message": ...}."""
    body = json.dumps({"message": message}).encode()
    return HttpResponse(status, [("Content-Type", "application/json"), *headers], body)


class LocalHttpApi:
    def __init__(
        self,
        template: Template,
        authorizer: JwtAuthorizer,
        invoke: Invoke,
        log: Callable[[str], None] = print,
        integration_timeout: float = INTEGRATION_TIMEOUT_SECONDS,
    ):
        self.template = template
        self.routes = template.routes()
        api = template.http_api()
        self.cors = template.resolve(api.get("CorsConfiguration") or {})
        auth = api.get("Auth", {})
        self.default_authorizer = auth.get("DefaultAuthorizer")
        sources = auth.get("Authorizers", {}).get(self.default_authorizer, {}).get("IdentitySource", "")
        self.identity_header = sources.rsplit(".", 1)[-1].lower() if sources else "authorization"
        self.scopes = template.authorizer_scopes(self.default_authorizer) if self.default_authorizer else []
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
            lowered = _lowercase_headers(headers)
            origin = lowered.get("origin")
            if method == "OPTIONS" and origin and "access-control-request-method" in lowered and self.cors:
                response = self._preflight(origin, lowered)
            else:
                response = self._with_cors(self._route(method, target, headers, lowered, body, request_id), origin)
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
            return gateway_message(404, "Not Found")
        claims = None
        if self.default_authorizer:
            try:
                claims = self.authorizer.authorize(lowered.get(self.identity_header), self.scopes)
            except AuthorizerRefused as refused:
                return gateway_message(
                    refused.status, refused.message, [("www-authenticate", refused.www_authenticate)]
                )
        event = self.event(matched, method, path, split.query, headers, body, claims, request_id)
        if claims is not None and self.scopes:
            event["requestContext"]["authorizer"]["jwt"]["scopes"] = token_scopes(claims)
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
        return lambda_response(invocation.payload)

    def _preflight(self, origin: str, headers: dict[str, str]) -> HttpResponse:
        """API Gateway answers preflight itself from the API's CORS configuration; the function never runs."""
        requested = headers.get("access-control-request-method", "").upper()
        methods = [m.upper() for m in self.cors.get("AllowMethods", [])]
        if not (self._origin_allowed(origin) and (requested in methods or "*" in methods)):
            return HttpResponse(204)
        return HttpResponse(
            204,
            [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Methods", ",".join(methods)),
                ("Access-Control-Allow-Headers", ",".join(self.cors.get("AllowHeaders", []))),
                ("Access-Control-Max-Age", str(self.cors.get("MaxAge", 0))),
                ("Vary", "Origin"),
            ],
        )

    def _origin_allowed(self, origin: str) -> bool:
        """`*`, an exact origin, or a prefix wildcard such as `https://*.example.com` (AWS http-api-cors)."""
        return any(
            allowed == "*" or allowed == origin or ("*" in allowed and fnmatch.fnmatchcase(origin, allowed))
            for allowed in self.cors.get("AllowOrigins", [])
        )

    def _with_cors(self, response: HttpResponse, origin: str | None) -> HttpResponse:
        """With a CORS configuration, "API Gateway ignores CORS headers returned from your backend integration"."""
        if not self.cors:
            return response
        response.headers = [(n, v) for n, v in response.headers if not n.lower().startswith("access-control-")]
        if origin and self._origin_allowed(origin):
            response.headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
            if self.cors.get("ExposeHeaders"):
                response.headers.append(("Access-Control-Expose-Headers", ",".join(self.cors["ExposeHeaders"])))
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
            event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
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


def _lowercase_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


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
            api.log(f"{self.command} {self.path} {response.status} {elapsed:.1f}ms")

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
