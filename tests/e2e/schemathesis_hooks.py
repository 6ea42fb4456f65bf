"""schemathesis hooks for the fuzz run (tests/e2e/test_fuzz.py sets SCHEMATHESIS_HOOKS to this module).

The published schema says a list's ids are unique (`uniqueItems`), which JSON Schema decides on JSON
values: `"3"` and `3` are different there. The API reads both as the id 3 (docs/api.md, "Integers as
strings") and refuses the pair as a duplicate, which no JSON Schema keyword can say. So generated
bodies holding such a pair are dropped: they are neither valid to the API nor invalid to the schema.
"""

from __future__ import annotations

import sys
from typing import Any

import schemathesis

from localdev.functions import import_path

sys.path[:0] = [str(folder) for folder in import_path()]

from sections import integer_text  # noqa: E402 - the shared code's folder is on the path only now
from sections.section import MAX_SAFE_INTEGER  # noqa: E402

ID_LISTS = ("lessons_order", "sections_order", "medias")


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    """A case per phase (the coverage phase applies case filters only)."""
    body = case.body
    if not isinstance(body, dict):
        return True
    return not any(_same_id_twice(body[name]) for name in ID_LISTS if isinstance(body.get(name), list))


def _same_id_twice(items: list[Any]) -> bool:
    ids = [_as_id(item) for item in items]
    return len(ids) != len(set(ids)) and len({_json_key(item) for item in items}) == len(items)


def _as_id(item: Any) -> Any:
    if isinstance(item, str):
        number = integer_text.parse(item, MAX_SAFE_INTEGER)
        return ("text", item) if number is None else number
    return item if isinstance(item, int | float) and not isinstance(item, bool) else ("other", repr(item))


def _json_key(item: Any) -> Any:
    """The item as JSON Schema's uniqueItems compares it: numbers by value, everything else by its JSON form."""
    return item if isinstance(item, int | float) and not isinstance(item, bool) else ("json", repr(item))
