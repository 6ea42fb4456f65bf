"""localdev/editor.py and `localdev editor`: the platform's course editor on a page of its own."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from localdev import cli, editor


def test_the_editors_settings_ride_in_the_fragment_which_no_server_sees():
    url = editor.page_url(
        "http://localhost:5173",
        api="http://127.0.0.1:3000",
        token="a.b.c",
        course_id=2,
        course_type="structured",
        name="A & B",
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path, parts.query) == ("http", "localhost:5173", "/index.html", "")
    assert parse_qs(parts.fragment) == {
        "api": ["http://127.0.0.1:3000"],
        "token": ["a.b.c"],
        "course": ["2"],
        "type": ["structured"],
        "name": ["A & B"],
    }


def test_the_page_folder_is_served_on_loopback_as_an_origin_of_its_own(tmp_path):
    (tmp_path / "index.html").write_text("<p>editor</p>")
    with editor.serve_directory(tmp_path) as origin:
        assert origin.startswith("http://127.0.0.1:")
        response = requests.get(f"{origin}/index.html", timeout=10)
    assert (response.status_code, response.text) == (200, "<p>editor</p>")


def test_without_a_running_make_dev_the_command_says_what_to_do(monkeypatch, capsys):
    monkeypatch.setattr(cli, "running_api", lambda: None)
    assert cli.main(["editor"]) == 2
    assert capsys.readouterr().err.strip() == (
        "No `make dev` is running: start it in another terminal first, or name the API: --api URL"
    )


def test_without_the_editor_packages_the_build_names_the_command_that_installs_them(monkeypatch, tmp_path):
    monkeypatch.setattr(editor, "ESBUILD", tmp_path / "missing" / "esbuild")
    with pytest.raises(editor.EditorMissing, match=r"`make editor` or `make test` installs the editor"):
        editor.build_page(tmp_path / "page")
