"""What a real account needs of the translated template: origins API Gateway can match, prod alarms that
reach someone, layers of the stack's own, an alarm for a wrong issuer, a custom domain that is the only
way in, a deploy role that can turn on access logs, and a reservation the account can hold."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest
import yaml
from botocore.stub import Stubber

from localdev.deployed_api import translate
from localdev.template import ROOT, TEMPLATE_PATH, Template, load_template, local_template
from pipeline import concurrency_room
from pipeline.concurrency_room import samconfig_deploy
from sections.cors import CorsConfiguration
from tests.infrastructure.test_deploys import samconfig_overrides
from tests.infrastructure.test_template import api_body, resources_of

pytestmark = pytest.mark.infrastructure

SPACED = "https://a.example.com, https://b.example.com"
DOMAIN = {"DomainName": "api.example.com", "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"}
PRODUCTION = {"Environment": "production", "AlarmEmail": "ops@example.com", "CorsAllowedOrigins": "https://app.test"}


@pytest.fixture(scope="module")
def cloudformation() -> dict[str, Any]:
    return translate(TEMPLATE_PATH, {})


def deployed_origins(origins: str) -> list[str]:
    cloudformation = translate(TEMPLATE_PATH, {"CorsAllowedOrigins": origins})
    return Template(cloudformation, {"CorsAllowedOrigins": origins}).resolve(api_body(cloudformation))[
        "x-amazon-apigateway-cors"
    ]["allowOrigins"]


def test_an_origin_after_a_space_would_reach_api_gateway_with_its_space_so_cloudformation_refuses_it():
    # What API Gateway would be given: Fn::Split keeps the space, and no browser sends " https://b...".
    assert deployed_origins(SPACED) == ["https://a.example.com", " https://b.example.com"]
    # CloudFormation checks AllowedPattern before it creates anything; the local stand-in does the same.
    (refusal,) = local_template({"CorsAllowedOrigins": SPACED}).failed_rules()
    assert refusal.startswith(f"parameter CorsAllowedOrigins: {SPACED!r} must be origins separated by commas only")


@pytest.mark.parametrize(
    "origins", [SPACED, "https://a.test,", ",https://a.test", "https://a.test,,https://b.test", "", "https://a.test\t"]
)
def test_cors_origins_refused_as_cloudformation_would(origins):
    assert [
        rule for rule in local_template({"CorsAllowedOrigins": origins}).failed_rules() if "CorsAllowedOrigins" in rule
    ]


@pytest.mark.parametrize("origins", ["http://localhost:5173", "https://a.test,https://b.test", "https://*.example.com"])
def test_cors_origins_accepted(origins):
    assert local_template({"CorsAllowedOrigins": origins}).failed_rules() == []


def test_the_preflight_function_reads_origins_as_api_gateway_does_with_no_trimming():
    configuration = CorsConfiguration.from_env({"CORS_ALLOW_ORIGINS": SPACED})
    assert configuration.allow_origins == tuple(deployed_origins(SPACED))
    assert configuration.origin_allowed("https://a.example.com")
    assert not configuration.origin_allowed("https://b.example.com")


def test_prod_carries_no_placeholder_and_cannot_deploy_without_its_email_and_origins(cloudformation):
    prod = samconfig_overrides("prod")
    assert prod["Environment"] == "production"
    assert "example.com" not in (ROOT / "samconfig.toml").read_text()
    assert "CorsAllowedOrigins" not in prod and "AlarmEmail" not in prod
    refusals = local_template(prod).failed_rules()
    assert len(refusals) == 2
    assert refusals[0].startswith("AlarmEmail is required with Environment=production")
    assert refusals[1].startswith("CorsAllowedOrigins is required with Environment=production")
    assert local_template({**prod, **PRODUCTION}).failed_rules() == []
    assert cloudformation["Rules"]["ProductionIsConfigured"]["RuleCondition"] == {
        "Fn::Equals": [{"Ref": "Environment"}, "production"]
    }
    assert samconfig_overrides("default")["Environment"] == "development"


def dry_run(*arguments: str) -> list[str]:
    result = subprocess.run(["make", "-n", *arguments], cwd=ROOT, capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def test_the_pipeline_confirms_prod_through_its_approval_and_checks_the_account_first():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    production = workflow["jobs"]["deploy-production"]
    assert production["environment"] == "production"
    (command,) = [step["run"] for step in production["steps"] if step.get("run", "").startswith("make ")]
    assert command.startswith("make deploy-prod ") and "--no-confirm-changeset" in command
    lines = dry_run("deploy-prod", "SAM_DEPLOY_FLAGS=--no-confirm-changeset")
    check = next(i for i, line in enumerate(lines) if "-m pipeline.concurrency_room --config-env prod" in line)
    deploy = next(i for i, line in enumerate(lines) if " deploy --config-env prod " in line)
    assert check < deploy
    assert lines[deploy].endswith("--no-confirm-changeset")
    # By hand, without the flag, samconfig's confirm_changeset still asks.
    assert not dry_run("deploy-prod")[deploy].endswith("--no-confirm-changeset")


def test_a_wave_of_4xx_fires_an_alarm(cloudformation):
    properties = cloudformation["Resources"]["Api4xxRateAlarm"]["Properties"]
    metrics = {query["Id"]: query for query in properties["Metrics"]}
    assert metrics["refusals"]["MetricStat"]["Metric"] == {
        "Namespace": "AWS/ApiGateway",
        "MetricName": "4xx",
        "Dimensions": [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}],
    }
    assert metrics["requests"]["MetricStat"]["Metric"]["MetricName"] == "Count"
    assert metrics["rate"]["Expression"] == "IF(requests >= 20, 100 * FILL(refusals, 0) / requests, 0)"
    assert (properties["Threshold"], properties["ComparisonOperator"]) == (50, "GreaterThanThreshold")
    assert properties["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    runbook = (ROOT / "docs" / "operations.md").read_text()
    section = runbook.split("### API 4xx rate", 1)[1].split("\n### ", 1)[0]
    assert all(word in section for word in ("JwtIssuer", "JwtAudience", "key"))


def test_layer_names_carry_the_stack_name(cloudformation):
    layers = resources_of(cloudformation, "AWS::Lambda::LayerVersion").values()
    names = sorted(layer["Properties"]["LayerName"]["Fn::Sub"] for layer in layers)
    assert names == ["${AWS::StackName}-runtime", "${AWS::StackName}-shared-code"]


def test_with_a_custom_domain_the_default_endpoint_is_off_and_dns_can_point_at_it():
    cloudformation = translate(TEMPLATE_PATH, {**DOMAIN, "HostedZoneId": "Z0123456789"})
    template = Template(cloudformation, {**DOMAIN, "HostedZoneId": "Z0123456789"})
    # SAM writes DisableExecuteApiEndpoint into the body, as the x-amazon-apigateway-endpoint-configuration
    # extension of its server (API Gateway, "x-amazon-apigateway-endpoint-configuration object").
    (server,) = api_body(cloudformation)["servers"]
    disabled = server["x-amazon-apigateway-endpoint-configuration"]["disableExecuteApiEndpoint"]
    assert template.resolve(disabled) is True
    assert Template(cloudformation, {}).resolve(disabled) is False
    outputs = cloudformation["Outputs"]
    assert template.resolve(outputs["ApiUrl"]["Value"]) == "https://api.example.com"
    assert outputs["ApiDomainHostedZoneId"]["Value"] == {"Fn::GetAtt": ["ApiDomain", "RegionalHostedZoneId"]}
    record = cloudformation["Resources"]["ApiDomainRecord"]
    assert record["Condition"] == "CreateDnsRecord"
    assert record["Properties"]["AliasTarget"] == {
        "DNSName": {"Fn::GetAtt": ["ApiDomain", "RegionalDomainName"]},
        "HostedZoneId": {"Fn::GetAtt": ["ApiDomain", "RegionalHostedZoneId"]},
        "EvaluateTargetHealth": False,
    }
    assert template.condition("CreateDnsRecord")
    assert not Template(cloudformation, DOMAIN).condition("CreateDnsRecord")


LOG_DELIVERY = {
    "logs:CreateLogDelivery",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:DescribeResourcePolicies",
    "logs:CreateLogGroup",
}


def role_statements(role: str) -> list[dict[str, Any]]:
    template = load_template(ROOT / "pipeline" / "deploy-role.yaml")
    properties = template["Resources"][role]["Properties"]
    return [statement for policy in properties["Policies"] for statement in policy["PolicyDocument"]["Statement"]]


def test_the_stack_role_can_turn_on_the_stages_access_logs():
    """API Gateway's HTTP API logging page lists these as the permissions that turn access logging on."""
    granted = {
        action
        for statement in role_statements("StackRole")
        if statement["Effect"] == "Allow" and statement["Resource"] == "*"
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    assert granted >= LOG_DELIVERY


def test_each_environments_deploy_role_trusts_only_that_environment_and_drives_only_its_stack():
    """One role stack per environment: development's credentials can neither assume production's role nor
    drive production's stack, and the stack role they pass is their own, on resources named after their stack."""
    template = load_template(ROOT / "pipeline" / "deploy-role.yaml")
    assert template["Parameters"]["Environment"]["AllowedValues"] == ["development", "production"]
    (trust,) = template["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    conditions = trust["Condition"]["StringEquals"]
    assert conditions["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert conditions["token.actions.githubusercontent.com:sub"] == {
        "Fn::Sub": "${GitHubSubject}:environment:${Environment}"
    }
    statements = {statement["Sid"]: statement for statement in role_statements("DeployRole")}
    assert statements["PassOnlyTheStackRole"]["Resource"] == {"Fn::GetAtt": ["StackRole", "Arn"]}
    assert statements["DriveTheStacks"]["Resource"]["Fn::Sub"].endswith(":stack/${StackName}/*")
    assert all(action.startswith("cloudformation:") for action in statements["DriveTheStacks"]["Action"])
    stack_role = json.dumps(role_statements("StackRole"))
    assert "StackNamePrefix" not in stack_role and stack_role.count("${StackName}") > 10
    workflow = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    assert "secrets." not in workflow and "aws-access-key-id" not in workflow
    assert workflow.count("id-token: write") == 2


@pytest.mark.parametrize(
    "subject",
    ["repo:octo-org/course-api", "repo:octo-org@1234/course-api@5678", "repo:octo-org:1234/course-api:5678"],
)
def test_both_forms_of_githubs_subject_claim_are_accepted(subject):
    """The classic repo:OWNER/REPO and the immutable form with ids, whichever separator GitHub settles on."""
    pattern = load_template(ROOT / "pipeline" / "deploy-role.yaml")["Parameters"]["GitHubSubject"]["AllowedPattern"]
    assert re.fullmatch(pattern, subject)
    for refused in ("repo:octo-org/*", "repo:octo-org/course-api:", "octo-org/course-api", "repo:a b"):
        assert not re.fullmatch(pattern, refused), refused


def test_the_region_is_pinned_in_samconfig_alone():
    settings = {config_env: samconfig_deploy(config_env)[0]["region"] for config_env in ("default", "prod")}
    assert len(set(settings.values())) == 1, settings
    workflow = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    assert "vars.AWS_REGION" not in workflow and workflow.count("steps.samconfig.outputs.region") == 2


def test_credentials_outlast_the_longest_deploy_job():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    role = load_template(ROOT / "pipeline" / "deploy-role.yaml")["Resources"]["DeployRole"]["Properties"]
    for name in ("deploy-development", "deploy-production"):
        job = workflow["jobs"][name]
        (credentials,) = [step for step in job["steps"] if "configure-aws-credentials" in step.get("uses", "")]
        seconds = credentials["with"]["role-duration-seconds"]
        assert job["timeout-minutes"] * 60 < seconds <= role["MaxSessionDuration"], name


def test_only_the_section_functions_reserve_and_the_preflight_function_shares_the_pool(cloudformation):
    assert sorted(concurrency_room.reserving_functions()) == [
        "ChangeSectionFunction",
        "CreateSectionFunction",
        "ReadSectionsFunction",
    ]
    assert "ReservedConcurrentExecutions" not in cloudformation["Resources"]["PreflightFunction"]["Properties"]


class StubbedSession:
    """boto3 clients whose answers botocore's Stubber gives (checked against the services' own models)."""

    def __init__(self, unreserved: int, stack_functions: dict[str, int] | None):
        import boto3

        session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        self.clients = {name: session.client(name) for name in ("lambda", "cloudformation")}
        lambda_stub = Stubber(self.clients["lambda"])
        stack_stub = Stubber(self.clients["cloudformation"])
        lambda_stub.add_response(
            "get_account_settings", {"AccountLimit": {"UnreservedConcurrentExecutions": unreserved}}
        )
        if stack_functions is None:
            stack_stub.add_client_error(
                "describe_stack_resources", "ValidationError", "Stack with id course-api-prod does not exist"
            )
        else:
            stack_stub.add_response(
                "describe_stack_resources",
                {"StackResources": [resource(name) for name in stack_functions]},
                {"StackName": "course-api-prod"},
            )
            for name, reserved in stack_functions.items():
                answer = {"ReservedConcurrentExecutions": reserved} if reserved else {}
                lambda_stub.add_response("get_function_concurrency", answer, {"FunctionName": name})
        lambda_stub.activate()
        stack_stub.activate()

    def client(self, name: str) -> Any:
        return self.clients[name]


def resource(name: str) -> dict[str, Any]:
    return {
        "LogicalResourceId": name.split("-")[2],
        "PhysicalResourceId": name,
        "ResourceType": "AWS::Lambda::Function",
        "Timestamp": "2026-12-01T00:00:00Z",
        "ResourceStatus": "UPDATE_COMPLETE",
    }


@pytest.fixture
def prod_reserves(monkeypatch):
    def reserve(n: int) -> None:
        settings = concurrency_room.Deploy("course-api-prod", "us-east-1", n)
        monkeypatch.setattr(concurrency_room, "deploy_settings", lambda _env: settings)

    return reserve


def test_a_reservation_a_new_account_cannot_hold_is_refused_naming_the_parameter(prod_reserves, capsys):
    prod_reserves(10)  # 3 x 10 = 30; a new account's 10 unreserved cannot give that and keep 100
    assert concurrency_room.main(["--config-env", "prod"], session=StubbedSession(10, None)) == 1
    message = capsys.readouterr().err
    assert message.startswith("ReservedConcurrency=10 reserves 3 x 10 = 30 concurrent executions")
    assert "can reserve 0 (unreserved 10, 0 already this stack's" in message


def test_what_the_stack_already_reserves_counts_as_room(prod_reserves, capsys):
    prod_reserves(50)  # 150 wanted; 100 unreserved + 3 x 50 the stack holds - 100 kept = 150
    functions = {f"course-api-prod-{name}-X": 50 for name in ("Create", "Read", "Change")} | {
        "course-api-prod-Preflight-X": 0
    }
    assert concurrency_room.main(["--config-env", "prod"], session=StubbedSession(100, functions)) == 0
    assert "the account has room (100 unreserved)" in capsys.readouterr().out


def test_no_reservation_needs_no_call(prod_reserves, capsys):
    prod_reserves(0)
    assert concurrency_room.main(["--config-env", "prod"], session=object()) == 0
    assert "nothing to check" in capsys.readouterr().out


def test_samconfig_is_read_as_sam_reads_it():
    deploy = concurrency_room.deploy_settings("prod")
    assert (deploy.stack_name, deploy.region) == ("course-api-prod", "us-east-1")
    assert deploy.reserved_concurrency == int(load_template()["Parameters"]["ReservedConcurrency"]["Default"])
    text = '[x.global.parameters]\nstack_name = "s"\nregion = "eu-west-1"\n[x.deploy.parameters]\nparameter_overrides = "A=\\"1\\" ReservedConcurrency=\\"7\\""\n'
    assert concurrency_room.deploy_settings("x", text) == concurrency_room.Deploy("s", "eu-west-1", 7)


def test_password_sign_in_exists_only_outside_production(cloudformation):
    flows = cloudformation["Resources"]["UserPoolClient"]["Properties"]["ExplicitAuthFlows"]
    production = Template(cloudformation, PRODUCTION).resolve(flows)
    development = Template(cloudformation, {}).resolve(flows)
    assert "ALLOW_USER_PASSWORD_AUTH" not in production and "ALLOW_USER_SRP_AUTH" in production
    assert "ALLOW_USER_PASSWORD_AUTH" in development


def test_only_this_accounts_alarms_publish_to_the_topic_and_only_over_tls(cloudformation):
    (policy,) = resources_of(cloudformation, "AWS::SNS::TopicPolicy").values()
    assert policy["Properties"]["Topics"] == [{"Ref": "AlarmTopic"}]
    allow, deny = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (allow["Effect"], allow["Principal"], allow["Action"]) == (
        "Allow",
        {"Service": "cloudwatch.amazonaws.com"},
        "sns:Publish",
    )
    assert allow["Condition"]["ArnLike"] == {
        "aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*"}
    }
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert (deny["Effect"], deny["Principal"], deny["Condition"]) == (
        "Deny",
        "*",
        {"Bool": {"aws:SecureTransport": "false"}},
    )


def test_the_runbook_says_what_a_first_deploy_sends(cloudformation):
    alarms = resources_of(cloudformation, "AWS::CloudWatch::Alarm")
    runbook = (ROOT / "docs" / "operations.md").read_text()
    assert re.search(rf"\b{len(alarms)} \"OK\" notifications", runbook), len(alarms)


def test_the_stack_roles_kms_permissions_hold_for_a_key_cloudformation_tags_no_system_tag_on():
    """CloudFormation's KMS handler puts no aws:cloudformation:* tags on keys (aws-cloudformation-resource-
    providers-kms, TagHelper): every tag a KMS statement conditions on is one template.yaml puts on the key,
    and creating a tagged key is allowed by a statement not limited to particular keys."""
    key = load_template()["Resources"]["AlarmTopicKey"]["Properties"]
    tagged = {tag["Key"]: tag["Value"] for tag in key["Tags"]}
    assert tagged == {"course-api:stack": {"Ref": "AWS::StackName"}}
    kms = [statement for statement in role_statements("StackRole") if "kms:" in json.dumps(statement["Action"])]
    conditions = [
        (operator, name)
        for statement in kms
        for operator, keys in statement.get("Condition", {}).items()
        for name in keys
    ]
    assert conditions and all(operator == "StringEquals" for operator, _ in conditions)
    assert {name.split("/", 1)[1] for _, name in conditions} == set(tagged), conditions
    (create,) = [statement for statement in kms if "kms:CreateKey" in statement["Action"]]
    assert create["Resource"] == "*" and "kms:TagResource" in create["Action"]
    assert create["Condition"]["StringEquals"] == {"aws:RequestTag/course-api:stack": {"Ref": "StackName"}}
