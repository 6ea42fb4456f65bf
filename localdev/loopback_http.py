"""What every loopback server here builds on: HTTP/1.1 keep-alive, answered without delay, and
request bodies framed either way HTTP/1.1 allows."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import BinaryIO


class LoopbackRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A response goes out as two writes, headers then body. With Nagle's algorithm on, the body waits
    # for the client to acknowledge the headers, which a keep-alive client delays by up to 40 ms.
    # socketserver sets TCP_NODELAY on each connection when this is on.
    disable_nagle_algorithm = True

    def read_body(self, limit: int | None = None) -> bytes | None:
        """The whole request body, by Content-Length or chunked; None once it passes `limit` bytes.

        http.server reads neither. An unread chunked body would be parsed as the next request on the
        connection, and its error page, sent without a status line, taken for the next answer.
        After None the rest is unread, so the connection must close.
        """
        if self.headers.get("Transfer-Encoding", "").strip().lower() == "chunked":
            return read_chunked(self.rfile, limit)
        length = int(self.headers.get("Content-Length") or 0)
        return None if limit is not None and length > limit else self.rfile.read(length)


def read_chunked(stream: BinaryIO, limit: int | None = None) -> bytes | None:
    """A chunked body (RFC 9112, section 7.1): size lines in hex, extensions ignored, trailers skipped."""
    body = bytearray()
    while size := int(stream.readline(1024).split(b";")[0], 16):
        if limit is not None and len(body) + size > limit:
            return None
        body += stream.read(size)
        stream.readline(8)  # the CRLF after the chunk's data
    while stream.readline(8192).strip():
        pass  # trailer fields, up to the empty line
    return bytes(body)
