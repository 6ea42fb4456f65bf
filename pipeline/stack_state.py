"""Before each deploy: what state the stack is in, and the one line that says what to do when it is stuck.

- A failed first deploy leaves the stack in ROLLBACK_COMPLETE. SAM CLI counts it as existing
  (deployer.has_stack) and asks for an update, which CloudFormation refuses, so every later run would
  fail. Such a stack holds nothing: its tables and user pool are RetainExceptOnCreate, so the rollback
  deleted them. The deploy stops with the command that removes it; the next run creates it afresh.
  (ROLLBACK_FAILED and DELETE_FAILED stop the same way, with what to look at.)
- A stack that does not exist yet is created with deletion protection off when samconfig turns it on:
  DynamoDB and Cognito refuse to delete a protected table or pool, so a failed create's rollback would
  end in ROLLBACK_FAILED with them left behind. The deploy right after the create turns protection on.

    python -m pipeline.stack_state --config-env prod           prints `create-unprotected`, `deploy`, or exits 1
    python -m pipeline.stack_state --config-env prod --unprotected-overrides   samconfig's overrides, protection off
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pipeline.concurrency_room import samconfig_deploy

PROTECTIONS = ("TableDeletionProtection", "UserPoolDeletionProtection")
STUCK = {
    "ROLLBACK_COMPLETE": "a failed first deploy left it empty (its tables and user pool were deleted with it)",
    "ROLLBACK_FAILED": "a failed first deploy could not be rolled back; read its events first",
    "DELETE_FAILED": "a delete failed; read its events first",
}


def stack_status(client: Any, stack_name: str) -> str | None:
    try:
        return str(client.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"])
    except client.exceptions.ClientError as error:
        if "does not exist" in str(error):
            return None
        raise


def next_step(config_env: str, client: Any) -> str:
    """`deploy`, or `create-unprotected` for a new stack whose protections samconfig turns on; StuckStack if stuck."""
    settings, overrides = samconfig_deploy(config_env)
    status = stack_status(client, settings["stack_name"])
    if status in STUCK:
        raise StuckStack(
            f"{settings['stack_name']} is {status}: {STUCK[status]}. Run: aws cloudformation delete-stack "
            f"--region {settings['region']} --stack-name {settings['stack_name']} && aws cloudformation wait "
            f"stack-delete-complete --region {settings['region']} --stack-name {settings['stack_name']}; then deploy again."
        )
    protected = any(overrides.get(name, "true") == "true" for name in PROTECTIONS)
    return "create-unprotected" if status is None and protected else "deploy"


def unprotected_overrides(config_env: str) -> str:
    """samconfig's parameter_overrides with both protections off, in `sam deploy --parameter-overrides` form."""
    _, overrides = samconfig_deploy(config_env)
    overrides = {**overrides, **dict.fromkeys(PROTECTIONS, "false")}
    return " ".join(f'{name}="{value}"' for name, value in overrides.items())


class StuckStack(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.stack_state", description=__doc__)
    parser.add_argument("--config-env", default="default")
    parser.add_argument("--unprotected-overrides", action="store_true")
    args = parser.parse_args(argv)
    if args.unprotected_overrides:
        print(unprotected_overrides(args.config_env))
        return 0
    import boto3

    settings, _ = samconfig_deploy(args.config_env)
    try:
        print(next_step(args.config_env, boto3.client("cloudformation", region_name=settings["region"])))
    except StuckStack as stuck:
        print(stuck, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
