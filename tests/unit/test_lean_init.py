"""What the handler module imports at init, checked in fresh interpreters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from localdev.functions import import_path
from localdev.template import ROOT
from tests.support import lambda_environment

FUNCTIONS = ("CreateSectionFunction", "ReadSectionsFunction", "ChangeSectionFunction")


def run_fresh_lines(
    code: str, *, without: tuple[str, ...] = (), function: str = "CreateSectionFunction", **environment: str
) -> list[str]:
    """Runs `code` in a new interpreter with the function's environment and import path; returns what it printed."""
    base = {name: value for name, value in os.environ.items() if name not in without}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **base,
            **{name: value for name, value in lambda_environment().items() if name not in without},
            # CodeUri and the shared code layer, from template.yaml; the repository for tests' helpers.
            "PYTHONPATH": ":".join([*map(str, import_path(function)), str(ROOT)]),
            **environment,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()


def run_fresh(
    code: str, *, without: tuple[str, ...] = (), function: str = "CreateSectionFunction", **environment: str
) -> Any:
    return json.loads(run_fresh_lines(code, without=without, function=function, **environment)[-1])


@pytest.mark.parametrize("function", FUNCTIONS)
def test_init_skips_unused_resolvers_event_sources_openapi_boto3_idempotency_and_the_xray_sdk(function):
    loaded = run_fresh("import sys, json, app; print(json.dumps(sorted(sys.modules)))", function=function)
    for unused in (
        "aws_lambda_powertools.event_handler.appsync",
        "aws_lambda_powertools.event_handler.bedrock_agent",
        "asyncio",
        "boto3",
        "s3transfer",
        "aws_xray_sdk",
        "aws_lambda_powertools.utilities.idempotency",
        "aws_lambda_powertools.utilities.data_classes.kafka_event",
        "aws_lambda_powertools.event_handler.openapi.models",  # the OpenAPI document's pydantic models
        "aws_lambda_powertools.event_handler.openapi.swagger_ui",
        "jwt",
    ):
        assert unused not in loaded, unused
    assert "aws_lambda_powertools.event_handler.api_gateway" in loaded
    # Only what validates a body loads pydantic; the read function never does.
    assert ("pydantic" in loaded) == (function != "ReadSectionsFunction")


@pytest.mark.parametrize(
    ("package", "unused_submodule"),
    [
        ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.event_handler.appsync"),
        ("aws_lambda_powertools.utilities.data_classes", "aws_lambda_powertools.utilities.data_classes.kafka_event"),
    ],
)
def test_deferred_package_offers_every_name_one_submodule_at_a_time(package, unused_submodule):
    names = run_fresh(f"import json, {package} as p; print(json.dumps(p.__all__))")
    assert len(names) > 10
    checked = run_fresh(
        "import json, sys, app\n"
        f"package = sys.modules[{package!r}]\n"
        f"unused_at_init = {unused_submodule!r} not in sys.modules\n"
        f"lazily = {{name: getattr(package, name) for name in {names!r}}}\n"
        "deferred = '__getattr__' in vars(package)\n"
        "every_name = package.__all__  # runs the whole __init__\n"
        "print(json.dumps({'unused_at_init': unused_at_init, 'deferred': deferred, 'all': every_name,"
        " 'same': [name for name in every_name if getattr(package, name) is lazily[name]],"
        " 'still_deferred': '__getattr__' in vars(package)}))"
    )
    # Every name resolved before the __init__ ran is the very object the __init__ then binds.
    assert checked == {"unused_at_init": True, "deferred": True, "all": names, "same": names, "still_deferred": False}


def test_deferred_package_keeps_submodules_and_unknown_names_honest():
    checked = run_fresh(
        "import json, sys, app\n"
        "from aws_lambda_powertools.event_handler import content_types\n"
        "from sections.resolver import Response\n"
        "from aws_lambda_powertools.event_handler import Response as Theirs\n"
        "import aws_lambda_powertools.event_handler as package\n"
        "try:\n"
        "    package.NoSuchName\n"
        "    missing = 'found'\n"
        "except AttributeError:\n"
        "    missing = 'AttributeError'\n"
        "print(json.dumps([content_types.__name__, Response is Theirs, missing]))"
    )
    assert checked == ["aws_lambda_powertools.event_handler.content_types", True, "AttributeError"]


def test_detailed_tracing_wraps_the_handler_with_powertools_tracer():
    loaded = run_fresh(
        "import json, sys, app; print(json.dumps(sorted(sys.modules)))",
        POWERTOOLS_TRACE_DISABLED="false",
        AWS_XRAY_CONTEXT_MISSING="IGNORE_ERROR",
    )
    assert "aws_xray_sdk.core" in loaded
    assert "aws_lambda_powertools.tracing.tracer" in loaded


@pytest.mark.parametrize("disabled", ["true", "1", "yes", "on", "True"])
def test_every_value_powertools_reads_as_disabled_keeps_the_xray_sdk_out(disabled):
    loaded = run_fresh(
        "import json, sys, app; print(json.dumps(sorted(sys.modules)))", POWERTOOLS_TRACE_DISABLED=disabled
    )
    assert "aws_xray_sdk" not in loaded
    assert "aws_lambda_powertools.tracing.tracer" in loaded  # the package imports it; only the SDK stays out


INIT_STATE = (
    "import gc, json, app\n"
    "from sections.wiring import dependencies\n"
    "print(json.dumps({'clients_built': dependencies.cache_info().currsize, 'gc_enabled': gc.isenabled(),"
    " 'frozen': gc.get_freeze_count() > 1000}))"
)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_lambda_init_builds_the_clients_then_hands_the_heap_back_to_the_collector(function):
    state = run_fresh(INIT_STATE, function=function, AWS_LAMBDA_FUNCTION_NAME=function)
    assert state == {"clients_built": 1, "gc_enabled": True, "frozen": True}


def test_outside_lambda_the_clients_wait_for_the_first_request():
    state = run_fresh(INIT_STATE, without=("AWS_LAMBDA_FUNCTION_NAME",))
    assert state == {"clients_built": 0, "gc_enabled": True, "frozen": True}


def test_a_failed_init_is_logged_and_left_to_the_first_request():
    printed = run_fresh_lines(
        INIT_STATE + "\n"
        "from localdev.lambda_context import LocalLambdaContext\n"
        "from tests.support import load_event\n"
        "response = app.lambda_handler(load_event(), LocalLambdaContext('create-section', timeout_seconds=15))\n"
        "print(json.dumps(response))",
        without=("TABLE_NAME",),
        AWS_LAMBDA_FUNCTION_NAME="create-section",
    )
    init_log = json.loads(printed[0])
    assert init_log["level"] == "ERROR"
    assert init_log["message"] == "Could not build the function's clients at init; the first request will retry"
    assert "KeyError: 'TABLE_NAME'" in init_log["exception"]
    assert json.loads(printed[1]) == {"clients_built": 0, "gc_enabled": True, "frozen": True}
    # The request retries the build, fails the same way, and answers with a problem, not a crash.
    response = json.loads(printed[-1])
    assert response["statusCode"] == 500
    assert response["headers"]["Content-Type"] == "application/problem+json"
    assert json.loads(response["body"])["title"] == "Internal Server Error"


def test_an_import_that_fails_during_init_leaves_the_collector_on():
    state = run_fresh(
        "import gc, json\n"
        "from sections.lifecycle import init_phase\n"
        "try:\n"
        "    with init_phase():\n"
        "        import no_such_module_anywhere  # noqa\n"
        "except ImportError:\n"
        "    pass\n"
        "print(json.dumps({'gc_enabled': gc.isenabled(), 'frozen': gc.get_freeze_count()}))"
    )
    assert state == {"gc_enabled": True, "frozen": 0}
