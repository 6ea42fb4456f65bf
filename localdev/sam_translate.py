"""Translates template.yaml into CloudFormation with aws-sam-translator, the library `sam deploy` uses.

Runs on .venv-translator's python (the translator pins its own pydantic), as a script: it imports
nothing of this project. Prints the CloudFormation JSON.

    python localdev/sam_translate.py TEMPLATE [Name=value ...]

Parameter values go to the translator as CloudFormation hands them to the SAM transform; SAM resolves
some of them while translating, so what it produces can depend on them.
"""

import json
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class ManagedPolicies:
    """The managed policies SAM may attach; a real loader would ask IAM. The template attaches none."""

    def load(self):
        return {
            "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
            "AWSXRayDaemonWriteAccess": "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
        }


def main(path, assignments):
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the translator builds ARNs for a region
    with open(path) as handle:
        template = yaml_parse(handle.read())
    # What `sam package` does before deploying: local code folders become S3 artifacts (named after
    # their content's hash; here after the resource). An S3 location already given stays, so a test
    # can stand for new content with a new key.
    for name, resource in template["Resources"].items():
        for key in ("CodeUri", "ContentUri"):
            location = resource.get("Properties", {}).get(key)
            if location is not None and not str(location).startswith("s3://"):
                resource["Properties"][key] = f"s3://artifacts-bucket/{name}.zip"
    parameters = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    parameters.update(assignment.split("=", 1) for assignment in assignments)
    json.dump(transform(template, parameters, ManagedPolicies()), sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
