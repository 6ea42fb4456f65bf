"""A template function as it runs locally: its environment from template.yaml, and how to start it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from localdev.lambda_workers import FunctionRuntime
from localdev.template import LOCAL_REGION, ROOT, Template

# AWS's Lambda Runtime Interface Emulator, taken by the Makefile from the pinned aws-sam-cli wheel.
EMULATOR_PATH = Path(os.environ.get("LAMBDA_RIE", ROOT / ".tools" / "aws-lambda-rie"))
DEFAULT_MEMORY_MB = 128
CREATE_SECTION_FUNCTION = "CreateSectionFunction"  # Lambda's default when MemorySize is not set


def function_environment(template: Template, logical_id: str, dynamodb_endpoint: str) -> dict[str, str]:
    """The template's environment for the function, pointed at the local DynamoDB, as Lambda would set it."""
    return {
        **template.function_environment(logical_id),
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "AWS_REGION": LOCAL_REGION,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_LAMBDA_FUNCTION_NAME": f"{logical_id}-local",
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon locally
    }


def source_runtime(
    template: Template, logical_id: str, dynamodb_endpoint: str, timeout_seconds: int | None = None
) -> FunctionRuntime:
    """The function from the source tree, on this interpreter: its folder first, then this environment's packages."""
    code_dir, module, attribute = template.function_handler(logical_id)
    return FunctionRuntime(
        task_root=code_dir,
        handler=f"{module}.{attribute}",
        python=sys.executable,
        python_path=[code_dir],
        environment=function_environment(template, logical_id, dynamodb_endpoint),
        timeout_seconds=timeout_seconds or template.function_timeout(logical_id),
        memory_mb=template.function_memory(logical_id) or DEFAULT_MEMORY_MB,
    )
