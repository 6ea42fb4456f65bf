"""What the handler module imports at init, checked in fresh interpreters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import lambda_environment

ROOT = Path(__file__).resolve().parents[2]


def run_fresh(code: str, **environment: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            **lambda_environment(),
            "PYTHONPATH": str(ROOT / "functions" / "create_section"),
            **environment,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_init_skips_unused_resolvers_boto3_idempotency_and_the_xray_sdk():
    loaded = run_fresh("import sys, json, app; print(json.dumps(sorted(sys.modules)))")
    for unused in (
        "aws_lambda_powertools.event_handler.appsync",
        "aws_lambda_powertools.event_handler.bedrock_agent",
        "asyncio",
        "boto3",
        "s3transfer",
        "aws_xray_sdk",
        "aws_lambda_powertools.utilities.idempotency",
        "jwt",
    ):
        assert unused not in loaded, unused
    assert "aws_lambda_powertools.event_handler.api_gateway" in loaded
    assert "pydantic" in loaded


def test_deferred_event_handler_package_still_offers_every_name():
    names = run_fresh(
        "import json, app\n"
        "from aws_lambda_powertools.event_handler import APIGatewayRestResolver, AppSyncResolver, Response\n"
        "from sections.resolver import Response as Ours\n"
        "print(json.dumps([APIGatewayRestResolver.__name__, AppSyncResolver.__name__, Response is Ours]))"
    )
    assert names == ["APIGatewayRestResolver", "AppSyncResolver", True]


def test_detailed_tracing_wraps_the_handler_with_powertools_tracer():
    loaded = run_fresh(
        "import json, sys, app; print(json.dumps(sorted(sys.modules)))",
        POWERTOOLS_TRACE_DISABLED="false",
        AWS_XRAY_CONTEXT_MISSING="IGNORE_ERROR",
    )
    assert "aws_xray_sdk.core" in loaded
    assert "aws_lambda_powertools.tracing.tracer" in loaded
