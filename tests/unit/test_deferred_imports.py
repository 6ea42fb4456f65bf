"""sections.deferred_imports on a package made for the test, so every path is seen in-process."""

from __future__ import annotations

import py_compile
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sections.deferred_imports import defer_package_init

PACKAGE = "deferral_probe"


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[Path]:
    """A package whose __init__ re-exports from two submodules, renames one name and defines one itself."""
    root = tmp_path / PACKAGE
    (root / "inner").mkdir(parents=True)
    (root / "__init__.py").write_text(
        "import os\n"
        "from .cheap import Cheap\n"
        "from .costly import Costly as Renamed\n"
        f"from {PACKAGE}.inner.deep import Deep\n"
        "from os.path import join\n"
        "DEFINED_HERE = 'from the __init__'\n"
        "__all__ = ['Cheap', 'Renamed', 'Deep', 'DEFINED_HERE']\n"
    )
    (root / "cheap.py").write_text("class Cheap: pass\n")
    (root / "costly.py").write_text("class Costly: pass\n")
    (root / "inner" / "__init__.py").write_text("")
    (root / "inner" / "deep.py").write_text("class Deep: pass\n")
    (root / "nested").mkdir()
    (root / "nested" / "__init__.py").write_text("from .leaf import Leaf\nfrom .other import Other\n")
    (root / "nested" / "leaf.py").write_text("class Leaf: pass\n")
    (root / "nested" / "other.py").write_text("class Other: pass\n")
    sys.path.insert(0, str(tmp_path))
    yield root
    sys.path.remove(str(tmp_path))
    for name in [module for module in sys.modules if module == PACKAGE or module.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def loaded() -> set[str]:
    return {name for name in sys.modules if name.startswith(f"{PACKAGE}.")}


def test_a_name_imports_only_its_own_submodule(probe: Path):
    defer_package_init(PACKAGE)
    from deferral_probe import Cheap  # type: ignore[import-not-found]

    assert Cheap.__module__ == f"{PACKAGE}.cheap"
    assert loaded() == {f"{PACKAGE}.cheap"}


def test_renamed_and_absolute_imports_resolve_to_their_originals(probe: Path):
    defer_package_init(PACKAGE)
    from deferral_probe import Deep, Renamed  # type: ignore[import-not-found]

    assert (Renamed.__name__, Deep.__module__) == ("Costly", f"{PACKAGE}.inner.deep")
    assert f"{PACKAGE}.cheap" not in loaded()


def test_a_name_the_init_defines_runs_the_whole_init_once(probe: Path):
    defer_package_init(PACKAGE)
    import deferral_probe  # type: ignore[import-not-found]

    cheap = deferral_probe.Cheap
    assert deferral_probe.DEFINED_HERE == "from the __init__"
    assert loaded() == {f"{PACKAGE}.cheap", f"{PACKAGE}.costly", f"{PACKAGE}.inner", f"{PACKAGE}.inner.deep"}
    assert deferral_probe.Cheap is cheap
    assert "__getattr__" not in vars(deferral_probe)


def test_all_runs_the_whole_init_and_star_import_sees_every_name(probe: Path):
    defer_package_init(PACKAGE)
    namespace: dict[str, object] = {}
    exec(f"from {PACKAGE} import *", namespace)

    assert {"Cheap", "Renamed", "Deep", "DEFINED_HERE"} <= set(namespace)


def test_submodules_other_dunders_and_unknown_names_behave_as_without_deferral(probe: Path):
    defer_package_init(PACKAGE)
    import deferral_probe  # type: ignore[import-not-found]
    from deferral_probe import cheap  # type: ignore[import-not-found]

    assert cheap.__name__ == f"{PACKAGE}.cheap"
    with pytest.raises(AttributeError):
        deferral_probe.__wrapped__  # noqa: B018 - the lookup is the test
    assert "__getattr__" in vars(deferral_probe)  # a dunder lookup did not run the __init__
    with pytest.raises(AttributeError):
        deferral_probe.NoSuchName  # noqa: B018


def test_an_init_shipped_without_source_runs_whole_on_first_lookup(probe: Path):
    init = probe / "__init__.py"
    py_compile.compile(str(init), cfile=str(probe / "__init__.pyc"))  # sourceless, as some layers ship
    init.unlink()
    defer_package_init(PACKAGE)
    import deferral_probe  # type: ignore[import-not-found]

    assert deferral_probe.__spec__.origin.endswith("__init__.pyc")
    assert loaded() == set()
    assert deferral_probe.Cheap.__module__ == f"{PACKAGE}.cheap"
    assert f"{PACKAGE}.costly" in loaded()  # no names to read, so the whole __init__ ran


def test_a_subpackage_is_deferred_and_reachable_from_its_parent(probe: Path):
    defer_package_init(f"{PACKAGE}.nested")
    import deferral_probe  # type: ignore[import-not-found]

    assert deferral_probe.nested is sys.modules[f"{PACKAGE}.nested"]
    assert deferral_probe.nested.Leaf.__module__ == f"{PACKAGE}.nested.leaf"
    assert f"{PACKAGE}.nested.other" not in loaded()


def test_an_imported_package_or_a_missing_one_is_left_alone(probe: Path):
    import deferral_probe  # type: ignore[import-not-found]

    defer_package_init(PACKAGE)
    assert sys.modules[PACKAGE] is deferral_probe
    assert "__getattr__" not in vars(deferral_probe)
    defer_package_init("no_such_package_anywhere")
    assert "no_such_package_anywhere" not in sys.modules
