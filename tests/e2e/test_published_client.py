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

from localdev.processes import NPM_MODULES
from tests.e2e.conftest import mint

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).parent / "published_client" / "course_sections.js"
METHODS = [
    "createCourseSection",
    "getCourseSections",
    "getCourseSection",
    "updateCourseSection",
    "patchCourseSection",
    "deleteCourseSection",
    "getCourseSections",
]


def drive(target, token: str, section_id: str = "") -> list[dict]:
    if not (NPM_MODULES / "@selfcommunity" / "api-services").is_dir():
        pytest.fail("the published client is not installed: `make test` installs it (.tools/npm)")
    result = subprocess.run(
        [shutil.which("node") or "node", str(SCRIPT), target.base_url, token, str(target.course_id), section_id],
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
