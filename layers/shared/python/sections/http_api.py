"""What every function's handler shares: the resolver with its error rendering, both URL forms, unrouted
requests, the caller's course, and the Lambda entry point.

Errors become responses in one place (`_problem_response`): problem+json, never a stack trace.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from sections.authorization import Caller, CourseAccess, authenticated_caller, course_access
from sections.observability import logger, metrics, traced
from sections.problems import FieldError, InvalidRequest, MethodNotAllowed, Problem, RouteNotFound, problem_document
from sections.resolver import APIGatewayHttpResolver, Response
from sections.routes import match_resource
from sections.section import MAX_SAFE_INTEGER
from sections.settings import under_sam_local
from sections.wiring import Dependencies, dependencies

PROBLEM_JSON = "application/problem+json"
Handler = Callable[..., Response[str]]


def new_app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()
    app.exception_handler(Problem)(lambda problem: _problem_response(app, problem))
    app.exception_handler(Exception)(lambda error: _unexpected_error(app, error))
    app.not_found(lambda _: _problem_response(app, _unrouted_request(app)))
    app.use(middlewares=[_methods_are_case_sensitive])
    return app


def route(app: APIGatewayHttpResolver, method: str, path: str, **openapi: Any) -> Callable[[Handler], Handler]:
    """Registers a handler for the documented path (with its slash) and for the same path without it.

    Powertools' HTTP API resolver matches rawPath exactly, as API Gateway does; both forms reach the
    function (template.yaml), so both are registered. Only the documented one is in the OpenAPI.
    """

    def register(handler: Handler) -> Handler:
        app.route(path, method, **openapi)(handler)
        app.route(path.rstrip("/"), method, include_in_schema=False)(handler)
        return handler

    return register


def course_of_caller(app: APIGatewayHttpResolver, course: str) -> tuple[Dependencies, Caller, int, CourseAccess]:
    """401 without a verified subject, 400 for a bad course id; then, with roles from the token, 403 unless
    the caller manages the course. With roles from the table, what the repository must check instead."""
    deps = dependencies()
    caller = authenticated_caller(
        _verified_claims(app),
        deps.settings.roles_claim,
        app.current_event.headers.get("authorization"),
    )
    course_id = parse_path_id(course, "id")
    access = course_access(
        caller, course_id, admin_group=deps.settings.admin_group, role_source=deps.settings.role_source
    )
    return deps, caller, course_id, access


def parse_path_id(raw: str | None, name: str) -> int:
    """A course, section or lesson id in the path: a positive decimal integer no larger than 2^53-1, else 400 naming it
    and the rule it breaks."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 16 or int(raw) > MAX_SAFE_INTEGER:
        rule = f"must be a positive integer no larger than {MAX_SAFE_INTEGER}"
    elif raw[0] == "0":
        rule = f"must be written without a leading zero ({int(raw)})" if int(raw) else "must be 1 or more"
    else:
        return int(raw)
    kind = {"id": "course", "section_id": "section", "lesson_id": "lesson"}[name]
    raise InvalidRequest(f"The {kind} id in the path is invalid.", errors=[FieldError(name, rule)])


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[str]:
    """The answer as UTF-8 JSON (RFC 8259): a character outside ASCII stays itself, at most 4 bytes, where an
    escape would take 6 (12 for one outside the Basic Multilingual Plane). Lambda's python3.13 runtime
    writes the answer without escaping them either, so the largest outline fits its 6 MB (docs/api.md)."""
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        headers=headers,
    )


def lambda_entry(app: APIGatewayHttpResolver) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
    @traced
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if under_sam_local() and "authorizer" not in event.get("requestContext", {}):
            from sections.sam_local_auth import gateway_refusal

            refusal = gateway_refusal(event)
            if refusal is not None:
                return refusal
        return app.resolve(event, context)

    return lambda_handler


def _verified_claims(app: APIGatewayHttpResolver) -> dict[str, Any] | None:
    """Claims API Gateway's JWT authorizer verified (under `sam local`, lambda_entry's stand-in for it)."""
    authorizer = app.current_event.raw_event.get("requestContext", {}).get("authorizer")
    if authorizer:
        return app.current_event.request_context.authorizer.jwt_claim
    return None


def _unrouted_request(app: APIGatewayHttpResolver) -> Problem:
    """A request API Gateway delivered that no route of this function takes.

    - A path of the resource with a method it does not answer: 405, `Allow` listing what it does.
    - A method the path answers, yet no route took it: a path parameter the resolver's pattern refuses
      (a quote, say), so the ids are checked and name the bad one (400).
    - Anything else: 404.
    """
    event = app.current_event
    allowed, parameters = match_resource(event.path)
    if event.request_context.http.method not in allowed:
        return MethodNotAllowed(list(allowed)) if allowed else RouteNotFound("No such route.")
    for name, raw in parameters.items():
        parse_path_id(raw, name)
    return RouteNotFound("No such route.")


def _methods_are_case_sensitive(app: APIGatewayHttpResolver, next_middleware: Any) -> Any:
    """Powertools upper-cases the method before matching; HTTP methods are case-sensitive (RFC 9110), as API Gateway's routes are."""
    method = app.current_event.request_context.http.method
    if method != method.upper():
        raise _unrouted_request(app)
    return next_middleware(app)


def _unexpected_error(app: APIGatewayHttpResolver, error: Exception) -> Response[str]:
    # The client learns nothing internal; the log has the stack trace for whoever is on call.
    logger.exception("Unhandled error")
    return _problem_response(app, Problem("The server could not complete the request."))


def _problem_response(app: APIGatewayHttpResolver, problem: Problem) -> Response[str]:
    metrics.add_metric(name=f"Http{problem.status // 100}xx", unit=MetricUnit.Count, value=1)
    if problem.status >= 500:
        # The cause (a botocore error: code, operation, cancellation reasons) is for the log only.
        cause = f"{type(problem.__cause__).__name__}: {problem.__cause__}" if problem.__cause__ else None
        logger.error("Request failed", extra={"status": problem.status, "problem": problem.slug, "cause": cause})
    else:
        logger.info("Request refused", extra={"status": problem.status, "problem": problem.slug})
    request_id = app.current_event.request_context.request_id if app.current_event else None
    return Response(
        status_code=problem.status,
        content_type=PROBLEM_JSON,
        body=json.dumps(problem_document(problem, request_id), separators=(",", ":")),
        headers=problem.headers,
    )
