"""The request handler every loopback server here builds on: HTTP/1.1 keep-alive, answered without delay."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler


class LoopbackRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A response goes out as two writes, headers then body. With Nagle's algorithm on, the body waits
    # for the client to acknowledge the headers, which a keep-alive client delays by up to 40 ms.
    # socketserver sets TCP_NODELAY on each connection when this is on.
    disable_nagle_algorithm = True
