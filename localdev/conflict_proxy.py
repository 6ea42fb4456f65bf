"""A loopback proxy in front of a local DynamoDB that answers as DynamoDB does under transaction contention.

moto and DynamoDB Local apply requests one at a time, so they never produce the conflicts real
DynamoDB does. This proxy emulates item-level transaction locking, as AWS documents it ("Transaction
conflict handling in DynamoDB", developer guide; docs/aws-behaviour.md):
- a TransactWriteItems holds each of its items for `commit_seconds`, then is applied (forwarded);
- meanwhile a PutItem, UpdateItem or DeleteItem on a held item gets TransactionConflictException;
- a transaction touching a held item is cancelled: TransactionCanceledException, with one
  CancellationReasons entry per action, TransactionConflict for the held ones, None for the rest;
- the same ClientRequestToken sent again while its transaction is held gets
  TransactionInProgressException;
- everything else passes through unchanged. Reads do not conflict: a plain GetItem or Query reads
  committed data (transactional reads, TransactGetItems, would; the function makes none).
It can also drop the answer to a request after applying it, as a lost response would, and hold commits
for as long as a test needs an overlap (`commits_held`), so that no test depends on the machine's speed.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from localdev.loopback_http import LoopbackRequestHandler

_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
_PLAIN_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
ItemKey = tuple[str, str]


class ConflictProxy:
    """Serves 127.0.0.1:`port` (0 picks one) in front of `upstream`, a DynamoDB endpoint on loopback."""

    def __init__(
        self,
        upstream: str,
        key_schemas: dict[str, list[str]],
        commit_seconds: float = 0.03,
        port: int = 0,
        emulate: bool = True,
    ):
        """With `emulate=False` it only passes requests through: the same hop, no conflicts, no commit time."""
        self.upstream = urlsplit(upstream)
        self.emulate = emulate
        self.key_schemas = key_schemas  # table name -> its key attribute names
        self.commit_seconds = commit_seconds
        self._held: set[ItemKey] = set()
        self._tokens_in_flight: set[str] = set()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # holds, conflicts and the commit gate
        self._commits_wait_until: Callable[[], bool] | None = None
        self._drop_answers: dict[str, int] = {}
        self.conflicts = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ConflictProxy:
        threading.Thread(target=self._server.serve_forever, name="conflict-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def drop_next_answer(self, operation: str, count: int = 1) -> None:
        """Apply the next `count` requests of this operation, then close the connection without answering."""
        with self._lock:
            self._drop_answers[operation] = self._drop_answers.get(operation, 0) + count

    @contextmanager
    def commits_held(self, until: Callable[[], bool] = lambda: False, timeout: float = 60) -> Iterator[None]:
        """Within the block, each transaction keeps its items held after its commit time until `until()` holds
        (called under the proxy's lock; it may read `conflicts`) or the block ends, and at most `timeout`:
        a test arranges an overlap with this instead of timing one."""
        with self._changed:
            self._commits_wait_until = until
        try:
            yield
        finally:
            with self._changed:
                self._commits_wait_until = None
                self._changed.notify_all()

    def wait_until_holding(self, timeout: float = 30) -> None:
        """Returns once some transaction holds its items."""
        with self._changed:
            if not self._changed.wait_for(lambda: bool(self._held), timeout=timeout):
                raise TimeoutError("no transaction came to hold its items")

    def _wait_for_gate(self, timeout: float = 60) -> None:
        with self._changed:
            self._changed.wait_for(
                lambda: self._commits_wait_until is None or self._commits_wait_until(), timeout=timeout
            )

    def _count_conflict(self) -> None:
        """Under the lock."""
        self.conflicts += 1
        self._changed.notify_all()

    # ---- one request ----
    def answer(self, operation: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes] | None:
        """The answer to send, or None to drop the connection after applying the request."""
        if not self.emulate:
            return self._forward_unless_dropped(operation, body, headers)
        request = json.loads(body or b"{}")
        if operation in _PLAIN_WRITES:
            key = self._item_key(request["TableName"], request.get("Key") or request.get("Item") or {})
            with self._lock:
                held = key in self._held
                if held:
                    self._count_conflict()
            if held:
                return _error("TransactionConflictException", "Transaction is ongoing for the item")
        elif operation == "TransactWriteItems":
            return self._transact(request, body, headers)
        return self._forward_unless_dropped(operation, body, headers)

    def _transact(
        self, request: dict[str, Any], body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes] | None:
        token = request.get("ClientRequestToken", "")
        keys = list(self._transaction_keys(request))
        with self._lock:
            if token and token in self._tokens_in_flight:
                self._count_conflict()
                return _error("TransactionInProgressException", "Transaction is in progress")
            taken = [key in self._held for key in keys]
            if any(taken):
                self._count_conflict()
            else:
                self._held.update(keys)
                if token:
                    self._tokens_in_flight.add(token)
                self._changed.notify_all()
        if any(taken):
            reasons = [
                {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                if hit
                else {"Code": "None"}
                for hit in taken
            ]
            codes = ", ".join(reason["Code"] for reason in reasons)
            return _error(
                "TransactionCanceledException",
                f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                CancellationReasons=reasons,
            )
        try:
            time.sleep(self.commit_seconds)
            self._wait_for_gate()
            return self._forward_unless_dropped("TransactWriteItems", body, headers)
        finally:
            with self._lock:
                self._held.difference_update(keys)
                self._tokens_in_flight.discard(token)

    def _forward_unless_dropped(
        self, operation: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes] | None:
        answer = self._forward(body, headers)
        with self._lock:
            if self._drop_answers.get(operation):
                self._drop_answers[operation] -= 1
                return None
        return answer

    def _forward(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        try:
            connection.request("POST", self.upstream.path or "/", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def _transaction_keys(self, request: dict[str, Any]) -> Iterator[ItemKey]:
        for action in request.get("TransactItems", []):
            ((kind, detail),) = action.items()
            yield self._item_key(detail["TableName"], detail.get("Key") if kind != "Put" else detail["Item"])

    def _item_key(self, table: str, item: dict[str, Any]) -> ItemKey:
        names = self.key_schemas[table]
        return table, json.dumps([item.get(name) for name in names], sort_keys=True)


def key_schemas(tables: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """{table name: its key attribute names}, from template.yaml's tables (named by logical id locally)."""
    return {name: [key["AttributeName"] for key in table["KeySchema"]] for name, table in tables.items()}


def _error(code: str, message: str, **extra: Any) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"__type": _ERROR_PREFIX + code, "message": message, **extra}).encode()
    return 400, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "conflict-proxy"}, body


def _handler(proxy: ConflictProxy) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(LoopbackRequestHandler):
        def do_POST(self) -> None:
            body = self.read_body() or b""  # no limit here: the request goes upstream as sent
            operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
            forwarded = {
                name: value for name, value in self.headers.items() if name.lower() not in ("host", "connection")
            }
            answer = proxy.answer(operation, body, forwarded)
            if answer is None:
                self.close_connection = True  # applied, and the answer lost on the way back
                return
            status, headers, payload = answer
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass

    return Handler
