"""POST /api/v2/course/{id}/section/: the route, and the one place errors become HTTP responses."""

from __future__ import annotations

import gc

# Init builds objects that live as long as the container, yet while ~480 modules load the cyclic
# collector would run about 40 times: some 7% of a cold start. It is back on, with the init heap
# frozen out of later collections, when init ends (`_finish_init`, bottom of this module).
gc.disable()

import json
import os
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from sections.authorization import authenticated_caller, authorize_course_manager, parse_course_id
from sections.contention import RetryBudget
from sections.idempotency_key import IDEMPOTENCY_HEADER, parse_idempotency_key
from sections.models import SECTION_FIELDS
from sections.observability import logger, metrics, traced
from sections.problems import MethodNotAllowed, Problem, RouteNotFound, problem_document
from sections.request_body import parse_create_section_request
from sections.resolver import APIGatewayHttpResolver, Response
from sections.wiring import dependencies

PROBLEM_JSON = "application/problem+json"

app = APIGatewayHttpResolver()


# The form without the slash arrives on its own route; the documented one, with the slash, through
# the API's $default route (an HTTP API cannot declare a route ending in "/", nor ignores the slash).
# Powertools matches rawPath exactly either way, so both are listed. The metadata feeds `make openapi`.
@app.post(
    "/api/v2/course/<id>/section/",
    status_code=201,
    operation_id="createCourseSection",
    summary="Create a Course Section",
    description=(
        "Creates a section in course `id` and returns it. The caller must manage or have created the "
        "course (group `course:{id}:manager` or `course:{id}:creator`). The same path without the "
        "trailing slash behaves identically."
    ),
    tags=["Course Sections"],
)
@app.post("/api/v2/course/<id>/section", include_in_schema=False)
def create_section(id: str) -> Response[str]:  # noqa: A002 - the path parameter's name in the contract
    deps = dependencies()
    event = app.current_event
    caller = authenticated_caller(_verified_claims(deps.settings.sam_local), deps.settings.roles_claim)
    course_id = parse_course_id(id)
    authorize_course_manager(caller, course_id, deps.settings.admin_group)
    request = parse_create_section_request(
        event.body,
        is_base64_encoded=event.is_base64_encoded,
        content_type=event.headers.get("content-type"),
    )
    key = parse_idempotency_key(event.headers.get(IDEMPOTENCY_HEADER))

    def create() -> dict[str, Any]:
        budget = RetryBudget.for_invocation(app.lambda_context)
        section = deps.sections.create(course_id, request, created_by=caller.sub, budget=budget)
        metrics.add_metric(name="SectionCreated", unit=MetricUnit.Count, value=1)  # not on replays
        return section.to_response()

    if key is None:
        section = create()
    else:
        section = deps.idempotency.run(
            create,
            caller=caller.sub,
            course_id=course_id,
            key=key,
            payload=request.model_dump(mode="json"),
            lambda_context=app.lambda_context,
        )
    return Response(
        status_code=201,
        content_type="application/json",
        # A replayed response comes back from the idempotency store with its keys sorted; the
        # contract's order is restored so a replay is byte-for-byte the original answer.
        body=json.dumps({field: section[field] for field in SECTION_FIELDS}, separators=(",", ":")),
        headers={"Location": f"/api/v2/course/{course_id}/section/{section['id']}/"},
    )


def _verified_claims(sam_local: bool) -> dict[str, Any] | None:
    """Claims API Gateway's JWT authorizer verified; under `sam local` (which runs no authorizer), our own check."""
    authorizer = app.current_event.raw_event.get("requestContext", {}).get("authorizer")
    if authorizer:
        return app.current_event.request_context.authorizer.jwt_claim
    if sam_local:
        from sections.sam_local_auth import claims_from_bearer_token

        return claims_from_bearer_token(app.current_event.headers.get("authorization"))
    return None


@app.exception_handler(Problem)
def problem_response(problem: Problem) -> Response[str]:
    return _problem_response(problem)


@app.exception_handler(Exception)
def unexpected_error(error: Exception) -> Response[str]:
    # The client learns nothing internal; the log has the stack trace for whoever is on call.
    logger.exception("Unhandled error")
    return _problem_response(Problem("The server could not complete the request."))


@app.not_found
def route_not_found(_: Exception) -> Response[str]:
    return _problem_response(_unrouted_request())


def _unrouted_request() -> Problem:
    """The $default route delivers every request no other route takes: 405 for a path of ours, else 404."""
    path = app.current_event.path
    # Powertools keeps its routes in these two lists; the 404/405 tests in test_create_section.py pin their use.
    routes = app._static_routes + app._dynamic_routes
    allowed = sorted({route.method for route in routes if route.rule.match(path)})
    return MethodNotAllowed(allowed) if allowed else RouteNotFound("No such route.")


def methods_are_case_sensitive(app: APIGatewayHttpResolver, next_middleware: Any) -> Any:
    """Powertools upper-cases the method before matching; HTTP methods are case-sensitive (RFC 9110), as API Gateway's routes are."""
    method = app.current_event.request_context.http.method
    if method != method.upper():
        raise _unrouted_request()
    return next_middleware(app)


app.use(middlewares=[methods_are_case_sensitive])


def _problem_response(problem: Problem) -> Response[str]:
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


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@traced
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


def _finish_init() -> None:
    """The end of Lambda's init phase: clients are built now, outside the handler, as AWS advises.

    Init failures are not fatal here: the first request builds them again and, failing, answers
    with a problem document instead of Lambda's bare 502. Tests and tools that import this module
    without a Lambda environment (no AWS_LAMBDA_FUNCTION_NAME) keep the lazy path.
    """
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        try:
            dependencies()
        except Exception:
            logger.exception("Could not build the function's clients at init; the first request will retry")
    gc.enable()
    gc.freeze()  # the init heap is permanent: later full collections need not traverse it


_finish_init()
