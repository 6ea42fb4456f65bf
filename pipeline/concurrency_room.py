"""Refuse a deploy whose ReservedConcurrency the account cannot hold, before CloudFormation tries.

Each function whose ReservedConcurrentExecutions is the ReservedConcurrency parameter reserves N, and
Lambda keeps at least 100 of the account unreserved ("You can reserve up to the Unreserved account
concurrency value that is shown, minus 100": Lambda developer guide, "Configuring reserved
concurrency"; new accounts start with reduced quotas). CloudFormation would fail the update midway
with a message that names neither the parameter nor the room. What the stack's functions reserve
today comes back to the account when they are updated, so it counts as room.

    python -m pipeline.concurrency_room --config-env prod
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass
from typing import Any

from localdev.template import ROOT, load_template, parameter_overrides

SAMCONFIG = ROOT / "samconfig.toml"
PARAMETER = "ReservedConcurrency"
UNRESERVED_MINIMUM = 100


@dataclass(frozen=True)
class Deploy:
    stack_name: str
    region: str
    reserved_concurrency: int


def samconfig_deploy(config_env: str, text: str | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """What `sam deploy --config-env` reads from samconfig.toml: its settings (global, then deploy), and
    the template parameters its parameter_overrides set."""
    config = tomllib.loads(text if text is not None else SAMCONFIG.read_text())
    section = config.get(config_env, {})
    merged = {**section.get("global", {}).get("parameters", {}), **section.get("deploy", {}).get("parameters", {})}
    return merged, parameter_overrides(merged.get("parameter_overrides", ""))


def deploy_settings(config_env: str, text: str | None = None) -> Deploy:
    """The stack, region and ReservedConcurrency that `sam deploy --config-env` uses (the template's default when unset)."""
    settings, overrides = samconfig_deploy(config_env, text)
    default = load_template()["Parameters"][PARAMETER]["Default"]
    return Deploy(settings["stack_name"], settings["region"], int(overrides.get(PARAMETER, default)))


def reserving_functions() -> list[str]:
    """The template's functions whose reservation is the parameter."""
    resources = load_template()["Resources"]
    return [
        name
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
        and PARAMETER in str(resource["Properties"].get("ReservedConcurrentExecutions", ""))
    ]


def reserved_by_stack(cloudformation: Any, lambda_client: Any, stack_name: str) -> int:
    """What the stack's functions reserve now (0 for a stack not yet created)."""
    try:
        resources = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    except cloudformation.exceptions.ClientError as error:
        if "does not exist" in str(error):
            return 0
        raise
    total = 0
    for resource in resources:
        if resource["ResourceType"] == "AWS::Lambda::Function" and resource.get("PhysicalResourceId"):
            answer = lambda_client.get_function_concurrency(FunctionName=resource["PhysicalResourceId"])
            total += int(answer.get("ReservedConcurrentExecutions") or 0)
    return total


def refusal(deploy: Deploy, functions: int, unreserved: int, reserved_now: int) -> str | None:
    """Why the account cannot hold the reservation, or None when it can."""
    wanted = functions * deploy.reserved_concurrency
    room = unreserved + reserved_now - UNRESERVED_MINIMUM
    if wanted <= room:
        return None
    return (
        f"{PARAMETER}={deploy.reserved_concurrency} reserves {functions} x {deploy.reserved_concurrency} = {wanted} "
        f"concurrent executions, but {deploy.stack_name}'s account in {deploy.region} can reserve {max(room, 0)} "
        f"(unreserved {unreserved}, {reserved_now} already this stack's, less the {UNRESERVED_MINIMUM} Lambda keeps "
        f"unreserved). Lower {PARAMETER} in samconfig.toml, or ask AWS for a higher concurrency quota first."
    )


def main(argv: list[str] | None = None, *, session: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config-env", default="default")
    args = parser.parse_args(argv)
    deploy = deploy_settings(args.config_env)
    if deploy.reserved_concurrency == 0:
        print(f"{PARAMETER}=0: the functions stay unreserved; nothing to check.")
        return 0
    if session is None:
        import boto3

        session = boto3.session.Session(region_name=deploy.region)
    lambda_client = session.client("lambda")
    unreserved = lambda_client.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"]
    reserved_now = reserved_by_stack(session.client("cloudformation"), lambda_client, deploy.stack_name)
    problem = refusal(deploy, len(reserving_functions()), unreserved, reserved_now)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    print(f"{PARAMETER}={deploy.reserved_concurrency}: the account has room ({unreserved} unreserved).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
