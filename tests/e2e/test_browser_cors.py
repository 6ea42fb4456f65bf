"""A real browser on another origin calls the local API, which routes and applies CORS as `sam deploy` would.

Debian's chromium, driven by Playwright (pinned; its own browser download is not used). The page is
served from a second loopback port, a different origin, so every call with a bearer token is preceded
by a CORS preflight without one (https://fetch.spec.whatwg.org/#cors-preflight-fetch). The published
client under node sends no preflight, so only a browser shows whether one passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from localdev.editor import serve_directory
from tests.e2e.conftest import launch_chromium, mint, serve

pytestmark = pytest.mark.e2e

PAGE_DIR = Path(__file__).parent / "browser"
FIXTURE_TEMPLATE = Path(__file__).parents[1] / "fixtures" / "template-2026-11-27.yaml"
SECTIONS = "/api/v2/course/1/section/"


def page_origin() -> Any:
    """The page, served from its own loopback port: another origin than the API's."""
    return serve_directory(PAGE_DIR)


def browse(origin: str, api: str, steps: list[list[Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The page's results for the steps, and what the browser's console said (its CORS verdicts)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))
            page.goto(f"{origin}/page.html")
            results = page.evaluate("([api, token, steps]) => run(api, token, steps)", [api, mint_manager(), steps])
        finally:
            browser.close()
    return results, console


def mint_manager() -> str:
    return mint("--sub", "browser-user", "--group", "course:1:manager")


@contextmanager
def api_for(origin: str, *arguments: str) -> Iterator[str]:
    with serve("--dynamodb-port", "0", "--parameter-overrides", f"CorsAllowedOrigins={origin}", *arguments) as server:
        yield server.wait_for([r"Local API:\s+(?P<url>http://\S+)"])["url"]


def test_a_browser_on_an_allowed_origin_creates_lists_reorders_patches_and_deletes_sections():
    """The editor's calls, each in both URL forms somewhere, with the editor's own bodies."""
    course = "/api/v2/course/1/"
    with page_origin() as origin, api_for(origin) as api:
        results, console = browse(
            origin,
            api,
            [
                ["POST", SECTIONS, {"name": "From a browser", "type": "lesson"}],
                ["POST", SECTIONS.rstrip("/"), {"name": "Second", "type": "lesson"}],
                ["GET", SECTIONS.rstrip("/"), None],
                ["PATCH", course, {"sections_order": [2, 1]}],
                ["GET", SECTIONS, None],
                ["PATCH", f"{SECTIONS}1/", {"name": "Renamed in a browser", "type": "lesson"}],
                ["PUT", f"{SECTIONS}2", {"name": "Replaced", "lessons_order": [3]}],
                ["GET", f"{SECTIONS}1", None],
                ["DELETE", f"{SECTIONS}1", None],
                ["PATCH", course.rstrip("/"), {"sections_order": [2]}],
                ["GET", SECTIONS, None],
            ],
        )
    assert [result.get("error") for result in results] == [None] * 11, console
    created, second, listed, reordered, listed_reordered, patched, replaced, read, deleted, reordered_again, final = (
        results
    )
    assert (created["status"], created["body"]["name"]) == (201, "From a browser")
    assert created["location"] == f"{SECTIONS}1/", "Location is readable: it is an exposed header"
    assert (second["status"], second["body"]["id"]) == (201, 2)
    assert [section["id"] for section in listed["body"]] == [1, 2]
    assert (reordered["status"], reordered["body"]) == (200, {"id": 1, "sections_order": [2, 1]})
    assert [section["id"] for section in listed_reordered["body"]] == [2, 1]
    assert (patched["status"], patched["body"]["name"]) == (200, "Renamed in a browser")
    assert (replaced["status"], replaced["body"]["lessons_order"]) == (200, [3])
    assert (read["status"], read["body"]["name"]) == (200, "Renamed in a browser")
    assert (deleted["status"], deleted["body"]) == (204, None)
    assert (reordered_again["status"], reordered_again["body"]["sections_order"]) == (200, [2])
    assert [(section["id"], section["name"]) for section in final["body"]] == [(2, "Replaced")]
    assert not [line for line in console if "CORS" in line], console


def test_the_template_before_the_fix_lets_no_browser_call_the_api():
    """Served as SAM translated the template on 2026-11-27: the browser refuses every call, and says why."""
    with page_origin() as origin, api_for(origin, "--template", str(FIXTURE_TEMPLATE)) as api:
        results, console = browse(origin, api, [["POST", SECTIONS, {"name": "Never created"}], ["GET", SECTIONS, None]])
    assert [result.get("error") for result in results] == ["TypeError: Failed to fetch"] * 2
    refusals = [line for line in console if "blocked by CORS policy" in line]
    assert len(refusals) == 2, console
    assert all(f"from origin '{origin}'" in line for line in refusals)
    assert all("Response to preflight request doesn't pass access control check" in line for line in refusals), console
