"""The platform's real course editor on a page of its own: bundled from the pinned npm tarball, served on loopback.

`make editor` opens it against a running `make dev`; tests/e2e/test_real_editor.py drives it in Chromium.
The page (localdev/editor_page/) is bundled with esbuild from requirements/editor/, which the
Makefile installs into .tools/editor; the bundle goes to a folder of the caller's, never the repository.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from localdev.template import ROOT

EDITOR_MODULES = ROOT / ".tools" / "editor" / "node_modules"
PAGE_SOURCE = Path(__file__).parent / "editor_page"
ESBUILD = EDITOR_MODULES / ".bin" / "esbuild"
# react-theme-default's stylesheet brings its icon font in these formats; esbuild copies them beside the bundle.
_ASSET_LOADERS = [f"--loader:.{ending}=file" for ending in ("svg", "woff", "woff2", "eot", "ttf", "png", "gif")]


class EditorMissing(Exception):
    """The pinned editor packages are not installed."""


def build_page(out_dir: Path) -> Path:
    """The page, bundled into `out_dir` (index.html, editor.js, editor.css and the fonts); `out_dir` returned."""
    if not ESBUILD.exists():
        raise EditorMissing(f"{ESBUILD} is missing: `make editor` or `make test` installs the editor (.tools/editor)")
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - the pinned esbuild on our own page
        [
            str(ESBUILD),
            str(PAGE_SOURCE / "editor.jsx"),
            "--bundle",
            f"--outdir={out_dir}",
            "--format=iife",
            "--define:process.env.NODE_ENV='production'",
            "--log-level=error",
            *_ASSET_LOADERS,
        ],
        # The page's source is not below .tools/editor: esbuild finds the packages through NODE_PATH, as node does.
        env={**os.environ, "NODE_PATH": str(EDITOR_MODULES)},
        cwd=EDITOR_MODULES.parent,
        check=True,
    )
    shutil.copy(PAGE_SOURCE / "index.html", out_dir / "index.html")
    return out_dir


def page_url(origin: str, *, api: str, token: str, course_id: int, course_type: str, name: str) -> str:
    """The editor for one course. Its settings ride in the fragment, which a browser never sends to the page's server."""
    settings = {"api": api, "token": token, "course": course_id, "type": course_type, "name": name}
    return f"{origin}/index.html#{urlencode(settings)}"


@contextmanager
def serve_directory(directory: Path, port: int = 0) -> Iterator[str]:
    """`directory` served on 127.0.0.1 (`port`, or a free one), as its own origin; yields that origin."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, name="page", daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass
