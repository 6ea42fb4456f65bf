"""Powertools' HTTP API resolver, without the eager imports of the event_handler package's __init__.

`aws_lambda_powertools.event_handler/__init__.py` imports every resolver Powertools has (AppSync
with asyncio, Bedrock, VPC Lattice, ...): about 100 ms of a cold start for code this function never
runs. The package is registered without running its __init__; the first lookup of a name the
__init__ defines (OpenAPI tooling does that) runs it then, so nothing is lost, only deferred.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

_PACKAGE = "aws_lambda_powertools.event_handler"


def _defer_package_init(name: str) -> None:
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    package = importlib.util.module_from_spec(spec)

    def run_init_on_first_lookup(attribute: str) -> Any:
        if attribute.startswith("__") or importlib.util.find_spec(f"{name}.{attribute}") is not None:
            # A submodule (`from package import content_types`) is for the import system to load.
            raise AttributeError(attribute)
        del package.__getattr__
        spec.loader.exec_module(package)  # type: ignore[union-attr]
        return getattr(package, attribute)

    package.__getattr__ = run_init_on_first_lookup  # type: ignore[method-assign]
    sys.modules[name] = package
    setattr(sys.modules[name.rpartition(".")[0]], name.rpartition(".")[2], package)


_defer_package_init(_PACKAGE)

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, Response  # noqa: E402

__all__ = ["APIGatewayHttpResolver", "Response"]
