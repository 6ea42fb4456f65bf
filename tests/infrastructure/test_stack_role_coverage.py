"""The stack role allows every call CloudFormation's resource handlers make for what the stack deploys.

CloudFormation creates, updates, reads and deletes each resource through its type's handler, with the
stack role's credentials. The CloudFormation registry publishes each handler's permissions
(`handlers.<create|read|update|delete>.permissions` in the resource schema); cfn-lint bundles those
schemas. A call the role lacks fails the deploy, or its rollback (ROLLBACK_FAILED), whatever
CloudFormation was asked to do. So, for the translated template (what `sam deploy` hands to AWS) with
development's and production's parameters, every resource's handler permissions are checked against
the role of that environment's stack, as IAM evaluates them:
- actions and resources with IAM's wildcards, the resource being the ARN the resource will have;
- conditions as IAM would meet them for this stack: the request's tags are the ones the template puts
  on the resource, a resource's own tags are there only once it exists (not for its Create* call), and
  an unknown condition never holds;
- an action of another service than the resource's (iam:PassRole for a function, say) on the resources
  of that service the stack has, or, when it has none, on any resource.
What is left out is in pipeline/stack-role-exceptions.yaml, each with its reason; an exception the role
no longer needs fails too.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from localdev.deployed_api import translate
from localdev.template import ROOT, TEMPLATE_PATH, load_template
from pipeline.concurrency_room import samconfig_deploy

SCHEMAS = ROOT / ".venv-sam" / "lib" / "python3.13" / "site-packages" / "cfnlint" / "data" / "schemas"
ROLE_TEMPLATE = ROOT / "pipeline" / "deploy-role.yaml"
EXCEPTIONS = ROOT / "pipeline" / "stack-role-exceptions.yaml"
HANDLERS = ("create", "read", "update", "delete")
REGION, ACCOUNT = "us-east-1", "123456789012"
# What production must have for CloudFormation to take the template (its ProductionIsConfigured rule).
PRODUCTION_VALUES = {"AlarmEmail": "ops@example.com", "CorsAllowedOrigins": "https://app.example.com"}
# Properties that name a resource; without one, CloudFormation names it <stack>-<logical id>-<random>.
NAME_PROPERTIES = (
    "FunctionName",
    "TableName",
    "RoleName",
    "LayerName",
    "LogGroupName",
    "AlarmName",
    "DashboardName",
    "TopicName",
    "ApplicationName",
    "DeploymentGroupName",
    "UserPoolName",
)


def environments() -> list[tuple[str, dict[str, str]]]:
    """(stack name, template parameters) of each samconfig environment."""
    found = []
    for config_env in ("default", "prod"):
        settings, overrides = samconfig_deploy(config_env)
        if overrides.get("Environment") == "production":
            overrides = {**overrides, **PRODUCTION_VALUES}
        found.append((settings["stack_name"], overrides))
    return found


@cache
def handler_permissions(resource_type: str) -> frozenset[str]:
    index = json.loads((SCHEMAS / "providers" / "us-east-1.json").read_text())
    schema = json.loads((SCHEMAS / "resources" / f"{index[resource_type]}.json").read_text())
    handlers = schema.get("handlers", {})
    return frozenset(action for handler in HANDLERS for action in handlers.get(handler, {}).get("permissions", []))


def resolve(value: Any, names: dict[str, str]) -> Any:
    """Fn::Sub, Ref and Fn::GetAtt of a template, with `names` for what they name (unknowns stay as `<x>`)."""
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            return names.get(argument, f"<{argument}>")
        if function == "Fn::GetAtt":
            return names.get(".".join(argument) if isinstance(argument, list) else argument, f"<{argument}>")
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            local = {**names, **{key: str(resolve(item, names)) for key, item in variables.items()}}
            return re.sub(r"\$\{([^}]+)\}", lambda match: local.get(match.group(1), f"<{match.group(1)}>"), text)
    if isinstance(value, dict):
        return {key: resolve(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, names) for item in value]
    return value


class Stack:
    """The translated template's resources, each with the ARN it will have as `stack` in the test account."""

    def __init__(self, name: str, parameters: dict[str, str]):
        self.name = name
        self.resources: dict[str, dict[str, Any]] = translate(TEMPLATE_PATH, parameters)["Resources"]
        self.pseudo = {
            "AWS::StackName": name,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
        }
        self.pseudo |= {key: str(value) for key, value in parameters.items()}
        self.names = {logical: self._name(logical) for logical in self.resources}

    def _name(self, logical: str) -> str:
        properties = self.resources[logical].get("Properties", {})
        for key in NAME_PROPERTIES:
            if key in properties:
                named = resolve(properties[key], self.pseudo)
                if isinstance(named, str) and "<" not in named:
                    return named
        return f"{self.name}-{logical}-A1B2C3D4E5F6"

    def _function_of(self, logical: str) -> str:
        """The function a version, alias or permission belongs to (through its FunctionName reference)."""
        while self.resources[logical]["Type"] != "AWS::Lambda::Function":
            reference = self.resources[logical]["Properties"]["FunctionName"]
            logical = reference["Ref"] if isinstance(reference, dict) and "Ref" in reference else logical
            if "Ref" not in str(reference):
                break
        return self.names[logical]

    def arn(self, logical: str) -> str:
        kind = self.resources[logical]["Type"]
        name = self.names[logical]
        lambda_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
        apis = f"arn:aws:apigateway:{REGION}::/apis/a1b2c3d4e5"
        domains = f"arn:aws:apigateway:{REGION}::/domainnames/api.example.com"
        pool = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_AbCdEf123"
        topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:{self.names.get('AlarmTopic', name)}"
        application = next(
            (self.names[other] for other, r in self.resources.items() if r["Type"] == "AWS::CodeDeploy::Application"),
            "",
        )
        return {
            "AWS::Lambda::Function": lambda: lambda_arn + name,
            "AWS::Lambda::Version": lambda: lambda_arn + self._function_of(logical) + ":1",
            "AWS::Lambda::Alias": lambda: lambda_arn + self._function_of(logical) + ":live",
            "AWS::Lambda::Permission": lambda: lambda_arn + self._function_of(logical) + ":live",
            "AWS::Lambda::LayerVersion": lambda: f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{name}:1",
            "AWS::DynamoDB::Table": lambda: f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}",
            "AWS::IAM::Role": lambda: f"arn:aws:iam::{ACCOUNT}:role/{name}",
            "AWS::Logs::LogGroup": lambda: f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}",
            "AWS::ApiGatewayV2::Api": lambda: apis,
            "AWS::ApiGatewayV2::Stage": lambda: apis + "/stages/$default",
            "AWS::ApiGatewayV2::DomainName": lambda: domains,
            "AWS::ApiGatewayV2::ApiMapping": lambda: domains + "/apimappings/m1n2o3",
            "AWS::CloudWatch::Alarm": lambda: f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}",
            "AWS::CloudWatch::Dashboard": lambda: f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/{name}",
            "AWS::CodeDeploy::Application": lambda: f"arn:aws:codedeploy:{REGION}:{ACCOUNT}:application:{name}",
            "AWS::CodeDeploy::DeploymentGroup": lambda: (
                f"arn:aws:codedeploy:{REGION}:{ACCOUNT}:deploymentgroup:{application}/{name}"
            ),
            "AWS::Cognito::UserPool": lambda: pool,
            "AWS::Cognito::UserPoolClient": lambda: pool,
            "AWS::KMS::Key": lambda: f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "AWS::SNS::Topic": lambda: topic,
            "AWS::SNS::Subscription": lambda: topic,
            "AWS::SNS::TopicPolicy": lambda: topic,
            "AWS::Route53::RecordSet": lambda: "arn:aws:route53:::hostedzone/Z0123456789ABC",
        }[kind]()

    def tags(self, logical: str) -> dict[str, str]:
        tags = self.resources[logical].get("Properties", {}).get("Tags", {})
        if isinstance(tags, list):
            tags = {tag["Key"]: tag["Value"] for tag in tags}
        return {key: str(resolve(value, self.pseudo)) for key, value in tags.items()}


def service_of(resource_type: str) -> str:
    service = resource_type.split("::")[1].lower()
    return {"apigatewayv2": "apigateway", "cognito": "cognito-idp", "logs": "logs"}.get(service, service)


def role_statements(stack: Stack) -> list[dict[str, Any]]:
    """The stack role's Allow statements, resolved for this stack's role stack."""
    role = load_template(ROLE_TEMPLATE)["Resources"]["StackRole"]["Properties"]
    names = {
        **stack.pseudo,
        "StackName": stack.name,
        "ArtifactsBucket.Arn": "arn:aws:s3:::course-api-artifacts",
        "StackRole.Arn": f"arn:aws:iam::{ACCOUNT}:role/course-api-pipeline-StackRole-X",
    }
    return [
        resolve(statement, names)
        for policy in role["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
    ]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    expression = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(expression, value, 0 if case_sensitive else re.IGNORECASE) is not None


def _condition_holds(operator: str, key: str, wanted: Any, context: dict[str, Any]) -> bool:
    compare = _matches if operator in ("StringLike", "ArnLike") else (lambda pattern, value: pattern == value)
    if operator not in ("StringEquals", "StringLike", "ArnEquals", "ArnLike"):
        return False
    value = context.get(key)
    return value is not None and any(compare(str(option), str(value)) for option in _listed(wanted))


def allowed(statements: list[dict[str, Any]], action: str, resource: str, context: dict[str, Any]) -> bool:
    for statement in statements:
        if not any(_matches(pattern, action, case_sensitive=False) for pattern in _listed(statement["Action"])):
            continue
        if not any(_matches(pattern, resource) for pattern in _listed(statement["Resource"])):
            continue
        conditions = statement.get("Condition", {})
        if all(
            _condition_holds(operator, key, wanted, context)
            for operator, keys in conditions.items()
            for key, wanted in keys.items()
        ):
            return True
    return False


def condition_context(stack: Stack, logical: str, action: str) -> dict[str, Any]:
    """What IAM knows of a handler's call: the template's tags as request tags, the resource's own tags once
    it exists, the service a role is passed to, and the managed policies a role attaches."""
    kind = stack.resources[logical]["Type"]
    tags = stack.tags(logical)
    context: dict[str, Any] = {f"aws:RequestTag/{key}": value for key, value in tags.items()}
    creating = action.split(":")[0] == service_of(kind) and action.split(":")[1].startswith("Create")
    if not creating:
        context |= {f"aws:ResourceTag/{key}": value for key, value in tags.items()}
    context["iam:PassedToService"] = f"{service_of(kind)}.amazonaws.com"
    for policy in stack.resources[logical].get("Properties", {}).get("ManagedPolicyArns", []):
        context["iam:PolicyARN"] = resolve(policy, stack.pseudo)
    return context


# Calls that act on another resource than the one being handled: the ARN IAM checks them on.
ACTED_ON = {
    "route53:GetChange": "arn:aws:route53:::change/C0123456789ABC",
    "codedeploy:GetDeploymentConfig": f"arn:aws:codedeploy:{REGION}:{ACCOUNT}:deploymentconfig:CodeDeployDefault.LambdaAllAtOnce",
}


def missing_calls(stack: Stack) -> dict[tuple[str, str], str]:
    """(resource type, action) the role refuses, with the ARN it was refused on."""
    statements = role_statements(stack)
    arns_by_service: dict[str, list[str]] = {}
    for logical, resource in stack.resources.items():
        arns_by_service.setdefault(service_of(resource["Type"]), []).append(stack.arn(logical))
    refused: dict[tuple[str, str], str] = {}
    for logical, resource in stack.resources.items():
        kind = resource["Type"]
        for action in sorted(handler_permissions(kind)):
            service = action.split(":")[0]
            context = condition_context(stack, logical, action)
            if action in ACTED_ON:
                targets = [ACTED_ON[action]]
            elif action == "lambda:GetLayerVersion":  # a function reads its layers
                targets = [
                    stack.arn(name) for name, r in stack.resources.items() if r["Type"] == "AWS::Lambda::LayerVersion"
                ]
            elif service == service_of(kind):
                targets = [stack.arn(logical)]
            else:
                targets = arns_by_service.get(service, ["*"])
            if targets == ["*"]:
                ok = any(allowed([{**s, "Resource": "*"}], action, "*", context) for s in statements)
            else:
                ok = any(allowed(statements, action, target, context) for target in targets)
            if not ok:
                refused.setdefault((kind, action), targets[0])
    return refused


def exceptions() -> dict[tuple[str, str], str]:
    listed = yaml.safe_load(EXCEPTIONS.read_text())
    found = {}
    for entry in listed:
        assert entry.get("reason", "").strip(), entry
        for action in entry["actions"]:
            found[(entry["type"], action)] = entry["reason"]
    return found


@pytest.fixture(scope="module", params=environments(), ids=lambda environment: environment[0])
def stack(request) -> Stack:
    if not SCHEMAS.exists():
        pytest.fail(f"{SCHEMAS} is missing: `make test` installs cfn-lint (.venv-sam)")
    return Stack(*request.param)


def test_the_stack_role_allows_every_call_of_the_resource_handlers(stack):
    excepted = exceptions()
    refused = {call: arn for call, arn in missing_calls(stack).items() if call not in excepted}
    assert not refused, "\n".join(f"{kind} {action} on {arn}" for (kind, action), arn in sorted(refused.items()))


def test_every_exception_is_still_needed_and_says_why():
    needed: set[tuple[str, str]] = set()
    for name, parameters in environments():
        needed |= set(missing_calls(Stack(name, parameters)))
    stale = set(exceptions()) - needed
    assert not stale, f"the role allows these now, or the stack has no such resource: {sorted(stale)}"


def test_the_check_refuses_what_the_role_does_not_grant():
    statements = [
        {"Action": ["kms:CreateKey"], "Resource": "*", "Condition": {"StringEquals": {"aws:RequestTag/t": "s"}}},
        {
            "Action": "kms:DescribeKey",
            "Resource": "arn:aws:kms:*:*:key/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/t": "s"}},
        },
        {"Action": "lambda:Get*", "Resource": "arn:aws:lambda:*:*:function:s-*"},
    ]
    assert allowed(statements, "kms:CreateKey", "*", {"aws:RequestTag/t": "s"})
    assert not allowed(statements, "kms:CreateKey", "*", {"aws:RequestTag/t": "other"})
    assert not allowed(statements, "kms:DescribeKey", "arn:aws:kms:r:a:key/k", {})  # a key without the tag
    assert allowed(statements, "lambda:GetFunction", "arn:aws:lambda:r:a:function:s-f-1", {})
    assert not allowed(statements, "lambda:GetFunction", "arn:aws:lambda:r:a:function:other-f", {})
    assert not allowed(statements, "lambda:DeleteFunction", "arn:aws:lambda:r:a:function:s-f-1", {})
    assert not _condition_holds("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": "true"})


def test_the_schemas_are_cfn_lints(stack):
    assert Path(SCHEMAS / "providers" / "us-east-1.json").exists()
    assert "lambda:CreateFunction" in handler_permissions("AWS::Lambda::Function")
