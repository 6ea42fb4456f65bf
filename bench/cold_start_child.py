"""One cold start, in a fresh interpreter: import the handler (init), then serve one request.

Prints one JSON line. Run by bench/__main__.py with the code laid out as Lambda lays it.
"""

import importlib
import json
import sys
import time
from pathlib import Path

# The repository goes last on the path: it only lends the context class, imported before timing starts.
sys.path.append(str(Path(__file__).resolve().parent.parent))
from localdev.lambda_context import LocalLambdaContext

started = time.perf_counter()
module_name, attribute, event_path = sys.argv[1:4]
handler = getattr(importlib.import_module(module_name), attribute)
initialised = time.perf_counter()


with open(event_path) as handle:
    event = json.load(handle)
response = handler(event, LocalLambdaContext("bench", timeout_seconds=15))
finished = time.perf_counter()
print(
    json.dumps(
        {
            "init_ms": (initialised - started) * 1000,
            "first_request_ms": (finished - initialised) * 1000,
            "answered_at": time.time(),
            "status": response["statusCode"],
            "modules": len(sys.modules),
        }
    )
)
