"""`python -m contract` prints docs/openapi.json as the code generates it (what `make openapi` writes)."""

import sys

from localdev.functions import import_path

# The shared code, as each function imports it on Lambda (its layer), before the resolvers load.
sys.path[:0] = [str(folder) for folder in import_path()]

from contract.openapi import render  # noqa: E402 - needs the path above

sys.stdout.write(render())
