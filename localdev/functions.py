"""A template function as it runs locally: its environment from template.yaml, and how to start it."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from localdev.lambda_workers import FunctionRuntime
from localdev.template import LOCAL_REGION, ROOT, Template, local_template

# AWS's Lambda Runtime Interface Emulator, taken by the Makefile from the pinned aws-sam-cli wheel.
EMULATOR_PATH = Path(os.environ.get("LAMBDA_RIE", ROOT / ".tools" / "aws-lambda-rie"))
# What `make built` lays out: sam build's output, the layer for this host, the runtime's own packages.
BUILD_DIR = ROOT / ".aws-sam" / "build"
HOST_LAYER_DIR = ROOT / ".aws-sam" / "host-layer" / "python"
LAMBDA_RUNTIME_DIR = ROOT / ".tools" / "lambda-runtime"
# The interpreter this environment was made from, without its packages: -S leaves out site-packages.
BARE_PYTHON = str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")
DEFAULT_MEMORY_MB = 128  # Lambda's default when MemorySize is not set
CREATE_SECTION_FUNCTION = "CreateSectionFunction"
# The layer of third-party packages: `make built` builds it for this host too (HOST_LAYER_DIR).
RUNTIME_LAYER = "RuntimeLayer"


def code_dir(logical_id: str = CREATE_SECTION_FUNCTION) -> Path:
    """The function's CodeUri folder, from template.yaml."""
    return local_template().function_handler(logical_id)[0]


def source_layer_dirs(template: Template, logical_id: str) -> list[Path]:
    """The function's layers that hold our own code, from the source tree: each layer's python/ folder.

    A layer of third-party packages has none in the source tree; those come from this environment.
    """
    folders = [template.layer_content(layer) / "python" for layer in template.function_layers(logical_id)]
    return [folder for folder in folders if folder.is_dir()]


def import_path(logical_id: str = CREATE_SECTION_FUNCTION) -> list[Path]:
    """What a test or tool puts on sys.path to import the function from the source tree, as Lambda would."""
    template = local_template()
    return [code_dir(logical_id), *source_layer_dirs(template, logical_id)]


def roles_claim() -> str:
    """The claim local tokens carry the caller's groups in: the function's ROLES_CLAIM, unless overridden."""
    return (
        os.environ.get("ROLES_CLAIM") or local_template().function_environment(CREATE_SECTION_FUNCTION)["ROLES_CLAIM"]
    )


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


def built_ready() -> bool:
    return all(path.exists() for path in (BUILD_DIR, HOST_LAYER_DIR, LAMBDA_RUNTIME_DIR / ".installed"))


def built_layer_dirs(template: Template, logical_id: str, runtime_layer_dir: Path = HOST_LAYER_DIR) -> list[Path]:
    """The function's layers as `sam build` laid them out (each one's python/), the third-party one built for this host."""
    return [
        runtime_layer_dir if layer == RUNTIME_LAYER else BUILD_DIR / layer / "python"
        for layer in template.function_layers(logical_id)
    ]


def built_runtime(
    template: Template, logical_id: str, dynamodb_endpoint: str, layer_dir: Path = HOST_LAYER_DIR
) -> FunctionRuntime:
    """The function as `sam build` ships it, on the bare interpreter: nothing importable but what Lambda has.

    The import path is the task root (/var/task), the layer (/opt/python) and the runtime's own
    packages (/var/runtime), as in AWS's python3.13 image.
    """
    task_root = BUILD_DIR / logical_id
    layers = built_layer_dirs(template, logical_id, layer_dir)
    return _runtime(
        template,
        logical_id,
        dynamodb_endpoint,
        task_root,
        BARE_PYTHON,
        [task_root, *layers, LAMBDA_RUNTIME_DIR],
        ("-S",),
    )


def source_runtime(template: Template, logical_id: str, dynamodb_endpoint: str) -> FunctionRuntime:
    """The function from the source tree, on this interpreter: its folder, its layers' code, then this environment's packages."""
    task_root = template.function_handler(logical_id)[0]
    python_path = [task_root, *source_layer_dirs(template, logical_id)]
    return _runtime(template, logical_id, dynamodb_endpoint, task_root, sys.executable, python_path)


def _runtime(
    template: Template,
    logical_id: str,
    dynamodb_endpoint: str,
    task_root: Path,
    python: str,
    python_path: list[Path],
    python_options: tuple[str, ...] = (),
) -> FunctionRuntime:
    _, module, attribute = template.function_handler(logical_id)
    return FunctionRuntime(
        task_root=task_root,
        handler=f"{module}.{attribute}",
        python=python,
        python_options=python_options,
        python_path=python_path,
        environment=function_environment(template, logical_id, dynamodb_endpoint),
        timeout_seconds=template.function_timeout(logical_id),
        memory_mb=template.function_memory(logical_id) or DEFAULT_MEMORY_MB,
    )


def resolver_functions(template: Template) -> list[str]:
    """The functions that serve the resource through a Powertools resolver (`app`): all but the preflight one."""
    return [function for function in template.functions() if hasattr(handler_module(function), "app")]


def handler_module(logical_id: str) -> ModuleType:
    """The function's handler module, from the source tree, under a name of its own.

    Every function's handler is `app.py`, so in one process (tests, OpenAPI generation) each is
    imported as `<LogicalId>.app`; its shared code must already be importable (import_path()).
    """
    name = f"{logical_id}.app"
    if name not in sys.modules:
        _, module, _ = local_template().function_handler(logical_id)
        spec = importlib.util.spec_from_file_location(name, code_dir(logical_id) / f"{module}.py")
        assert spec and spec.loader
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[name] = loaded
        try:
            spec.loader.exec_module(loaded)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]
