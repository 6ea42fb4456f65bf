"""A failed first deploy recovers without hands: nothing of it is retained, and the next run says what to do."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from localdev.deployed_api import translate
from localdev.template import TEMPLATE_PATH
from pipeline.concurrency_room import samconfig_deploy
from pipeline.stack_state import StuckStack, next_step, unprotected_overrides

KEPT = {"AWS::DynamoDB::Table", "AWS::Cognito::UserPool"}


def test_tables_and_the_user_pool_are_kept_except_by_the_rollback_of_their_own_create():
    resources = translate(TEMPLATE_PATH, {})["Resources"]
    kept = {name: resource for name, resource in resources.items() if resource["Type"] in KEPT}
    assert {resource["Type"] for resource in kept.values()} == KEPT
    for name, resource in kept.items():
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain"), name


def cloudformation(status: str | None, config_env: str = "prod") -> tuple[object, Stubber]:
    """A CloudFormation client that answers describe_stacks for the environment's stack once: in `status`, or absent."""
    client = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stack = samconfig_deploy(config_env)[0]["stack_name"]
    if status is None:
        stubber.add_client_error(
            "describe_stacks", "ValidationError", f"Stack with id {stack} does not exist", 400, {"StackName": stack}
        )
    else:
        stubber.add_response(
            "describe_stacks",
            {"Stacks": [{"StackName": stack, "CreationTime": "2026-12-07T00:00:00Z", "StackStatus": status}]},
            {"StackName": stack},
        )
    stubber.activate()
    return client, stubber


@pytest.mark.parametrize("status", ["ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED"])
def test_a_stuck_stack_stops_the_deploy_with_the_command_that_clears_it(status):
    client, stubber = cloudformation(status)
    with pytest.raises(StuckStack) as stuck:
        next_step("prod", client)
    line = str(stuck.value)
    assert "\n" not in line and status in line
    assert "aws cloudformation delete-stack --region us-east-1 --stack-name course-api-prod" in line
    stubber.assert_no_pending_responses()


def test_a_new_protected_stack_is_created_unprotected_first():
    client, _ = cloudformation(None)
    assert next_step("prod", client) == "create-unprotected"
    overrides = unprotected_overrides("prod")
    assert 'TableDeletionProtection="false"' in overrides and 'UserPoolDeletionProtection="false"' in overrides
    assert 'Environment="production"' in overrides  # the rest of samconfig's overrides stay


@pytest.mark.parametrize(("config_env", "status"), [("prod", "UPDATE_COMPLETE"), ("default", None)])
def test_an_existing_stack_or_an_unprotected_one_is_deployed_as_configured(config_env, status):
    client, _ = cloudformation(status)
    if config_env == "default":  # development's tables are unprotected: its first create needs nothing more
        client = boto3.client(
            "cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        stubber = Stubber(client)
        stubber.add_client_error("describe_stacks", "ValidationError", "Stack with id course-api-dev does not exist")
        stubber.activate()
    assert next_step(config_env, client) == "deploy"
