"""The platform's published JavaScript client, @selfcommunity/api-services (CourseService), against `make dev`.

The Makefile installs it, pinned (requirements/npm/), into .tools/npm; node runs
published_client/course_sections.js, which calls each section method once and prints what it got.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from localdev.dynamodb import put_course
from localdev.processes import NPM_MODULES
from tests.e2e.conftest import mint
from tests.support import COURSES_TABLE

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).parent / "published_client" / "course_sections.js"
EDITOR_REPLAY = Path(__file__).parent / "published_client" / "editor_replay.js"
METHODS = [
    "createCourseSection",
    "getCourseSections",
    "getCourseSection",
    "updateCourseSection",
    "patchCourseSection",
    "deleteCourseSection",
    "getCourseSections",
]


def drive(target, token: str, section_id: str = "", script: Path = SCRIPT, course_id: int | None = None) -> list[dict]:
    if not (NPM_MODULES / "@selfcommunity" / "api-services").is_dir():
        pytest.fail("the published client is not installed: `make test` installs it (.tools/npm)")
    course = str(course_id or target.course_id)
    result = subprocess.run(
        [shutil.which("node") or "node", str(script), target.base_url, token, course, section_id],
        env={**os.environ, "NODE_PATH": str(NPM_MODULES)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_every_course_service_section_method_works_for_a_manager(target):
    calls = drive(target, target.token())
    assert [call["call"] for call in calls] == METHODS
    created, listed, read, updated, patched, deleted, listed_after = calls
    section = created["data"]
    assert created["status"] == 201
    assert section == {
        "id": section["id"],
        "name": "From the published client",
        "dripped_at": None,
        "drip_delay": 0,
        "lessons_order": [1, 2],
    }
    assert listed["status"] == 200 and listed["data"][-1] == section
    assert (read["status"], read["data"]) == (200, section)
    assert updated["status"] == 200
    assert updated["data"] == {**section, "name": "Updated by the client", "drip_delay": 4, "lessons_order": []}
    assert (patched["status"], patched["data"]) == (200, {**updated["data"], "lessons_order": [9]})
    assert (deleted["status"], deleted["data"]) == (204, None)
    assert listed_after["status"] == 200
    assert section["id"] not in [other["id"] for other in listed_after["data"]], "the list shows it gone"


def test_the_same_client_with_another_courses_token_gets_403_on_each_method(local_only):
    own = requests.post(
        local_only.url(f"/api/v2/course/{local_only.course_id}/section/"),
        json={"name": "Not theirs"},
        headers={"Authorization": f"Bearer {local_only.token()}"},
        timeout=30,
    ).json()["id"]  # a section that exists, so the role is the only reason for the 403
    stranger = mint("--sub", "stranger", "--group", f"course:{local_only.course_id + 1}:manager")
    calls = drive(local_only, stranger, section_id=str(own))
    assert [call["call"] for call in calls] == METHODS
    for call in calls:
        assert call["status"] == 403, call
        assert call["data"]["type"] == "urn:course-api:problem:forbidden", call


def test_the_course_editors_calls_work_as_the_editor_makes_them(local_only):
    """EditCourse in @selfcommunity/react-ui, replayed call by call through the client it is built on."""
    course_id = 31  # a course of its own: a reorder names every section of the course
    put_course(local_only.dynamodb(), COURSES_TABLE, course_id, name="Edited", course_type="structured")
    token = mint("--sub", "editor", "--group", f"course:{course_id}:manager")
    calls = drive(local_only, token, script=EDITOR_REPLAY, course_id=course_id)
    assert [call["call"] for call in calls] == [
        "addSection",
        "addSection",
        "addSection",
        "renameSection",
        "renameSectionUntyped",
        "patchLessonsOrder",
        "patchDripDelay",
        "patchDripDelayWeeks",
        "patchDrippedAt",
        "patchCourse",
        "getCourseSections",
        "deleteCourseSection",
        "getCourseSections",
    ]
    added, renamed, untyped, lessons, delay, weeks, dripped, reordered, listed, deleted, listed_after = (
        *calls[:1],
        *calls[3:],
    )
    assert [call["status"] for call in calls] == [201, 201, 201, 200, 400, 200, 200, 200, 200, 200, 200, 204, 200], (
        calls
    )
    first, second, third = (call["data"]["id"] for call in calls[:3])
    assert added["data"] == {"id": first, "name": "Week 1", "dripped_at": None, "drip_delay": 0, "lessons_order": []}
    assert renamed["data"]["name"] == "Week 2, renamed"
    assert untyped["data"]["errors"] == [{"field": "name", "message": "must be a string"}]
    assert lessons["data"]["lessons_order"] == [3, 1, 2]
    assert delay["data"]["drip_delay"] == 7, "the day delay, sent as text, is answered as a number"
    assert weeks["data"]["drip_delay"] == 14
    assert dripped["data"]["dripped_at"] == "2027-01-15T09:30:00Z"
    assert reordered["data"] == {"id": course_id, "sections_order": [third, first, second]}
    assert [section["id"] for section in listed["data"]] == [third, first, second]
    assert listed["data"][1] == {
        "id": first,
        "name": "Week 1",
        "dripped_at": "2027-01-15T09:30:00Z",
        "drip_delay": 7,
        "lessons_order": [3, 1, 2],
    }
    assert listed["data"][2]["name"] == "Week 2, renamed", "the untyped confirmation changed nothing"
    assert deleted["data"] is None
    assert [(section["id"], section["name"]) for section in listed_after["data"]] == [
        (third, "Week 3"),
        (second, "Week 2, renamed"),
    ]
