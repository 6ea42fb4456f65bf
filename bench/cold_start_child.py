"""One cold start, in a fresh interpreter: import the handler (init), then serve one request.

Prints one JSON line. Run by bench/__main__.py with the code laid out as Lambda lays it.
"""

import importlib
import json
import sys
import time

started = time.perf_counter()
module_name, attribute, event_path = sys.argv[1:4]
handler = getattr(importlib.import_module(module_name), attribute)
initialised = time.perf_counter()


class Context:
    function_name = "bench"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "bench"

    @staticmethod
    def get_remaining_time_in_millis():
        return 15000


with open(event_path) as handle:
    event = json.load(handle)
response = handler(event, Context())
finished = time.perf_counter()
print(
    json.dumps(
        {
            "init_ms": (initialised - started) * 1000,
            "first_request_ms": (finished - initialised) * 1000,
            "status": response["statusCode"],
            "modules": len(sys.modules),
        }
    )
)
