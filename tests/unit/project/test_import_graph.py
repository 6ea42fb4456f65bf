"""Each module sits on one floor: no import cycle among the product's modules, and each localdev module imports alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from localdev.functions import CREATE_SECTION_FUNCTION, code_dir, import_path
from localdev.template import ROOT, local_template

SHARED_CODE = ROOT / "layers" / "shared" / "python"
PACKAGES = {"localdev": ROOT / "localdev", "sections": SHARED_CODE / "sections", "bench": ROOT / "bench"}


def product_modules() -> dict[str, Path]:
    # Every function's handler is app.py; each is its own module here.
    modules = {f"{function}.app": code_dir(function) / "app.py" for function in local_template().functions()}
    for package, folder in PACKAGES.items():
        for path in folder.glob("*.py"):
            modules[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return modules


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The product modules a file imports, at any depth of its code (deferred imports count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        found.update(name for name in names if name in known)
    return found


def test_no_import_cycle_among_product_modules():
    modules = product_modules()
    graph = {name: imports_of(path, set(modules)) - {name} for name, path in modules.items()}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        assert name not in visiting, "import cycle: " + " -> ".join([*visiting[visiting.index(name) :], name])
        visiting.append(name)
        for imported in sorted(graph[name]):
            visit(imported)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)
    assert "localdev.cli" not in set().union(*(graph[name] for name in graph if name != "localdev.__main__"))


# sam_translate is a script for .venv-translator's python (aws-sam-translator), never imported here.
NOT_IMPORTED = {"__main__", "sam_translate"}


@pytest.mark.parametrize(
    "module", sorted(path.stem for path in (ROOT / "localdev").glob("*.py") if path.stem not in NOT_IMPORTED)
)
def test_each_localdev_module_imports_on_its_own(module):
    result = subprocess.run(
        [sys.executable, "-c", f"import localdev.{module}"],
        cwd=ROOT,
        env={"PYTHONPATH": ":".join([str(ROOT), *map(str, import_path(CREATE_SECTION_FUNCTION))]), "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
