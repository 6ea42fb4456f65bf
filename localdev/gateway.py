"""A local HTTP API: routes, JWT authorizer and CORS read from template.yaml; the handler runs in-process.

Each request becomes the payload 2.0 event API Gateway would build, and the function's response
becomes the HTTP answer. The handler runs one request at a time, like one warm Lambda container:
Powertools' resolver keeps the current event on a module-level object.
"""

from __future__ import annotations

import base64
import importlib
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from localdev.authorizer import JwtAuthorizer
from localdev.lambda_context import LocalLambdaContext
from localdev.template import Route, Template

API_GATEWAY_PAYLOAD_LIMIT = 10 * 1024 * 1024
_TEXT_MEDIA_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


def load_handler(template: Template, logical_id: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    code_dir, module_name, attribute = template.function_handler(logical_id)
    if str(code_dir) not in sys.path:
        sys.path.insert(0, str(code_dir))
    return getattr(importlib.import_module(module_name), attribute)  # type: ignore[no-any-return]


class LocalHttpApi:
    def __init__(self, template: Template, authorizer: JwtAuthorizer, log: Callable[[str], None] = print):
        self.template = template
        self.routes = template.routes()
        api = template.http_api()
        self.cors = template.resolve(api.get("CorsConfiguration") or {})
        auth = api.get("Auth", {})
        self.default_authorizer = auth.get("DefaultAuthorizer")
        sources = auth.get("Authorizers", {}).get(self.default_authorizer, {}).get("IdentitySource", "")
        self.identity_header = sources.rsplit(".", 1)[-1].lower() if sources else "authorization"
        self.authorizer = authorizer
        self.log = log
        self._handlers: dict[str, Callable[[dict[str, Any], Any], dict[str, Any]]] = {}
        self._invoke_lock = threading.Lock()

    def handler_for(self, logical_id: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        if logical_id not in self._handlers:
            self._handlers[logical_id] = load_handler(self.template, logical_id)
        return self._handlers[logical_id]

    # ---- one request ----
    def handle(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        split = urlsplit(target)
        lowered = _lowercase_headers(headers)
        origin = lowered.get("origin")
        if method == "OPTIONS" and origin and "access-control-request-method" in lowered and self.cors:
            return self._preflight(origin, lowered)
        route, parameters = self._match(method, split.path)
        if route is None:
            return _json(404, {"message": "Not Found"})
        claims = None
        if self.default_authorizer:
            claims = self.authorizer.authorize(lowered.get(self.identity_header))
            if claims is None:
                return _with_cors(_json(401, {"message": "Unauthorized"}), self.cors, origin)
        event = self.event(route, parameters, method, split.path, split.query, headers, body, claims)
        context = LocalLambdaContext(route.function, self.template.function_timeout(route.function))
        with self._invoke_lock:
            result = self.handler_for(route.function)(event, context)
        return _with_cors(_http_response(result), self.cors, origin)

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            parameters = route.match(method, path)
            if parameters is not None:
                return route, parameters
        return None, {}

    def _preflight(self, origin: str, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
        """API Gateway answers preflight itself from the API's CORS configuration; the function never runs."""
        allowed_origins = self.cors.get("AllowOrigins", [])
        response: list[tuple[str, str]] = []
        requested = headers.get("access-control-request-method", "").upper()
        methods = [m.upper() for m in self.cors.get("AllowMethods", [])]
        if (origin in allowed_origins or "*" in allowed_origins) and (requested in methods or "*" in methods):
            response = [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Methods", ",".join(methods)),
                ("Access-Control-Allow-Headers", ",".join(self.cors.get("AllowHeaders", []))),
                ("Access-Control-Max-Age", str(self.cors.get("MaxAge", 0))),
                ("Vary", "Origin"),
            ]
        return 204, response, b""

    @staticmethod
    def event(
        route: Route,
        parameters: dict[str, str],
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        claims: dict[str, str] | None,
    ) -> dict[str, Any]:
        """The HTTP API payload format 2.0 event, shaped as API Gateway builds it."""
        lowered = [(name.lower(), value) for name, value in headers]
        cookies = [
            part.strip() for name, value in lowered if name == "cookie" for part in value.split(";") if part.strip()
        ]
        merged = _comma_joined((name, value) for name, value in lowered if name != "cookie")
        query_parameters = _comma_joined(parse_qsl(query, keep_blank_values=True))
        now = datetime.now(UTC)
        content_type = merged.get("content-type", "")
        is_text = _is_text(content_type, body)
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.route_key,
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
                "requestId": base64.urlsafe_b64encode(uuid.uuid4().bytes[:12]).decode(),
                "routeKey": route.route_key,
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
        if parameters:
            event["pathParameters"] = parameters
        if body:
            event["body"] = body.decode("utf-8") if is_text else base64.b64encode(body).decode()
        if claims is not None:
            event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        return event


def _is_text(content_type: str, body: bytes) -> bool:
    """Like API Gateway: text media types arrive as text; everything else, forms included, base64-encoded."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    textual = media_type.startswith(_TEXT_MEDIA_TYPES) or media_type.endswith(("+json", "+xml"))
    if not textual:
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


def _json(status: int, document: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "application/json")], json.dumps(document).encode()


def _http_response(result: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(name, str(value)) for name, value in (result.get("headers") or {}).items()]
    headers += [("Set-Cookie", cookie) for cookie in result.get("cookies") or []]
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return int(result.get("statusCode", 200)), headers, raw


def _with_cors(
    response: tuple[int, list[tuple[str, str]], bytes], cors: dict[str, Any], origin: str | None
) -> tuple[int, list[tuple[str, str]], bytes]:
    allowed = cors.get("AllowOrigins", [])
    if not origin or not (origin in allowed or "*" in allowed):
        return response
    status, headers, body = response
    extra = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    if cors.get("ExposeHeaders"):
        extra.append(("Access-Control-Expose-Headers", ",".join(cors["ExposeHeaders"])))
    return status, headers + extra, body


def make_http_server(api: LocalHttpApi, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "local-http-api"

        def _serve(self) -> None:
            started = time.perf_counter()
            length = int(self.headers.get("Content-Length") or 0)
            if length > API_GATEWAY_PAYLOAD_LIMIT:
                status, headers, body = _json(413, {"message": "Request Entity Too Large"})
                self.close_connection = True
            else:
                payload = self.rfile.read(length) if length else b""
                try:
                    status, headers, body = api.handle(self.command, self.path, list(self.headers.items()), payload)
                except Exception as error:  # the function crashed: API Gateway answers 500 without detail
                    api.log(f"function error: {type(error).__name__}")
                    status, headers, body = _json(500, {"message": "Internal Server Error"})
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("apigw-requestid", "local")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            elapsed = (time.perf_counter() - started) * 1000
            api.log(f"{self.command} {self.path} {status} {elapsed:.1f}ms")

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
