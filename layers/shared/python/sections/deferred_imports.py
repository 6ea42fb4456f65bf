"""Import a package's names one at a time instead of running its eager `__init__` (PEP 562).

Two Powertools packages this function touches have an `__init__` that imports every submodule
they have: `event_handler` (every resolver: AppSync with asyncio, Bedrock, VPC Lattice, ...) and
`utilities.data_classes` (every event source: Kafka, Kinesis, S3, ...). Together they are a large
share of a cold start (docs/performance.md) for code the functions never run. A deferred package is registered with
its `__init__` not yet run; looking a name up imports only the submodule the `__init__` takes it
from, as its own `from ... import` lines say. Anything else (`__all__`, a name defined in the
`__init__` itself, an `__init__` without source) runs the whole `__init__` then, so nothing is
lost, only deferred.

Written here because no library retrofits this onto a package it does not own: lazy_loader, for
instance, needs the package itself to ship a stub. It is right for an `__init__` that only
re-exports, as these two do: tests/unit/test_lean_init.py checks that every name in both packages'
`__all__` resolves to the very object the whole `__init__` binds (a Powertools upgrade that wraps
or rebinds a name there would fail it), and tests/unit/test_deferred_imports.py covers the rest.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from typing import Any


def defer_package_init(name: str) -> None:
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    package = importlib.util.module_from_spec(spec)
    sources = _submodule_of_each_name(name, spec.origin)

    def import_on_lookup(attribute: str) -> Any:
        if attribute in sources:
            module, original = sources[attribute]
            value = getattr(importlib.import_module(module), original)
            setattr(package, attribute, value)
            return value
        if attribute.startswith("__") and attribute != "__all__":
            raise AttributeError(attribute)
        if importlib.util.find_spec(f"{name}.{attribute}") is not None:
            # A submodule (`from package import content_types`) is for the import system to load.
            raise AttributeError(attribute)
        del package.__getattr__
        spec.loader.exec_module(package)  # type: ignore[union-attr]
        return getattr(package, attribute)

    package.__getattr__ = import_on_lookup  # type: ignore[method-assign]
    sys.modules[name] = package
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, package)


def _submodule_of_each_name(package: str, init_path: str | None) -> dict[str, tuple[str, str]]:
    """{exported name: (absolute submodule, its name there)}, read off the `__init__`'s `from` imports."""
    if not init_path or not init_path.endswith(".py"):
        return {}
    with open(init_path, encoding="utf-8") as source:
        tree = ast.parse(source.read(), init_path)
    sources: dict[str, tuple[str, str]] = {}
    for statement in tree.body:
        if not isinstance(statement, ast.ImportFrom) or statement.module is None:
            continue
        if statement.level == 1:
            module = f"{package}.{statement.module}"
        elif statement.level == 0 and statement.module.startswith(f"{package}."):
            module = statement.module
        else:
            continue
        for alias in statement.names:
            sources[alias.asname or alias.name] = (module, alias.name)
    return sources
