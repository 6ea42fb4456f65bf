"""template.yaml as CloudFormation will see it, transformed by aws-sam-translator (what `sam deploy` runs)."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

import pytest

from localdev.deployed_api import DeployedApi, deployed_api, translate
from localdev.functions import handler_module, resolver_functions
from localdev.route_matching import Route, match_route
from localdev.template import ROOT, TEMPLATE_PATH, Template, local_template
from sections.cors import CorsConfiguration
from sections.routes import METHODS_BY_PATH

FIXTURE_TEMPLATE = ROOT / "tests" / "fixtures" / "template-2026-11-27.yaml"

pytestmark = pytest.mark.infrastructure


@pytest.fixture(scope="module")
def cloudformation() -> dict[str, Any]:
    return translate(TEMPLATE_PATH, {})


def resources_of(cloudformation: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: resource for name, resource in cloudformation["Resources"].items() if resource["Type"] == kind}


def function_role_statements(cloudformation: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role_name = cloudformation["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    role = cloudformation["Resources"][role_name]["Properties"]
    assert "ManagedPolicyArns" not in role, "managed policies grant more than the function uses"
    return [statement for policy in role["Policies"] for statement in policy["PolicyDocument"]["Statement"]]


COURSES = json.dumps({"Fn::GetAtt": ["CoursesTable", "Arn"]})
IDEMPOTENCY = json.dumps({"Fn::GetAtt": ["IdempotencyTable", "Arn"]})
# Each function's calls, and nothing more: the read function cannot write.
EXPECTED_GRANTS = {
    "CreateSectionFunction": {
        ("dynamodb:UpdateItem", COURSES),
        ("dynamodb:PutItem", COURSES),
        ("dynamodb:GetItem", COURSES),
        ("dynamodb:GetItem", IDEMPOTENCY),
        ("dynamodb:PutItem", IDEMPOTENCY),
        ("dynamodb:UpdateItem", IDEMPOTENCY),
        ("dynamodb:DeleteItem", IDEMPOTENCY),
    },
    "ReadSectionsFunction": {("dynamodb:GetItem", COURSES), ("dynamodb:Query", COURSES)},
    # It answers CORS preflight without a token: it may write its logs and traces, nothing else.
    "PreflightFunction": set(),
    "ChangeSectionFunction": {
        ("dynamodb:GetItem", COURSES),
        ("dynamodb:UpdateItem", COURSES),
        ("dynamodb:DeleteItem", COURSES),
        # The reorder reads the course's sections, then checks the course item and puts the order.
        ("dynamodb:Query", COURSES),
        ("dynamodb:ConditionCheckItem", COURSES),
        ("dynamodb:PutItem", COURSES),
    },
}


@pytest.mark.parametrize("function", sorted(EXPECTED_GRANTS))
def test_each_function_role_grants_exactly_the_calls_the_function_makes(cloudformation, function):
    # The PreTraffic hook's role is checked with the deploys (test_deploys.py).
    assert set(resources_of(cloudformation, "AWS::Lambda::Function")) == set(EXPECTED_GRANTS) | {
        "PreTrafficHookFunction"
    }
    statements = function_role_statements(cloudformation, function)
    granted = {
        (action, json.dumps(statement["Resource"], sort_keys=True))
        for statement in statements
        for action in statement["Action"]
    }
    log_group = cloudformation["Resources"][function]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    logs = json.dumps({"Fn::GetAtt": [log_group, "Arn"]})
    assert granted == EXPECTED_GRANTS[function] | {
        ("logs:CreateLogStream", logs),
        ("logs:PutLogEvents", logs),
        ("xray:PutTraceSegments", json.dumps("*")),
        ("xray:PutTelemetryRecords", json.dumps("*")),
    }
    assert all(statement["Effect"] == "Allow" for statement in statements)
    for statement in statements:
        actions = statement["Action"]
        if any(action.split(":")[0] in ("dynamodb", "logs") for action in actions):
            assert statement["Resource"] != "*"
            assert "*" not in json.dumps(statement["Resource"])
            assert not any(action.endswith("*") for action in actions)


def api_body(cloudformation: dict[str, Any]) -> dict[str, Any]:
    (api,) = resources_of(cloudformation, "AWS::ApiGatewayV2::Api").values()
    return api["Properties"]["Body"]


@pytest.fixture(scope="module")
def api() -> DeployedApi:
    """The routes as API Gateway imports the translated body (localdev/deployed_api.py, which the local gateway uses)."""
    return deployed_api(local_template())


PREFLIGHT_ROUTE = Route("OPTIONS /{proxy+}", "PreflightFunction")


def test_every_route_but_the_preflight_one_has_the_jwt_authorizer(cloudformation, api):
    assert api.routes, "the API has routes"
    for route in api.routes:
        assert route.is_default or not route.path.endswith("/"), "API Gateway rejects routes that end in a slash"
        assert route == PREFLIGHT_ROUTE or route.authorizer == "JwtAuthorizer", route
    assert PREFLIGHT_ROUTE in api.routes
    assert not resources_of(cloudformation, "AWS::ApiGatewayV2::Route"), "no route outside the authorized body"


def operations_by_function() -> dict[tuple[str, str], str]:
    """(METHOD, documented path) -> the function whose resolver serves it, from each handler's own routes."""
    served = {}
    for function in resolver_functions(local_template()):
        for path, item in handler_module(function).app.get_openapi_schema().paths.items():
            for method in ("get", "post", "put", "patch", "delete"):
                if getattr(item, method) is not None:
                    served[(method.upper(), path)] = function
    return served


def test_the_functions_serve_exactly_the_route_table_every_function_answers_405_from():
    table = {
        (method, path.replace("<", "{").replace(">", "}"))
        for path, methods in METHODS_BY_PATH.items()
        for method in methods
    }
    assert set(operations_by_function()) == table


@pytest.mark.parametrize("trailing_slash", [True, False], ids=["slash", "no-slash"])
def test_every_operation_reaches_its_function_behind_the_authorizer_in_both_url_forms(api, trailing_slash):
    """Routed by localdev/route_matching.py, the matcher the local gateway and the fuzz run use."""
    for (method, path), function in operations_by_function().items():
        concrete = path.replace("{id}", "1").replace("{section_id}", "2")
        concrete = concrete if trailing_slash else concrete.rstrip("/")
        matched = match_route(api.routes, method, concrete)
        assert matched is not None, f"API Gateway would answer 404 for {method} {concrete}"
        assert matched.route.target == function, (method, concrete)
        assert matched.route.authorizer == "JwtAuthorizer", (method, concrete)
        # A browser's preflight for the same URL never meets the authorizer, and touches no data.
        preflight = match_route(api.routes, "OPTIONS", concrete)
        assert preflight is not None and preflight.route == PREFLIGHT_ROUTE, concrete


def test_other_paths_reach_the_function_only_through_a_catch_all(api):
    """Without a catch-all, API Gateway's own 404; with one, the function's 404 problem (tests/unit/test_create_section.py)."""
    matched = match_route(api.routes, "GET", "/api/v2/course/1/section/x/y")
    catch_all = [route for route in api.routes if route.is_default or (route.path or "").endswith("+}")]
    if catch_all:
        assert matched is not None and matched.route in catch_all
    else:
        assert matched is None


def test_each_function_may_be_invoked_by_each_of_its_routes(cloudformation, api):
    """A route's invocation carries SourceArn `{api}/{stage}/{METHOD}/{path}`; some permission of the route's function must match it."""
    patterns: dict[str, list[str]] = {}
    for permission in resources_of(cloudformation, "AWS::Lambda::Permission").values():
        properties = permission["Properties"]
        assert properties["Principal"] == "apigateway.amazonaws.com"
        source, variables = properties["SourceArn"]["Fn::Sub"]
        assert variables["__Stage__"] == "*"
        pattern = source.split("${__ApiId__}/", 1)[1].replace("${__Stage__}", "*")
        invoked = cloudformation["Resources"][properties["FunctionName"]["Ref"]]
        # With AutoPublishAlias the permission is the alias's, which is what the integration invokes.
        assert invoked["Type"] == "AWS::Lambda::Alias", properties["FunctionName"]
        patterns.setdefault(invoked["Properties"]["FunctionName"]["Ref"], []).append(pattern)
    for route in api.routes:
        invoked = (
            "$default/ANY/anything"
            if route.is_default
            else f"$default/{route.method}{re.sub(r'{[^}]+}', 'x', route.path)}"
        )
        assert any(fnmatch.fnmatchcase(invoked, pattern) for pattern in patterns[route.target]), (route, patterns)


def test_authorizer_uses_the_stack_user_pool_unless_an_issuer_is_given(cloudformation):
    (api,) = resources_of(cloudformation, "AWS::ApiGatewayV2::Api").values()
    (scheme,) = api["Properties"]["Body"]["components"]["securitySchemes"].values()
    configuration = scheme["x-amazon-apigateway-authorizer"]["jwtConfiguration"]
    assert configuration["issuer"]["Fn::If"][0] == "CreateUserPool"
    assert configuration["audience"]["Fn::If"][0] == "CreateUserPool"
    assert scheme["x-amazon-apigateway-authorizer"]["identitySource"] == "$request.header.Authorization"
    assert cloudformation["Conditions"]["CreateUserPool"] == {"Fn::Equals": [{"Ref": "JwtIssuer"}, ""]}
    assert cloudformation["Resources"]["UserPool"]["Condition"] == "CreateUserPool"


@pytest.mark.parametrize("function", sorted(EXPECTED_GRANTS))
def test_function_runtime_tracing_timeout_environment_and_layers(cloudformation, function):
    properties = cloudformation["Resources"][function]["Properties"]
    assert properties["Runtime"] == "python3.13"
    assert properties["Architectures"] == ["arm64"]
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["Timeout"] == {"Ref": "FunctionTimeout"}
    assert cloudformation["Parameters"]["FunctionTimeout"]["MaxValue"] < 30  # API Gateway's integration limit
    assert set(properties["Environment"]["Variables"]) >= {
        "TABLE_NAME",
        "ROLES_CLAIM",
        "ADMIN_GROUP",
        "POWERTOOLS_SERVICE_NAME",
    }
    # Only the create uses Idempotency-Key records.
    assert ("IDEMPOTENCY_TABLE_NAME" in properties["Environment"]["Variables"]) == (function == "CreateSectionFunction")
    layers = resources_of(cloudformation, "AWS::Lambda::LayerVersion")
    expected = [name for name in sorted(layers) if function != "PreflightFunction" or name.startswith("SharedCode")]
    assert sorted(layer["Ref"] for layer in properties["Layers"]) == expected
    assert all(layer["Properties"]["CompatibleArchitectures"] == ["arm64"] for layer in layers.values())


def test_tables_are_protected(cloudformation):
    for name, table in resources_of(cloudformation, "AWS::DynamoDB::Table").items():
        # Kept when the stack is deleted or the table replaced; deleted only by the rollback of its own create.
        assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain"), name
        properties = table["Properties"]
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert properties["SSESpecification"] == {"SSEEnabled": True}
        assert properties["DeletionProtectionEnabled"] == {"Ref": "TableDeletionProtection"}
        assert properties["BillingMode"] == "PAY_PER_REQUEST"


# What each service publishes: (namespace, metric) -> the dimension sets it has data for.
# An alarm on any other combination watches a metric with no data, and never fires.
PUBLISHED_METRICS = {
    # https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    ("AWS/Lambda", "Errors"): [{"FunctionName"}, {"FunctionName", "Resource"}, set()],
    ("AWS/Lambda", "Throttles"): [{"FunctionName"}, {"FunctionName", "Resource"}, set()],
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
    ("AWS/ApiGateway", "5xx"): [{"ApiId"}, {"ApiId", "Stage"}, {"ApiId", "Stage", "Resource", "Method"}],
    ("AWS/ApiGateway", "4xx"): [{"ApiId"}, {"ApiId", "Stage"}, {"ApiId", "Stage", "Resource", "Method"}],
    ("AWS/ApiGateway", "Count"): [{"ApiId"}, {"ApiId", "Stage"}, {"ApiId", "Stage", "Resource", "Method"}],
    ("AWS/ApiGateway", "Latency"): [{"ApiId"}, {"ApiId", "Stage"}, {"ApiId", "Stage", "Resource", "Method"}],
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
    # ThrottledRequests has data only per table *and* operation.
    ("AWS/DynamoDB", "ThrottledRequests"): [{"TableName", "Operation"}],
    ("AWS/DynamoDB", "ReadThrottleEvents"): [{"TableName"}, {"TableName", "GlobalSecondaryIndexName"}],
    ("AWS/DynamoDB", "WriteThrottleEvents"): [{"TableName"}, {"TableName", "GlobalSecondaryIndexName"}],
    # Our own, as EMF: sections/http_api.py counts each problem answered; Powertools Metrics adds the
    # `service` dimension (POWERTOOLS_SERVICE_NAME) to every metric it flushes.
    ("CourseApi", "Http5xx"): [{"service"}],
}


def alarm_metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    properties = alarm["Properties"]
    if "MetricName" in properties:
        return [properties]
    return [query["MetricStat"]["Metric"] for query in properties["Metrics"] if "MetricStat" in query]


def test_every_alarm_watches_a_metric_the_service_publishes(cloudformation):
    for name, alarm in resources_of(cloudformation, "AWS::CloudWatch::Alarm").items():
        for metric in alarm_metrics(alarm):
            key = (metric["Namespace"], metric["MetricName"])
            assert key in PUBLISHED_METRICS, (name, key)
            dimensions = {dimension["Name"] for dimension in metric.get("Dimensions", [])}
            assert dimensions in PUBLISHED_METRICS[key], (name, key, dimensions)


def test_dynamodb_throttles_are_watched_on_both_tables_for_reads_and_writes(cloudformation):
    (throttles,) = [
        alarm
        for alarm in resources_of(cloudformation, "AWS::CloudWatch::Alarm").values()
        if any(metric["Namespace"] == "AWS/DynamoDB" for metric in alarm_metrics(alarm))
    ]
    watched = {(metric["MetricName"], metric["Dimensions"][0]["Value"]["Ref"]) for metric in alarm_metrics(throttles)}
    assert watched == {
        (metric, table)
        for metric in ("ReadThrottleEvents", "WriteThrottleEvents")
        for table in ("CoursesTable", "IdempotencyTable")
    }
    (expression,) = [query["Expression"] for query in throttles["Properties"]["Metrics"] if "Expression" in query]
    assert all(
        f"FILL({query['Id']}, 0)" in expression for query in throttles["Properties"]["Metrics"] if "MetricStat" in query
    )


def test_alarms_notify_a_topic_cloudwatch_can_publish_to(cloudformation):
    for alarm in resources_of(cloudformation, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    topic = cloudformation["Resources"]["AlarmTopic"]["Properties"]
    # The AWS-managed alias/aws/sns key cannot be used by CloudWatch (repost.aws cloudwatch-configure-alarm-sns).
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key = cloudformation["Resources"]["AlarmTopicKey"]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    (statement,) = [
        statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert statement["Effect"] == "Allow"
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(statement["Action"])
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_every_authorized_route_requires_one_scope_and_no_novalue_sits_in_the_body(cloudformation):
    """Cognito ID tokens carry no scope: requiring aws.cognito.signin.user.admin admits access tokens only.
    With an external issuer the scope is JwtScope, which a Rule makes required: no AWS page says
    CloudFormation drops an AWS::NoValue list element inside an API's Body, so none may be there."""
    body = api_body(cloudformation)
    for operations in body["paths"].values():
        for operation in operations.values():
            for requirement in operation.get("security", []):
                if "JwtAuthorizer" in requirement:
                    assert requirement["JwtAuthorizer"] == [
                        {"Fn::If": ["CreateUserPool", "aws.cognito.signin.user.admin", {"Ref": "JwtScope"}]}
                    ]
    assert "AWS::NoValue" not in json.dumps(body)
    rule = cloudformation["Rules"]["ScopeGoesWithIssuer"]
    assert rule["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "JwtIssuer"}, ""]}]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "JwtScope"}, ""]}]}


def cors_problems(cloudformation: dict[str, Any], origins: str) -> list[str]:
    """What stops API Gateway from applying the CORS configuration the template means, deployed with these origins.

    x-amazon-apigateway-cors is an object whose allow*/expose* members are arrays of strings and maxAge
    an integer (AWS, "x-amazon-apigateway-cors object":
    https://docs.aws.amazon.com/apigateway/latest/developerguide/openapi-extensions-cors-configuration.html).
    """
    resolved = Template(cloudformation, {"CorsAllowedOrigins": origins}).resolve(
        api_body(cloudformation).get("x-amazon-apigateway-cors")
    )
    if not isinstance(resolved, dict):
        return [f"x-amazon-apigateway-cors resolves to {resolved!r}, not an object"]
    expected = {
        "allowOrigins": origins.split(","),
        "allowMethods": ["GET", "POST", "PUT", "PATCH", "DELETE"],
        "allowHeaders": ["authorization", "content-type", "idempotency-key"],
        "exposeHeaders": ["location", "retry-after"],
        "maxAge": 600,
    }
    return [
        f"{name} is {resolved.get(name)!r}, not {value!r}"
        for name, value in expected.items()
        if resolved.get(name) != value
    ]


ORIGINS = ["http://localhost:5173", "https://app.example.com,https://admin.example.com", "https://*.example.com"]


@pytest.mark.parametrize("origins", ORIGINS)
def test_the_deployed_api_carries_the_whole_cors_configuration(cloudformation, origins):
    assert cors_problems(cloudformation, origins) == []


@pytest.mark.parametrize("origins", ORIGINS)
def test_the_template_before_the_fix_lost_its_cors_configuration_in_translation(origins):
    """The check above, on a copy of the template as it was: SAM took the intrinsic AllowOrigins for the whole block."""
    problems = cors_problems(translate(FIXTURE_TEMPLATE, {"CorsAllowedOrigins": origins}), origins)
    assert problems == [f"x-amazon-apigateway-cors resolves to {origins.split(',')!r}, not an object"]


def test_the_preflight_function_answers_with_the_api_cors_configuration_and_touches_no_data(cloudformation):
    function = cloudformation["Resources"]["PreflightFunction"]["Properties"]
    environment = Template(cloudformation, {"CorsAllowedOrigins": "https://a.test,https://b.test"}).resolve(
        function["Environment"]["Variables"]
    )
    resolved = Template(cloudformation, {"CorsAllowedOrigins": "https://a.test,https://b.test"}).resolve(
        api_body(cloudformation)["x-amazon-apigateway-cors"]
    )
    configured = CorsConfiguration.from_openapi(resolved)
    assert CorsConfiguration.from_env(environment) == CorsConfiguration(
        configured.allow_origins, configured.allow_methods, configured.allow_headers, max_age=configured.max_age
    )
    assert [layer["Ref"].startswith("SharedCodeLayer") for layer in function["Layers"]] == [True]


def test_rules_refuse_silent_misconfigurations(cloudformation):
    rules = cloudformation["Rules"]
    audience = rules["AudienceGoesWithIssuer"]
    assert audience["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "JwtIssuer"}, ""]}]}
    assert audience["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Contains": [{"Ref": "JwtAudience"}, ""]}]}
    certificate = rules["CertificateGoesWithDomain"]
    assert certificate["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "DomainName"}, ""]}]}
    assert certificate["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]}


def test_the_user_pool_is_retained_and_protected_by_default(cloudformation):
    pool = cloudformation["Resources"]["UserPool"]
    assert (pool["DeletionPolicy"], pool["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    assert pool["Properties"]["DeletionProtection"] == {"Fn::If": ["UserPoolProtected", "ACTIVE", "INACTIVE"]}
    assert cloudformation["Parameters"]["UserPoolDeletionProtection"]["Default"] == "true"


def test_stage_throttling_and_access_logs(cloudformation):
    (stage,) = resources_of(cloudformation, "AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]
    assert settings["DefaultRouteSettings"]["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}
    assert settings["DefaultRouteSettings"]["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}
    assert settings["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert json.loads(settings["AccessLogSettings"]["Format"].replace("\n", ""))["requestId"] == "$context.requestId"
