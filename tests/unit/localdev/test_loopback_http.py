"""The loopback servers answer keep-alive clients without Nagle's 40 ms stall (docs/performance.md),
and read chunked request bodies whole."""

from __future__ import annotations

import http.client
import io
import socket
import threading
from http.server import ThreadingHTTPServer

import pytest

from localdev.conflict_proxy import ConflictProxy
from localdev.gateway import make_http_server
from localdev.loopback_http import LoopbackRequestHandler, read_chunked


class _Answer(LoopbackRequestHandler):
    def do_GET(self) -> None:
        nodelay = self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        body = str(nodelay).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


def test_each_connection_has_nagle_off_and_stays_open_for_the_next_request():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        connection = http.client.HTTPConnection(*server.server_address[:2], timeout=5)
        answers, sockets = [], []
        for _ in range(2):
            connection.request("GET", "/")
            response = connection.getresponse()
            answers.append((response.status, response.version, response.read()))
            sockets.append(connection.sock)
        assert answers == [(200, 11, b"1")] * 2
        assert sockets[0] is not None and sockets[0] is sockets[1], "one connection served both"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "server",
    [
        pytest.param(lambda: make_http_server(api=None, host="127.0.0.1", port=0), id="gateway"),
        pytest.param(lambda: ConflictProxy("http://127.0.0.1:1", key_schemas={})._server, id="conflict-double"),
    ],
)
def test_the_gateway_and_the_conflict_double_use_it(server):
    built = server()
    try:
        assert issubclass(built.RequestHandlerClass, LoopbackRequestHandler)
    finally:
        built.server_close()


def test_a_chunked_body_is_read_whole_with_extensions_ignored_and_trailers_skipped():
    stream = io.BytesIO(b"4;name=value\r\nWiki\r\n6\r\npedia \r\n0\r\nExpires: never\r\n\r\nGET / HTTP/1.1\r\n")
    assert read_chunked(stream, limit=100) == b"Wikipedia "
    assert stream.read() == b"GET / HTTP/1.1\r\n", "the next request starts where the body ended"


def test_a_chunked_body_past_the_limit_is_refused():
    assert read_chunked(io.BytesIO(b"4\r\nWiki\r\n6\r\npedia \r\n0\r\n\r\n"), limit=9) is None
