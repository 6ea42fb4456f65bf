"""CodeDeploy's PreTraffic hook: before any traffic moves to the new versions, ask each one a question
whose answer is documented and that touches no data, then report Succeeded or Failed to CodeDeploy.

The questions come from a caller without any course role, about a course no platform has (the
largest id the API accepts): each section function must refuse with the documented 403 problem,
before it writes anything and whatever RoleSource says (docs/api.md, "Errors"); the preflight function
must answer 204 with no body. A version that raises, times out or answers anything else fails the
deployment, and CloudFormation moves every alias back (docs/operations.md).

Stand-alone on purpose: the standard library and the runtime's boto3, no layer, so a broken layer
cannot break the check of it. Every deployment group of the stack names this hook; each run checks
all four new versions (four short invocations), so it need not know which group called it.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# The largest course id the API accepts (2^53 - 1, docs/api.md): no platform hands it out.
UNUSED_COURSE = "9007199254740991"
SMOKE_CALLER = "codedeploy-pre-traffic"
FORBIDDEN_TYPE = "urn:course-api:problem:forbidden"
PROBLEM_JSON = "application/problem+json"
# One attempt each (a retried Invoke would run the version twice), and a read timeout above the
# template's largest FunctionTimeout (28 s), so a version that hangs ends as its own timeout error.
# Four checks in a row fit the hook's Timeout (template.yaml).
CLIENT_CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=30, connect_timeout=5)


@dataclass(frozen=True)
class Check:
    """One question to one new version (its ARN in `version_variable`) and what the answer must be."""

    name: str
    version_variable: str
    method: str
    path: str
    route_key: str
    body: str | None
    expected_status: int

    def event(self, roles_claim: str) -> dict[str, Any]:
        """An HTTP API payload 2.0 event, as API Gateway sends it after the JWT authorizer passed."""
        claims = {"sub": SMOKE_CALLER, "token_use": "access", roles_claim: "[]"}
        # The functions read the caller's groups from the token the authorizer verified: its payload (unsigned here).
        headers = {"authorization": "Bearer " + _unsigned_token({**claims, roles_claim: []})}
        if self.body is not None:
            headers["content-type"] = "application/json"
        if self.method == "OPTIONS":
            headers = {"origin": "https://pre-traffic.invalid", "access-control-request-method": "POST"}
        return {
            "version": "2.0",
            "routeKey": self.route_key,
            "rawPath": self.path,
            "rawQueryString": "",
            "headers": headers,
            "requestContext": {
                "http": {"method": self.method, "path": self.path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
                "requestId": "pre-traffic",
                "routeKey": self.route_key,
                "stage": "$default",
                "authorizer": {"jwt": {"claims": claims, "scopes": None}},
            },
            "body": self.body,
            "isBase64Encoded": False,
        }

    def problem_with(self, answer: Mapping[str, Any]) -> str | None:
        """Why the answer is not the expected one, or None when it is."""
        status = answer.get("statusCode")
        if status != self.expected_status:
            return f"status {status!r}, expected {self.expected_status}"
        body = answer.get("body") or ""
        if self.expected_status == 204:
            return f"a body {body[:200]!r} on 204" if body else None
        headers = {str(name).lower(): value for name, value in (answer.get("headers") or {}).items()}
        if headers.get("content-type") != PROBLEM_JSON:
            return f"content-type {headers.get('content-type')!r}, expected {PROBLEM_JSON}"
        try:
            problem = json.loads(body)
        except ValueError:
            return f"a body that is not JSON: {body[:200]!r}"
        if not isinstance(problem, dict) or problem.get("type") != FORBIDDEN_TYPE or problem.get("status") != 403:
            return f"problem {problem!r}, expected type {FORBIDDEN_TYPE} and status 403"
        return None


def _unsigned_token(payload: dict[str, Any]) -> str:
    """A JWT of this payload; the functions read only the payload (the authorizer checked the signature)."""

    def segment(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{segment({'alg': 'RS256', 'typ': 'JWT'})}.{segment(payload)}.pre-traffic"


_SECTIONS = f"/api/v2/course/{UNUSED_COURSE}/section/"
_GREEDY = "/api/v2/course/{id}/{proxy+}"
CHECKS = (
    Check("create", "CREATE_SECTION_VERSION", "POST", _SECTIONS, "$default", '{"name": "pre-traffic"}', 403),
    Check("list", "READ_SECTIONS_VERSION", "GET", _SECTIONS, f"GET {_GREEDY}", None, 403),
    Check("patch", "CHANGE_SECTION_VERSION", "PATCH", f"{_SECTIONS}1/", f"PATCH {_GREEDY}", '{"name": "x"}', 403),
    Check("preflight", "PREFLIGHT_VERSION", "OPTIONS", _SECTIONS, "OPTIONS /{proxy+}", None, 204),
)

Invoke = Callable[[str, dict[str, Any]], Mapping[str, Any]]


def failures(invoke: Invoke, env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Each check that failed, by name, with why. An invocation that raises is a failure, not a crash."""
    roles_claim = env.get("ROLES_CLAIM") or "cognito:groups"
    failed = {}
    for check in CHECKS:
        version = env.get(check.version_variable)
        if not version:
            failed[check.name] = f"{check.version_variable} is not set"
            continue
        try:
            problem = check.problem_with(invoke(version, check.event(roles_claim)))
        except Exception as error:  # any failure to get an answer fails the check
            problem = f"invocation failed: {type(error).__name__}: {error}"
        if problem:
            failed[check.name] = f"{version}: {problem}"
    return failed


def lambda_invoker(client: Any) -> Invoke:
    """Invoke a version synchronously; a function error (it raised, or timed out) is raised here."""

    def invoke(version: str, event: dict[str, Any]) -> Mapping[str, Any]:
        response = client.invoke(FunctionName=version, InvocationType="RequestResponse", Payload=json.dumps(event))
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            raise RuntimeError(f"{response['FunctionError']}: {json.dumps(payload)[:500]}")
        if not isinstance(payload, dict):
            raise RuntimeError(f"answer {payload!r} is not an API Gateway response")
        return payload

    return invoke


def lambda_handler(event: Mapping[str, Any], context: Any, *, lambda_client: Any = None, codedeploy: Any = None):
    """Run the checks and report the result to the deployment that invoked the hook."""
    lambda_client = lambda_client or boto3.client("lambda", config=CLIENT_CONFIG)
    codedeploy = codedeploy or boto3.client("codedeploy", config=CLIENT_CONFIG)
    failed = failures(lambda_invoker(lambda_client))
    status = "Failed" if failed else "Succeeded"
    logger.info(json.dumps({"deployment": event.get("DeploymentId"), "status": status, "failures": failed}))
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    return {"status": status, "failures": failed}
