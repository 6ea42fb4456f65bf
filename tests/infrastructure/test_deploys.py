"""Deploys that cannot break production, on the translated template (what `sam deploy` hands to AWS).

Each function the API invokes is behind its alias `live`; CodeDeploy shifts the alias to each new
version after the PreTraffic hook passed, and moves it back when a rollback alarm fires (AWS SAM
developer guide, "Deploying serverless applications gradually with AWS SAM").
"""

from __future__ import annotations

import json
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import pytest

from localdev.deployed_api import deployed_api, translate
from localdev.functions import handler_module
from localdev.template import TEMPLATE_PATH, Template, load_template, local_template
from pipeline.concurrency_room import samconfig_deploy
from tests.infrastructure.test_template import PUBLISHED_METRICS, alarm_metrics, resources_of

pytestmark = pytest.mark.infrastructure

API_FUNCTIONS = ["ChangeSectionFunction", "CreateSectionFunction", "PreflightFunction", "ReadSectionsFunction"]
HOOK = "PreTrafficHookFunction"
ALIAS = load_template()["Globals"]["Function"]["AutoPublishAlias"]
# The order the hook's role and environment list the new versions in.
HOOK_ORDER = ["CreateSectionFunction", "ReadSectionsFunction", "ChangeSectionFunction", "PreflightFunction"]
ROLLBACK_ALARMS = ["FunctionErrorsAlarm", "FunctionThrottlesAlarm", "Function5xxAnswersAlarm"]


@pytest.fixture(scope="module")
def cloudformation() -> dict[str, Any]:
    return translate(TEMPLATE_PATH, {})


def alias_of(cloudformation: dict[str, Any], function: str) -> tuple[str, dict[str, Any]]:
    ((name, alias),) = [
        (name, resource)
        for name, resource in resources_of(cloudformation, "AWS::Lambda::Alias").items()
        if resource["Properties"]["FunctionName"] == {"Ref": function}
    ]
    return name, alias


def version_of(cloudformation: dict[str, Any], function: str) -> str:
    """The logical id of the version SAM publishes for the function (it changes when the version must)."""
    (name,) = [
        name
        for name, resource in resources_of(cloudformation, "AWS::Lambda::Version").items()
        if resource["Properties"]["FunctionName"] == {"Ref": function}
    ]
    return name


def test_every_api_function_is_invoked_through_its_alias_and_only_there(cloudformation):
    (api,) = resources_of(cloudformation, "AWS::ApiGatewayV2::Api").values()
    invoked = set()
    for operations in api["Properties"]["Body"]["paths"].values():
        for operation in operations.values():
            uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
            (target,) = re.findall(r"/functions/\$\{(\w+)\}/invocations$", uri)
            invoked.add(target)
    aliases = {function: alias_of(cloudformation, function) for function in API_FUNCTIONS}
    assert invoked == {name for name, _ in aliases.values()}
    for function, (_, alias) in aliases.items():
        assert alias["Properties"]["Name"] == ALIAS
        assert alias["Properties"]["FunctionVersion"] == {
            "Fn::GetAtt": [version_of(cloudformation, function), "Version"]
        }
    permissions = resources_of(cloudformation, "AWS::Lambda::Permission").values()
    assert {permission["Properties"]["FunctionName"]["Ref"] for permission in permissions} == invoked


def test_each_api_function_has_a_deployment_group_that_rolls_back_on_the_alarms(cloudformation):
    hook = {"Ref": HOOK}
    for function in API_FUNCTIONS:
        _, alias = alias_of(cloudformation, function)
        update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
        assert update["BeforeAllowTrafficHook"] == hook
        group = cloudformation["Resources"][update["DeploymentGroupName"]["Ref"]]
        assert group["Type"] == "AWS::CodeDeploy::DeploymentGroup"
        properties = group["Properties"]
        assert properties["AlarmConfiguration"] == {
            "Enabled": True,
            "Alarms": [{"Name": {"Ref": alarm}} for alarm in ROLLBACK_ALARMS],
        }
        assert properties["AutoRollbackConfiguration"]["Enabled"] is True
        assert "DEPLOYMENT_STOP_ON_ALARM" in properties["AutoRollbackConfiguration"]["Events"]
        assert "DEPLOYMENT_FAILURE" in properties["AutoRollbackConfiguration"]["Events"]
        assert properties["DeploymentStyle"] == {
            "DeploymentType": "BLUE_GREEN",
            "DeploymentOption": "WITH_TRAFFIC_CONTROL",
        }
    assert not alias_of_hook(cloudformation), "the hook itself is not shifted"


def alias_of_hook(cloudformation: dict[str, Any]) -> list[str]:
    return [
        name
        for name, resource in resources_of(cloudformation, "AWS::Lambda::Alias").items()
        if resource["Properties"]["FunctionName"] == {"Ref": HOOK}
    ]


def deployment_configs(cloudformation: dict[str, Any]) -> set[str]:
    groups = resources_of(cloudformation, "AWS::CodeDeploy::DeploymentGroup").values()
    return {
        Template(cloudformation, {}).resolve(group["Properties"]["DeploymentConfigName"]["Fn::Sub"][1])["ConfigName"]
        for group in groups
    }


def samconfig_overrides(environment: str) -> dict[str, str]:
    return samconfig_deploy(environment)[1]


def test_prod_shifts_by_canary_and_development_all_at_once(cloudformation):
    assert deployment_configs(cloudformation) == {"Canary10Percent5Minutes"}  # the default, safe without samconfig
    prod, development = samconfig_overrides("prod"), samconfig_overrides("default")
    assert prod["DeploymentType"].startswith("Canary")
    assert development["DeploymentType"] == "AllAtOnce"
    assert deployment_configs(translate(TEMPLATE_PATH, {"DeploymentType": "AllAtOnce"})) == {"AllAtOnce"}


def translated_with(tmp_path: Path, name: str, replacements: dict[str, str]) -> dict[str, Any]:
    """The template with some text replaced, translated: what SAM would make of that change."""
    text = TEMPLATE_PATH.read_text()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return translate(path, {})


def layer_content(layer_folder: str, key: str) -> dict[str, str]:
    """The layer's ContentUri as `sam package` rewrites it: the artifact's key is its content's hash."""
    return {f"ContentUri: layers/{layer_folder}/": f"ContentUri: s3://artifacts-bucket/{key}.zip"}


def test_a_change_to_a_layer_alone_publishes_new_versions_of_the_functions_that_use_it(tmp_path):
    before = translated_with(tmp_path, "before", layer_content("shared", "0f1e2d") | layer_content("runtime", "aa"))
    shared = translated_with(tmp_path, "shared", layer_content("shared", "9a8b7c") | layer_content("runtime", "aa"))
    runtime = translated_with(tmp_path, "runtime", layer_content("shared", "0f1e2d") | layer_content("runtime", "bb"))
    for function in API_FUNCTIONS:
        # All four use the shared-code layer; the preflight function not the runtime one.
        assert version_of(shared, function) != version_of(before, function), function
        changed = version_of(runtime, function) != version_of(before, function)
        assert changed == (function != "PreflightFunction"), function


@pytest.mark.parametrize(
    "setting_left_out",
    ["      AutoPublishAliasAllProperties: true\n", "      PublishLambdaVersion: true\n"],
    ids=["without-all-properties", "without-publish-lambda-version"],
)
def test_without_either_setting_a_layer_change_would_publish_nothing(tmp_path, setting_left_out):
    """The trap the template avoids: AutoPublishAlias hashes the function's own code, and AllProperties adds
    a layer's properties only for a layer with PublishLambdaVersion (aws-sam-translator, _construct_version)."""
    off = {setting_left_out: ""}
    before = translated_with(tmp_path, "before", off | layer_content("shared", "0f1e2d"))
    after = translated_with(tmp_path, "after", off | layer_content("shared", "9a8b7c"))
    assert {version_of(before, f) for f in API_FUNCTIONS} == {version_of(after, f) for f in API_FUNCTIONS}


def test_the_local_gateway_invokes_the_same_functions_with_or_without_aliases(tmp_path):
    text = TEMPLATE_PATH.read_text()
    unaliased = tmp_path / "template.yaml"
    stripped = re.sub(
        r"(?ms)^    AutoPublishAlias: live\n.*?^    # What every function reads",
        "    # What every function reads",
        text,
    )
    stripped = stripped.replace(
        "IgnoreGlobals: [AutoPublishAlias, DeploymentPreference, Environment]", "IgnoreGlobals: [Environment]"
    )
    unaliased.write_text(stripped.replace("      AutoPublishAliasAllProperties: true\n", ""))
    plain = translate(unaliased, {})
    assert not resources_of(plain, "AWS::Lambda::Alias")
    with_aliases = deployed_api(local_template()).routes
    without = deployed_api(Template(load_template(unaliased), {}, unaliased)).routes
    assert [(route.route_key, route.target) for route in with_aliases] == [
        (route.route_key, route.target) for route in without
    ]
    assert {route.target for route in with_aliases} == set(API_FUNCTIONS)


def hook_statements(cloudformation: dict[str, Any]) -> list[dict[str, Any]]:
    role = cloudformation["Resources"][cloudformation["Resources"][HOOK]["Properties"]["Role"]["Fn::GetAtt"][0]]
    assert "ManagedPolicyArns" not in role["Properties"]
    return [
        statement for policy in role["Properties"]["Policies"] for statement in policy["PolicyDocument"]["Statement"]
    ]


def test_the_hook_may_invoke_only_the_four_functions_versions_and_report_only_to_this_stacks_deployments(
    cloudformation,
):
    statements = {statement["Sid"]: statement for statement in hook_statements(cloudformation)}
    assert all(statement["Effect"] == "Allow" for statement in statements.values())
    invoke = statements["InvokeTheNewVersions"]
    assert invoke["Action"] == "lambda:InvokeFunction"
    # Any version (function:NAME:*): the policy does not change with each deploy, so no IAM change is on
    # the path between the update and the hook's invocations.
    assert invoke["Resource"] == [{"Fn::Sub": f"${{{function}.Arn}}:*"} for function in HOOK_ORDER]
    report = statements["ReportToOwnDeployments"]
    assert report["Action"] == "codedeploy:PutLifecycleEventHookExecutionStatus"
    # The stack's own CodeDeploy application (its name is unique to the stack), each of its groups.
    assert report["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentgroup:"
            "${ServerlessDeploymentApplication}/*"
        }
    ]
    assert cloudformation["Resources"]["ServerlessDeploymentApplication"]["Type"] == "AWS::CodeDeploy::Application"
    log_group = cloudformation["Resources"][HOOK]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert statements["WriteOwnLogs"]["Resource"] == {"Fn::GetAtt": [log_group, "Arn"]}
    assert set(statements) == {"InvokeTheNewVersions", "ReportToOwnDeployments", "WriteOwnLogs", "SendTraces"}


def test_the_hook_checks_each_new_version_and_codedeploy_may_invoke_it(cloudformation):
    properties = cloudformation["Resources"][HOOK]["Properties"]
    variables = properties["Environment"]["Variables"]
    checked = {check.version_variable for check in handler_module(HOOK).CHECKS}
    assert {name: variables[name] for name in checked} == {
        name: {"Ref": version_of(cloudformation, function)}
        for name, function in zip(
            ["CREATE_SECTION_VERSION", "READ_SECTIONS_VERSION", "CHANGE_SECTION_VERSION", "PREFLIGHT_VERSION"],
            HOOK_ORDER,
            strict=True,
        )
    }
    assert "TABLE_NAME" not in variables, "the hook reads no table"
    assert "Layers" not in properties, "a broken layer must not break the check of it"
    # SAM's CodeDeploy role (AWSCodeDeployRoleForLambda) invokes only functions named CodeDeployHook_*.
    assert properties["FunctionName"]["Fn::Sub"].startswith("CodeDeployHook_")
    role = cloudformation["Resources"]["CodeDeployServiceRole"]["Properties"]
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda"]


def test_the_rollback_alarms_watch_the_alias_and_metrics_that_exist(cloudformation):
    resources = cloudformation["Resources"]
    environment = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    for name in ROLLBACK_ALARMS:
        properties = resources[name]["Properties"]
        metrics = (
            [query["MetricStat"]["Metric"] for query in properties["Metrics"] if "MetricStat" in query]
            if "Metrics" in properties
            else [properties]
        )
        for metric in metrics:
            dimensions = {dimension["Name"]: dimension["Value"] for dimension in metric["Dimensions"]}
            assert set(dimensions) in PUBLISHED_METRICS[(metric["Namespace"], metric["MetricName"])], name
            if metric["Namespace"] == "AWS/Lambda":
                function = dimensions["FunctionName"]["Ref"]
                assert dimensions["Resource"] == {"Fn::Sub": f"${{{function}}}:{ALIAS}"}, name
            else:
                assert metric["Namespace"] == environment["POWERTOOLS_METRICS_NAMESPACE"]
                assert dimensions == {"service": environment["POWERTOOLS_SERVICE_NAME"]}
    watched = {
        dimension["Value"]["Ref"]
        for name in ROLLBACK_ALARMS[:2]
        for query in resources[name]["Properties"]["Metrics"]
        if "MetricStat" in query
        for dimension in query["MetricStat"]["Metric"]["Dimensions"]
        if dimension["Name"] == "FunctionName"
    }
    assert watched == set(API_FUNCTIONS)


def references(value: Any) -> set[str]:
    """The logical ids an expression names (Ref, GetAtt, Sub), which CloudFormation orders resources by."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else item.split(".")[0])
            elif key == "Fn::Sub":
                text, variables = (item, {}) if isinstance(item, str) else item
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)} - set(variables)
                found |= references(variables)
            else:
                found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


@pytest.mark.parametrize(
    "parameters", [{}, {"DomainName": "api.example.com", "CertificateArn": "arn:x", "HostedZoneId": "Z1"}]
)
def test_no_dependency_cycle_even_through_the_aliases_update_policies(parameters):
    """The aliases' UpdatePolicy names the deployment groups, which name the alarms: an alarm that named the
    API would close a cycle (API -> alias -> group -> alarm -> API), which CloudFormation refuses."""
    resources = translate(TEMPLATE_PATH, parameters)["Resources"]
    graph = {}
    for name, resource in resources.items():
        depends = resource.get("DependsOn", [])
        named = references({key: value for key, value in resource.items() if key != "Type"})
        graph[name] = (named | set([depends] if isinstance(depends, str) else depends)) & set(resources)
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as cycle:
        pytest.fail(f"dependency cycle: {cycle.args[1]}")


def dashboard(cloudformation: dict[str, Any]) -> dict[str, Any]:
    (board,) = resources_of(cloudformation, "AWS::CloudWatch::Dashboard").values()
    text = board["Properties"]["DashboardBody"]["Fn::Sub"]
    assert set(re.findall(r"\$\{([^}]+)\}", text)) <= {
        "AWS::Region",
        "HttpApi",
        "CoursesTable",
        "IdempotencyTable",
        *API_FUNCTIONS,
    }
    return json.loads(re.sub(r"\$\{([^}]+)\}", lambda m: f"<{m.group(1)}>", text))


def test_the_dashboard_shows_routes_functions_and_tables(cloudformation):
    widgets = {
        widget["properties"]["title"]: widget["properties"]["metrics"]
        for widget in dashboard(cloudformation)["widgets"]
    }
    searches = {
        title: [m[0]["expression"] for m in metrics if isinstance(m[0], dict)] for title, metrics in widgets.items()
    }
    route_level = "{AWS/ApiGateway,ApiId,Method,Resource,Stage}"
    for title, metric, statistics in [
        ("Requests per route", "Count", ["Sum"]),
        ("4xx per route", "4xx", ["Sum"]),
        ("5xx per route", "5xx", ["Sum"]),
        ("Latency per route, p50 and p99 (ms)", "Latency", ["p50", "p99"]),
    ]:
        assert searches[title] == [
            f"SEARCH('{route_level} MetricName=\"{metric}\" ApiId=\"<HttpApi>\"', '{statistic}', 60)"
            for statistic in statistics
        ]
    assert {"ApiId", "Method", "Resource", "Stage"} in PUBLISHED_METRICS[("AWS/ApiGateway", "Count")]
    for title, metric, statistic in [
        ("Function errors", "Errors", "Sum"),
        ("Function throttles", "Throttles", "Sum"),
        ("Function duration, p99 (ms)", "Duration", "p99"),
        ("Function concurrent executions", "ConcurrentExecutions", "Maximum"),
    ]:
        lines = widgets[title]
        assert {(line[0], line[1], line[2], line[3], line[4]["stat"]) for line in lines} == {
            ("AWS/Lambda", metric, "FunctionName", f"<{function}>", statistic) for function in API_FUNCTIONS
        }
    assert searches["DynamoDB throttled requests per table and operation"] == [
        f"SEARCH('{{AWS/DynamoDB,Operation,TableName}} MetricName=\"ThrottledRequests\" TableName=\"<{table}>\"', 'Sum', 60)"
        for table in ("CoursesTable", "IdempotencyTable")
    ]
    assert {"TableName", "Operation"} in PUBLISHED_METRICS[("AWS/DynamoDB", "ThrottledRequests")]


def test_route_metrics_exist_because_detailed_metrics_are_on(cloudformation):
    """API Gateway sends the (ApiId, Method, Resource, Stage) metrics only with detailedMetricsEnabled (http-api-metrics page)."""
    (stage,) = resources_of(cloudformation, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["DefaultRouteSettings"]["DetailedMetricsEnabled"] is True


def test_the_hook_outlasts_versions_that_hang_and_never_runs_one_twice():
    """A hook that times out reports nothing, and CodeDeploy then waits an hour before it fails the deployment."""
    hook = handler_module(HOOK)
    template = load_template()
    assert hook.CLIENT_CONFIG.read_timeout > template["Parameters"]["FunctionTimeout"]["MaxValue"]
    assert hook.CLIENT_CONFIG.retries["total_max_attempts"] == 1
    assert template["Resources"][HOOK]["Properties"]["Timeout"] > len(hook.CHECKS) * hook.CLIENT_CONFIG.read_timeout


def _as_deployed(value: Any, stack: str) -> Any:
    """A translated value as CloudFormation resolves it in stack `stack`: Ref to a resource is a name it
    generates from the stack's (stack-LogicalId-SUFFIX), AWS::StackName is the stack's, Fn::Sub likewise."""
    if isinstance(value, list):
        return [_as_deployed(item, stack) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return stack if value["Ref"] == "AWS::StackName" else f"{stack}-{value['Ref']}-SUFFIX"
    if set(value) == {"Fn::Sub"}:
        return re.sub(r"\$\{([^}]+)\}", lambda name: str(_as_deployed({"Ref": name.group(1)}, stack)), value["Fn::Sub"])
    if set(value) == {"Fn::GetAtt"}:
        return f"{stack}-{'.'.join(value['Fn::GetAtt'])}-SUFFIX"
    return {key: _as_deployed(item, stack) for key, item in value.items()}


@pytest.mark.parametrize("parameters", [{}, samconfig_deploy("prod")[1]], ids=["default", "prod"])
def test_no_alarm_of_one_stack_sees_another_stacks_metrics(parameters):
    """Dev and prod live in one account and region: a metric either stack's alarm watches, and every alarm's
    name, must be the stack's own, or dev's errors would roll back prod and page its on-call."""
    cloudformation = translate(TEMPLATE_PATH, parameters)
    alarms = resources_of(cloudformation, "AWS::CloudWatch::Alarm")
    assert alarms and not [name for name, alarm in alarms.items() if "AlarmName" in alarm["Properties"]], (
        "CloudFormation names each alarm after its stack"
    )

    def watched(stack: str) -> set[str]:
        """Each metric an alarm watches: its namespace, name and dimensions, as deployed in `stack`."""
        identity = ("Namespace", "MetricName", "Dimensions")
        return {
            json.dumps(_as_deployed({key: metric.get(key) for key in identity}, stack), sort_keys=True)
            for alarm in alarms.values()
            for metric in alarm_metrics(alarm)
        }

    dev, prod = watched("course-api-dev"), watched("course-api-prod")
    assert len(dev) == len(prod) > 0
    assert not dev & prod, sorted(dev & prod)
