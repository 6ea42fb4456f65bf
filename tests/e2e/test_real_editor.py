"""The platform's real course editor, run in Chromium against the local API: what it really sends is the contract.

EditCourse from @selfcommunity/react-ui, bundled from the pinned tarball (requirements/editor/) by
localdev/editor.py and served from a second loopback origin, as `make editor` serves it. A manager
clicks through every section action of the two course types that show the release column; after
each step the API is read back, and every request the page made is checked at the end.

The editor is driven as a person drives it: its own buttons, menus, popover, date picker and
keyboard drag and drop. Screenshots of the end of each run are kept in .localdev/artifacts/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from localdev.dynamodb import dynamodb_client, put_course
from localdev.editor import build_page, page_url, serve_directory
from localdev.processes import ROOT
from tests.e2e.conftest import launch_chromium, mint, serve
from tests.support import COURSES_TABLE

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / ".localdev" / "artifacts"
EDIT = ".SCEditCourse-"
RELEASE = ".SCLessonReleaseMenu-"
# This API's routes: the course itself (the outline, the reorder), its sections, one section, a section's lessons, one lesson.
OUR_ROUTE = re.compile(r"/api/v2/course/\d+/(section/(\d+/(lesson/(\d+/)?)?)?)?")
# FieldName keeps what is typed only after a 300 ms debounce (its handleChange): a person is slower.
TYPING_PAUSE_MS = 450


@dataclass
class Site:
    origin: str
    api: str
    dynamodb: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    page = build_page(tmp_path_factory.mktemp("editor-page"))
    with serve_directory(page) as origin:
        arguments = ("--dynamodb-port", "0", "--parameter-overrides", f"CorsAllowedOrigins={origin}")
        with serve(*arguments) as server:
            found = server.wait_for([r"Local API:\s+(?P<url>http://\S+)", r"DynamoDB:\s+(?P<dynamodb>http://\S+)"])
            yield Site(origin, found["url"], found["dynamodb"])


@dataclass
class Editor:
    """The editor's page, and what the manager's clicks sent."""

    page: Any
    api: str
    token: str
    course_id: int
    calls: list[dict[str, Any]] = field(default_factory=list)

    def sections(self) -> list[dict[str, Any]]:
        """What the API now holds, in the course's order."""
        response = requests.get(
            f"{self.api}/api/v2/course/{self.course_id}/section/",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def outline(self) -> dict[str, Any]:
        """The course outline the API now answers (what the editor loads)."""
        response = requests.get(
            f"{self.api}/api/v2/course/{self.course_id}/",
            params={"view": "edit"},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def row(self, index: int) -> Any:
        return self.page.locator(f"tr{EDIT}table-body-accordion").nth(index)

    def lesson_row(self, section: int, index: int) -> Any:
        return self.page.locator(f"{EDIT}table-body-collapse-wrapper").nth(section).locator("tbody tr").nth(index)

    def shows_lesson(self, section: int, index: int, name: str, status: str = "draft") -> bool:
        """Whether the lesson row shows this name and status (the row's text is its icons', name's and status's lines)."""
        lines = [line.strip() for line in self.lesson_row(section, index).inner_text().splitlines()]
        return name in lines and status.upper() in lines

    def reload(self) -> None:
        """The page loaded again: the editor fetches the outline afresh, so what it shows is what the API holds."""
        with self.page.expect_response(lambda r: "view=edit" in r.url and r.status == 200, timeout=20_000):
            self.page.reload()
        self.page.locator(f"{EDIT}lessons-sections-wrapper button").wait_for()

    def sends(self, methods: str, action: Callable[[], None]) -> dict[str, Any]:
        """Does `action` and waits for the request to this course it makes (one of `methods`); returns that call."""
        course = f"{self.api}/api/v2/course/{self.course_id}/"
        with self.page.expect_response(
            lambda r: r.request.method in methods.split() and r.url.startswith(course), timeout=20_000
        ) as answer:
            action()
        response = answer.value
        body = response.request.post_data
        return {
            "method": response.request.method,
            "path": response.url.removeprefix(self.api),
            "status": response.status,
            "sent": json.loads(body) if body else None,
            "answer": _json(response),
        }

    # The editor's actions, as a person does them.

    def add_section(self, name: str, *, from_header: bool) -> dict[str, Any]:
        where = f"{EDIT}lessons-sections-wrapper" if from_header else f"{EDIT}lesson-empty-status"
        self.page.locator(f"{where} button").click()
        return self._save_name(name)

    def rename(self, index: int, name: str | None) -> dict[str, Any]:
        """Renames a row; None confirms the name field without typing."""
        self._menu(index, "Rename")
        return self._save_name(name)

    def set_delay(self, index: int, amount: str, unit: str) -> dict[str, Any]:
        self.row(index).locator(f"{RELEASE}root input").click()
        popover = self.page.locator(f"{RELEASE}popover-root")
        popover.locator("input[type=number]").fill(amount)
        popover.locator(f"input[value={unit}]").check()
        return self.sends("PATCH", popover.locator(f"{RELEASE}popover-action").click)

    def set_release_day(self, day: datetime) -> dict[str, Any]:
        """In the first row's date and time picker: next month, `day` (its midnight), Confirm."""
        self.row(0).locator(f"{RELEASE}root input").click()
        dialog = self.page.get_by_role("dialog")
        dialog.get_by_role("button", name="Next month").click()
        # While the months slide, both are in the page: the day is picked by its instant, not its number.
        dialog.locator(f'button.MuiPickersDay-root[data-timestamp="{int(day.timestamp() * 1000)}"]').click()
        return self.sends("PATCH", dialog.get_by_role("button", name="Confirm").click)

    def clear_release_date(self, index: int) -> dict[str, Any]:
        self.row(index).locator(f"{RELEASE}root input").click()
        return self.sends("PATCH", self.page.get_by_role("dialog").get_by_role("button", name="Clear").click)

    def move_down(self, index: int) -> dict[str, Any]:
        return self._keyboard_drag(self.row(index), index)

    def _keyboard_drag(self, row: Any, index: int) -> dict[str, Any]:
        """Keyboard drag and drop (@hello-pangea/dnd): the row's handle, space, arrow down, space."""
        from playwright.sync_api import expect

        def announced(text: str) -> None:
            """The library announces each step to screen readers once its state has it: wait for that, not a
            time. Each of the page's drag and drop contexts has a live region; the one in use says it."""
            expect(self.page.locator('[id^="rfd-announcement-"]', has_text=text)).to_have_count(1)

        row.locator("th").focus()
        self.page.keyboard.press("Space")
        announced(f"You have lifted an item in position {index + 1}")
        self.page.keyboard.press("ArrowDown")
        announced(f"You have moved the item from position {index + 1}")
        return self.sends("PATCH", lambda: self.page.keyboard.press("Space"))

    def delete(self, index: int) -> dict[str, Any]:
        self._menu(index, "Delete")
        return self.sends("DELETE", self.page.locator(".MuiDialogActions-root button").last.click)

    def add_lesson(self, section: int, name: str) -> dict[str, Any]:
        """The section row's "Lesson" button, then the new lesson's name, saved."""
        self.row(section).locator(f"{EDIT}actions-wrapper button").first.click()
        return self._save_name(name)

    def rename_lesson(self, section: int, index: int, name: str) -> dict[str, Any]:
        self._lesson_menu(section, index, "Rename")
        return self._save_name(name)

    def set_lesson_status(self, section: int, index: int, status: str) -> dict[str, Any]:
        """The lesson row's status select (draft or published)."""
        self.lesson_row(section, index).get_by_role("combobox").click()
        option = self.page.locator(f'li[data-value="ui.editCourse.tab.lessons.table.select.{status}"]')
        return self.sends("PATCH", option.click)

    def move_lesson_down(self, section: int, index: int) -> dict[str, Any]:
        return self._keyboard_drag(self.lesson_row(section, index), index)

    def delete_lesson(self, section: int, index: int) -> dict[str, Any]:
        self._lesson_menu(section, index, "Delete")
        return self.sends("DELETE", self.page.locator(".MuiDialogActions-root button").last.click)

    def _lesson_menu(self, section: int, index: int, item: str) -> None:
        self.lesson_row(section, index).locator(f"{EDIT}actions-wrapper button").last.click()
        self.page.get_by_role("menuitem", name=item).click()

    def _menu(self, index: int, item: str) -> None:
        self.row(index).locator(f"{EDIT}actions-wrapper button").last.click()
        self.page.get_by_role("menuitem", name=item).click()

    def _save_name(self, name: str | None) -> dict[str, Any]:
        """Types the name (unless None) and confirms it: a new row is created (POST), another renamed (PATCH)."""
        name_field = self.page.locator(f"{EDIT}edit-mode-wrapper input")
        name_field.wait_for()
        if name is not None:
            name_field.fill(name)
        self.page.wait_for_timeout(TYPING_PAUSE_MS)
        return self.sends("POST PATCH", self.page.locator(f"{EDIT}edit-mode-save-button").click)


def _json(response: Any) -> Any:
    try:
        return response.json()
    except Exception:  # a 204 has no body
        return None


@contextmanager
def open_editor(site: Site, course_id: int, course_type: str) -> Iterator[Editor]:
    """The editor on an empty course of its own, for a manager of it; a screenshot of the end is kept."""
    from playwright.sync_api import sync_playwright

    name = f"Edited {course_type}"
    put_course(dynamodb_client(site.dynamodb), COURSES_TABLE, course_id, name=name, course_type=course_type)
    token = mint("--sub", "real-editor", "--group", f"course:{course_id}:manager")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        # A fixed time zone: the date picker's midnight is then the same instant on every machine.
        page = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="UTC").new_page()
        editor = Editor(page, site.api, token, course_id)
        page.on("response", lambda response: _record(editor, response.request.method, response.url, response.status))
        page.on("requestfailed", lambda request: _record(editor, request.method, request.url, request.failure))
        page.on("pageerror", lambda error: editor.calls.append({"page_error": str(error)}))
        try:
            page.goto(
                page_url(
                    site.origin, api=site.api, token=token, course_id=course_id, course_type=course_type, name=name
                )
            )
            page.locator(f"{EDIT}lesson-empty-status button").wait_for()
            yield editor
        finally:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"real-editor-{course_type}.png"), full_page=True)
            browser.close()


def _record(editor: Editor, method: str, url: str, status: Any) -> None:
    if url.startswith(editor.api):
        editor.calls.append({"method": method, "path": urlsplit(url).path, "status": status})


def add_rename_and_confirm_unchanged(editor: Editor, prefix: str) -> tuple[int, int]:
    """The steps both course types share first: two sections added, one renamed, a name confirmed untyped."""
    added = editor.add_section(f"{prefix} 1", from_header=False)
    assert (added["method"], added["status"], added["sent"]) == ("POST", 201, {"name": f"{prefix} 1", "type": "lesson"})
    first = added["answer"]["id"]
    assert [(section["id"], section["name"]) for section in editor.sections()] == [(first, f"{prefix} 1")]

    added = editor.add_section(f"{prefix} 2", from_header=True)
    assert (added["method"], added["status"]) == ("POST", 201), added
    second = added["answer"]["id"]
    assert [(section["id"], section["name"]) for section in editor.sections()] == [
        (first, f"{prefix} 1"),
        (second, f"{prefix} 2"),
    ]

    renamed = editor.rename(1, f"{prefix} 2, renamed")
    assert (renamed["method"], renamed["path"], renamed["status"], renamed["sent"]) == (
        "PATCH",
        f"/api/v2/course/{editor.course_id}/section/{second}/",
        200,
        {"name": f"{prefix} 2, renamed", "type": "lesson"},
    )
    assert editor.sections()[1]["name"] == f"{prefix} 2, renamed"

    # After a save, FieldName forgets the typed name (setName(null)): confirming again untyped sends null.
    unchanged = editor.rename(1, None)
    assert unchanged["sent"] == {"name": None, "type": "lesson"}
    assert unchanged["status"] == 400, unchanged
    assert unchanged["answer"]["type"] == "urn:course-api:problem:invalid-request"
    assert unchanged["answer"]["errors"] == [{"field": "name", "message": "must be a string"}]
    assert [section["name"] for section in editor.sections()] == [f"{prefix} 1", f"{prefix} 2, renamed"]
    name_field = editor.row(1).locator(f"{EDIT}edit-mode-wrapper input")
    assert name_field.input_value() == f"{prefix} 2, renamed", "the editor keeps the old name"
    editor.row(1).locator(f"{EDIT}edit-mode-close-button").click()  # as the manager would, after the error
    return first, second


def reorder_and_delete(editor: Editor, first: int, second: int) -> None:
    """The steps both course types share last."""
    moved = editor.move_down(0)
    assert (moved["path"], moved["status"], moved["sent"]) == (
        f"/api/v2/course/{editor.course_id}/",
        200,
        {"sections_order": [second, first]},
    )
    assert moved["answer"] == {"id": editor.course_id, "sections_order": [second, first]}
    assert [section["id"] for section in editor.sections()] == [second, first]

    deleted = editor.delete(0)
    assert (deleted["path"], deleted["status"]) == (f"/api/v2/course/{editor.course_id}/section/{second}/", 204)
    assert [section["id"] for section in editor.sections()] == [first]


def assert_no_call_failed_but(editor: Editor, *expected: tuple[str, str, int]) -> None:
    """Every request the page made to this API's routes succeeded, but those expected; the platform's other
    services (the signed-in user, preferences, features) are not this API's, and get its 404."""
    assert not [call for call in editor.calls if "page_error" in call], editor.calls
    ours = [call for call in editor.calls if OUR_ROUTE.fullmatch(call["path"])]
    failed = [(call["method"], call["path"], call["status"]) for call in ours if not _succeeded(call["status"])]
    assert failed == list(expected), editor.calls
    others = [call for call in editor.calls if not OUR_ROUTE.fullmatch(call["path"])]
    assert {call["path"] for call in others} <= {"/api/v2/user/me/", "/api/v2/dynamic_preference/", "/api/v2/feature/"}
    assert {call["status"] for call in others} <= {404}, others


def _succeeded(status: Any) -> bool:
    return isinstance(status, int) and status < 400


def test_a_manager_edits_a_structured_course_in_the_real_editor(site):
    with open_editor(site, 41, "structured") as editor:
        first, second = add_rename_and_confirm_unchanged(editor, "Week")

        days = editor.set_delay(0, "7", "days")
        assert days["sent"] == {"drip_delay": "7"}, "the editor sends a delay in days as its input's text"
        assert days["status"] == 200, days
        assert days["answer"]["drip_delay"] == 7
        assert editor.sections()[0]["drip_delay"] == 7

        weeks = editor.set_delay(1, "2", "weeks")
        assert (weeks["status"], weeks["sent"]) == (200, {"drip_delay": 14}), "weeks arrive as a number of days"
        assert [section["drip_delay"] for section in editor.sections()] == [7, 14]

        reorder_and_delete(editor, first, second)
        assert editor.sections() == [
            {"id": first, "name": "Week 1", "dripped_at": None, "drip_delay": 7, "lessons_order": []}
        ]
    assert_no_call_failed_but(editor, ("PATCH", f"/api/v2/course/41/section/{second}/", 400))


def test_a_manager_edits_a_scheduled_course_in_the_real_editor(site):
    with open_editor(site, 42, "scheduled") as editor:
        first, second = add_rename_and_confirm_unchanged(editor, "Day")

        today = datetime.now(UTC)
        day = datetime(today.year + today.month // 12, today.month % 12 + 1, 15, tzinfo=UTC)
        released = editor.set_release_day(day)
        assert (released["status"], released["sent"]) == (200, {"dripped_at": day.strftime("%Y-%m-%dT00:00:00.000Z")})
        assert editor.sections()[0]["dripped_at"] == day.strftime("%Y-%m-%dT00:00:00Z")

        cleared = editor.clear_release_date(0)
        assert (cleared["status"], cleared["sent"]) == (200, {"dripped_at": None})
        assert editor.sections()[0]["dripped_at"] is None

        reorder_and_delete(editor, first, second)
        assert editor.sections() == [
            {"id": first, "name": "Day 1", "dripped_at": None, "drip_delay": 0, "lessons_order": []}
        ]
    assert_no_call_failed_but(editor, ("PATCH", f"/api/v2/course/42/section/{second}/", 400))


def lessons_of(outline: dict[str, Any], index: int) -> list[tuple[int, str, str]]:
    return [(lesson["id"], lesson["name"], lesson["status"]) for lesson in outline["sections"][index]["lessons"]]


def test_a_manager_edits_lessons_in_the_real_editor(site):
    """The Lessons tab on lessons: the editor loads the course through its own GET of the outline (the page adds
    only the course service's fields), and each step is read back from the API and, after a reload, the page.

    The lessons are in the course's last section. The editor's delete dialog reaches a lesson through one ref
    that every section row shares (Lessons.js: ref.current.handleDeleteLesson), so it holds the last section's
    row, which reaches its own last lesson row: from any other section, "Delete" sends nothing (the editor's
    own limit, in 0.11.0-alpha.119; the DELETE it sends names the right lesson either way)."""
    course = 43
    with open_editor(site, course, "self-paced") as editor:
        kept = editor.add_section("Unit 1", from_header=False)["answer"]["id"]
        section = editor.add_section("Unit 2", from_header=True)["answer"]["id"]
        lessons = f"/api/v2/course/{course}/section/{section}/lesson/"

        first = editor.add_lesson(1, "Welcome")  # the first lesson of an empty section
        assert (first["method"], first["path"], first["status"]) == ("POST", lessons, 201), first
        assert first["sent"] == {"name": "Welcome", "type": "lesson"}
        one = first["answer"]["id"]
        second = editor.add_lesson(1, "Setup")  # and the next, from the same add button
        assert (second["path"], second["status"], second["sent"]) == (lessons, 201, {"name": "Setup", "type": "lesson"})
        two = second["answer"]["id"]
        assert lessons_of(editor.outline(), 1) == [(one, "Welcome", "draft"), (two, "Setup", "draft")]
        editor.reload()
        assert editor.shows_lesson(1, 0, "Welcome") and editor.shows_lesson(1, 1, "Setup")

        renamed = editor.rename_lesson(1, 1, "Setting up")
        assert (renamed["method"], renamed["path"], renamed["status"]) == ("PATCH", f"{lessons}{two}/", 200)
        assert renamed["sent"] == {"name": "Setting up", "type": "lesson"}
        assert lessons_of(editor.outline(), 1)[1] == (two, "Setting up", "draft")
        editor.reload()
        assert editor.shows_lesson(1, 1, "Setting up")

        published = editor.set_lesson_status(1, 0, "published")
        assert (published["path"], published["status"], published["sent"]) == (
            f"{lessons}{one}/",
            200,
            {"status": "published"},
        )
        assert lessons_of(editor.outline(), 1)[0] == (one, "Welcome", "published")
        drafted = editor.set_lesson_status(1, 0, "draft")
        assert (drafted["status"], drafted["sent"]) == (200, {"status": "draft"})
        assert lessons_of(editor.outline(), 1)[0][2] == "draft"
        editor.reload()
        assert editor.shows_lesson(1, 0, "Welcome", "draft")

        moved = editor.move_lesson_down(1, 0)
        assert (moved["path"], moved["status"], moved["sent"]) == (
            f"/api/v2/course/{course}/section/{section}/",
            200,
            {"lessons_order": [two, one]},
        )
        assert [lesson[0] for lesson in lessons_of(editor.outline(), 1)] == [two, one]
        editor.reload()
        assert editor.shows_lesson(1, 0, "Setting up") and editor.shows_lesson(1, 1, "Welcome")

        deleted = editor.delete_lesson(1, 0)
        assert (deleted["path"], deleted["status"]) == (f"{lessons}{two}/", 204)
        assert lessons_of(editor.outline(), 1) == [(one, "Welcome", "draft")]
        editor.reload()
        assert editor.shows_lesson(1, 0, "Welcome")

        gone = editor.delete(1)  # the section, with its lesson
        assert (gone["path"], gone["status"]) == (f"/api/v2/course/{course}/section/{section}/", 204)
        outline = editor.outline()
        assert [item["id"] for item in outline["sections"]] == [kept] and outline["num_lessons"] == 0
        answer = requests.get(
            f"{editor.api}{lessons}{one}/", headers={"Authorization": f"Bearer {editor.token}"}, timeout=30
        )
        assert answer.status_code == 404, answer.text
        editor.reload()
        assert editor.page.locator(f"tr{EDIT}table-body-accordion").count() == 1
    assert_no_call_failed_but(editor)
