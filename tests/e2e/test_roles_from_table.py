"""RoleSource=table over `localdev serve` as a black box: roles live in the course item, set with `seed-course`.

What a platform sees: a token that carries only its subject works where the course lists it, a
group in the token grants nothing, and a manager removed from the course is refused on the very
next request, with the same token.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from localdev.processes import ROOT
from tests.e2e.conftest import mint, serve

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[str, str]]:
    with serve("--dynamodb-port", "0", "--parameter-overrides", "RoleSource=table AdminGroup=admins") as server:
        found = server.wait_for([r"Local API:\s+(?P<url>http://\S+)", r"DynamoDB:\s+(?P<dynamodb>http://\S+)"])
        assert "RoleSource=table" in server.output(), "the banner says where roles come from"
        yield found["url"], found["dynamodb"]


def seed(dynamodb: str, course: int, *roles: str) -> str:
    command = [sys.executable, "-m", "localdev", "seed-course", "--id", str(course), "--type", "structured"]
    result = subprocess.run(
        [*command, *roles, "--endpoint", dynamodb], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout


def create(url: str, course: int, token: str) -> requests.Response:
    return requests.post(
        f"{url}/api/v2/course/{course}/section/",
        json={"name": "Week"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_the_course_items_staff_decides_and_a_removal_takes_effect_on_the_next_request(api):
    url, dynamodb = api
    assert "staff: m1 (manager), c1 (creator)" in seed(dynamodb, 51, "--manager", "m1", "--creator", "c1")
    m1 = mint("--sub", "m1")
    first = create(url, 51, m1)
    assert (first.status_code, first.json()["id"]) == (201, 1)

    for token in (mint("--sub", "m2"), mint("--sub", "m2", "--group", "course:51:manager")):
        refused = create(url, 51, token)
        assert refused.status_code == 403
        assert refused.json()["detail"] == "You are not a manager or creator of this course."

    assert "staff: m3 (manager), c1 (creator)" in seed(dynamodb, 51, "--manager", "m3"), "the creator stays"
    assert create(url, 51, m1).status_code == 403, "the same token, refused at once"
    again = create(url, 51, mint("--sub", "m3"))
    assert (again.status_code, again.json()["id"]) == (201, 2), "seeding again kept section_seq"
    listed = requests.get(f"{url}/api/v2/course/51/section/", headers={"Authorization": f"Bearer {m1}"}, timeout=30)
    assert listed.status_code == 403


def test_a_missing_course_is_the_same_403_for_a_manager_elsewhere_and_404_for_the_admin(api):
    url, dynamodb = api
    seed(dynamodb, 52, "--manager", "m1")
    manager_elsewhere = create(url, 99, mint("--sub", "m1"))
    assert (manager_elsewhere.status_code, manager_elsewhere.json()["type"]) == (
        403,
        "urn:course-api:problem:forbidden",
    )
    admin = create(url, 99, mint("--sub", "root", "--group", "admins"))
    assert (admin.status_code, admin.json()["type"]) == (404, "urn:course-api:problem:course-not-found")
