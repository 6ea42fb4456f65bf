"""Warm cost per request: one handler, DynamoDB answered in-process, many requests.

DynamoDB is stubbed at the bottom of botocore (the endpoint's send returns canned responses),
so the measurement includes request signing, serialisation and parsing, but no network, for any
client however it was created.
Prints one JSON line with every latency in microseconds.
"""

import contextlib
import importlib
import io
import json
import sys
import time
from pathlib import Path

from botocore.awsrequest import AWSResponse
from botocore.endpoint import Endpoint

# The repository goes last on the path: it only lends the context class.
sys.path.append(str(Path(__file__).resolve().parent.parent))
from localdev.lambda_context import LocalLambdaContext

CANNED = {
    "UpdateItem": b'{"Attributes":{"section_seq":{"N":"7"}}}',
    "PutItem": b"{}",
}


class _Raw:
    def __init__(self, body):
        self._body = body

    def stream(self, **_):
        yield self._body


def stub(endpoint, request):
    target = request.headers.get("X-Amz-Target", b"")
    operation = (target.decode() if isinstance(target, bytes) else target).rpartition(".")[2]
    return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(CANNED[operation]))


def main():
    module_name, attribute, event_path, requests = sys.argv[1:5]
    Endpoint._send = stub
    handler = getattr(importlib.import_module(module_name), attribute)
    with open(event_path) as handle:
        event = json.load(handle)

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        handler(
            event, LocalLambdaContext("bench", timeout_seconds=15)
        )  # not timed: a first request pays one-time costs (connection pools, lazily built shapes)
    timings = []
    for _ in range(int(requests)):
        started = time.perf_counter_ns()
        with contextlib.redirect_stdout(sink):
            response = handler(event, LocalLambdaContext("bench", timeout_seconds=15))
        timings.append((time.perf_counter_ns() - started) / 1000)
        sink.seek(0)
        sink.truncate()
        assert response["statusCode"] == 201, response
    print(json.dumps(timings))


if __name__ == "__main__":
    main()
