"""The PreTraffic hook (functions/pre_traffic/app.py) against the real section functions, on moto.

CodeDeploy is moto's, with the one call moto 5.2.5 lacks, PutLifecycleEventHookExecutionStatus, added
below as the API reference's "Errors" describe it: a deployment CodeDeploy does not know is
DeploymentDoesNotExistException, a second report for the same hook execution
LifecycleEventAlreadyCompletedException; otherwise the status is recorded, so a test reads back what
the deployment was told. Lambda's Invoke runs the real handler of the version the hook names
in-process (moto runs Lambda code only in Docker, which this machine has not): the hook's own boto3
call is made, and answered by botocore's before-call event.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from botocore.response import StreamingBody
from moto.codedeploy import responses as codedeploy_responses
from moto.codedeploy.exceptions import CodeDeployException
from moto.codedeploy.models import codedeploy_backends
from moto.core.responses import EmptyResult

from localdev.functions import handler_module
from sections.wiring import dependencies
from tests.support import COURSES_TABLE

HOOK = "PreTrafficHookFunction"
VERSIONS = {
    "CREATE_SECTION_VERSION": "CreateSectionFunction",
    "READ_SECTIONS_VERSION": "ReadSectionsFunction",
    "CHANGE_SECTION_VERSION": "ChangeSectionFunction",
    "PREFLIGHT_VERSION": "PreflightFunction",
}
ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}:7"
reported_statuses: dict[str, str] = {}
_completed: set[tuple[str, str]] = set()


def _put_lifecycle_event_hook_execution_status(self: Any) -> EmptyResult:
    backend = codedeploy_backends[self.current_account][self.region]
    deployment_id = self._get_param("deploymentId")
    backend.get_deployment(deployment_id)  # DeploymentDoesNotExistException, as CodeDeploy answers
    execution = (deployment_id, self._get_param("lifecycleEventHookExecutionId"))
    if execution in _completed:
        raise CodeDeployException(
            "LifecycleEventAlreadyCompletedException", "The lifecycle event is already completed."
        )
    _completed.add(execution)
    reported_statuses[deployment_id] = self._get_param("status")
    return EmptyResult()


@pytest.fixture
def codedeploy(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """moto's CodeDeploy with one Lambda deployment in progress, as when CodeDeploy invokes the hook."""
    monkeypatch.setattr(
        codedeploy_responses.CodeDeployResponse,
        "put_lifecycle_event_hook_execution_status",
        _put_lifecycle_event_hook_execution_status,
        raising=False,
    )
    reported_statuses.clear()
    _completed.clear()
    client = boto3.client("codedeploy", region_name="us-east-1")
    client.create_application(applicationName="course-api", computePlatform="Lambda")
    client.create_deployment_group(
        applicationName="course-api",
        deploymentGroupName="create",
        serviceRoleArn="arn:aws:iam::123456789012:role/codedeploy",
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
    )
    deployment = client.create_deployment(applicationName="course-api", deploymentGroupName="create")
    for variable, function in VERSIONS.items():
        monkeypatch.setenv(variable, ARN.format(function))
    yield client, deployment["deploymentId"]


Answer = Callable[[str, dict[str, Any], Any], dict[str, Any]]


def real_version(function: str, event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handler_module(function).lambda_handler(event, context)


def lambda_client(lambda_context: Any, answer: Answer = real_version) -> tuple[Any, list[str]]:
    """A boto3 Lambda client whose Invoke runs `answer` for the function the version ARN names."""
    client = boto3.client("lambda", region_name="us-east-1")
    invoked: list[str] = []

    def invoke(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        # The serialized request: POST /2015-03-31/functions/{FunctionName}/invocations, the event as body.
        arn = unquote(params["url_path"].split("/")[3])
        invoked.append(arn)
        function = arn.split(":")[6]
        try:
            payload, error = answer(function, json.loads(params["body"]), lambda_context), None
        except Exception as raised:  # what Lambda reports for a handler that raised
            payload, error = {"errorMessage": str(raised), "errorType": type(raised).__name__}, "Unhandled"
        data = json.dumps(payload).encode()
        parsed = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(data), len(data))}
        if error:
            parsed["FunctionError"] = error
        return type("Http", (), {"status_code": 200, "headers": {}})(), parsed

    client.meta.events.register("before-call.lambda.Invoke", invoke)
    return client, invoked


def table_items(dynamodb: Any) -> list[dict[str, Any]]:
    return sorted(dynamodb.scan(TableName=COURSES_TABLE)["Items"], key=json.dumps)


def run_hook(codedeploy: tuple[Any, str], client: Any) -> dict[str, Any]:
    deployments, deployment_id = codedeploy
    event = {"DeploymentId": deployment_id, "LifecycleEventHookExecutionId": "hook-execution-1"}
    return handler_module(HOOK).lambda_handler(event, None, lambda_client=client, codedeploy=deployments)


@pytest.mark.parametrize("role_source", ["token", "table"])
def test_the_new_versions_pass_and_the_deployment_is_told_so_without_a_write(
    codedeploy, dynamodb, lambda_context, monkeypatch, role_source
):
    # Given the real functions, in either role mode, and the table as it is
    monkeypatch.setenv("ROLE_SOURCE", role_source)
    dependencies.cache_clear()
    before = table_items(dynamodb)
    client, invoked = lambda_client(lambda_context)

    # When CodeDeploy runs the hook
    result = run_hook(codedeploy, client)

    # Then every new version was asked once, all passed, the deployment heard Succeeded, nothing was written
    assert result == {"status": "Succeeded", "failures": {}}
    assert sorted(invoked) == sorted(ARN.format(function) for function in VERSIONS.values())
    assert reported_statuses == {codedeploy[1]: "Succeeded"}
    assert table_items(dynamodb) == before


def test_a_version_that_answers_wrong_fails_the_deployment(codedeploy, lambda_context):
    # Given a create version that lets a caller without a role through
    def careless(function: str, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if function == "CreateSectionFunction":
            return {"statusCode": 201, "headers": {"Content-Type": "application/json"}, "body": "{}"}
        return real_version(function, event, context)

    client, _ = lambda_client(lambda_context, careless)

    # When the hook runs
    result = run_hook(codedeploy, client)

    # Then the deployment heard Failed, and the log says which check and why
    assert result["status"] == "Failed"
    assert result["failures"] == {"create": f"{ARN.format('CreateSectionFunction')}: status 201, expected 403"}
    assert reported_statuses == {codedeploy[1]: "Failed"}


def test_a_version_that_raises_or_answers_another_problem_fails_the_deployment(codedeploy, lambda_context):
    # Given a read version that cannot import its code, and a change version that answers 404 instead of 403
    def broken(function: str, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if function == "ReadSectionsFunction":
            raise ImportError("No module named 'sections'")
        answer = real_version(function, event, context)
        if function == "ChangeSectionFunction":
            body = json.loads(answer["body"])
            answer["body"] = json.dumps({**body, "type": "urn:course-api:problem:course-not-found"})
        return answer

    client, _ = lambda_client(lambda_context, broken)

    # When the hook runs
    result = run_hook(codedeploy, client)

    # Then both are named, the others passed, and the deployment heard Failed
    assert set(result["failures"]) == {"list", "patch"}
    assert "Unhandled" in result["failures"]["list"] and "No module named 'sections'" in result["failures"]["list"]
    assert "course-not-found" in result["failures"]["patch"]
    assert reported_statuses == {codedeploy[1]: "Failed"}


def test_a_missing_version_variable_fails_rather_than_skips(codedeploy, lambda_context, monkeypatch):
    monkeypatch.delenv("PREFLIGHT_VERSION")
    client, invoked = lambda_client(lambda_context)

    result = run_hook(codedeploy, client)

    assert result["failures"] == {"preflight": "PREFLIGHT_VERSION is not set"}
    assert len(invoked) == 3
    assert reported_statuses == {codedeploy[1]: "Failed"}


def test_a_report_to_a_deployment_codedeploy_does_not_know_raises(codedeploy, lambda_context):
    """CodeDeploy then times the hook out and fails the deployment: a lost report never passes it."""
    deployments, _ = codedeploy
    client, _ = lambda_client(lambda_context)
    with pytest.raises(deployments.exceptions.DeploymentDoesNotExistException):
        run_hook((deployments, "d-UNKNOWN000"), client)
    assert reported_statuses == {}


def test_the_hooks_own_copies_of_the_contract_are_the_contracts():
    """The hook imports no layer (a broken one must not break its check), so it keeps copies: these hold them."""
    from sections.problems import PROBLEM_TYPE_PREFIX, NotCourseManager
    from sections.section import MAX_SAFE_INTEGER

    hook = handler_module(HOOK)
    assert PROBLEM_TYPE_PREFIX + NotCourseManager.slug == hook.FORBIDDEN_TYPE
    assert str(MAX_SAFE_INTEGER) == hook.UNUSED_COURSE


def test_a_second_report_for_the_same_hook_execution_is_refused(codedeploy, lambda_context):
    """CodeDeploy takes one result per hook execution: a hook run again for it cannot change the outcome."""
    deployments, _ = codedeploy
    client, _ = lambda_client(lambda_context)
    assert run_hook(codedeploy, client)["status"] == "Succeeded"
    with pytest.raises(deployments.exceptions.LifecycleEventAlreadyCompletedException):
        run_hook(codedeploy, client)
