"""RoleSource=table over `localdev serve` as a black box: roles live in the course item, set with `seed-course`.

What a platform sees: a token that carries only its subject works where the course lists it, a
group in the token grants nothing, and a manager removed from the course is refused on the very
next request, with the same token.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from localdev.conflict_proxy import ConflictProxy, key_schemas
from localdev.dynamodb import create_tables, dynamodb_client, seed_demo_courses
from localdev.dynamodb_local import DynamoDBLocal
from localdev.processes import ROOT
from localdev.template import local_template
from tests.e2e.conftest import mint, serve
from tests.support import COURSES_TABLE, course_service_holding

pytestmark = pytest.mark.e2e


OVERRIDES = ("--parameter-overrides", "RoleSource=table AdminGroup=admins")


@dataclass
class Api:
    url: str
    dynamodb: str
    proxy: ConflictProxy | None = None

    def busy(self, course: int) -> Any:
        """Behind the conflict double: the course service's transactions hold the course item meanwhile.

        The overlap is arranged, not timed: the first of them holds the item until a request has met it,
        and the block starts only once it holds it.
        """
        return nullcontext() if self.proxy is None else course_service_holding(self.proxy, course)


@contextmanager
def behind_the_conflict_double() -> Iterator[ConflictProxy]:
    """DynamoDB Local, AWS's engine, behind the double that answers transaction conflicts as DynamoDB does."""
    with ExitStack() as stack:
        store = DynamoDBLocal().start()
        stack.callback(store.stop)
        template = local_template()
        proxy = ConflictProxy(store.endpoint, key_schemas(template.tables()), commit_seconds=0.03).start()
        stack.callback(proxy.stop)
        client = dynamodb_client(store.endpoint)
        create_tables(client, template)
        seed_demo_courses(client, COURSES_TABLE)
        yield proxy


@pytest.fixture(scope="module", params=["embedded", "conflict double"])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    """`localdev serve` (on the built artifacts once built) on its embedded DynamoDB, then on DynamoDB Local
    behind the conflict double."""
    with ExitStack() as stack:
        proxy = stack.enter_context(behind_the_conflict_double()) if request.param == "conflict double" else None
        store = ("--dynamodb-endpoint", proxy.endpoint) if proxy else ("--dynamodb-port", "0")
        server = stack.enter_context(serve(*store, *OVERRIDES))
        found = server.wait_for([r"Local API:\s+(?P<url>http://\S+)", r"DynamoDB:\s+(?P<dynamodb>http://\S+)"])
        assert "RoleSource=table" in server.output(), "the banner says where roles come from"
        yield Api(found["url"], found["dynamodb"], proxy)


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
    url, dynamodb = api.url, api.dynamodb
    assert "staff: m1 (manager), c1 (creator)" in seed(dynamodb, 51, "--manager", "m1", "--creator", "c1")
    m1 = mint("--sub", "m1")
    conflicts_before = api.proxy.conflicts if api.proxy else 0
    with api.busy(51):
        first = create(url, 51, m1)
        refusals = [create(url, 51, mint("--sub", "m2", *group)) for group in ([], ["--group", "course:51:manager"])]
    assert (first.status_code, first.json()["id"]) == (201, 1)
    if api.proxy:
        assert api.proxy.conflicts > conflicts_before, "the checks met the course service's transactions"
    for refused in refusals:
        assert refused.status_code == 403
        assert refused.json()["detail"] == "You are not a manager or creator of this course."

    assert "staff: m3 (manager), c1 (creator)" in seed(dynamodb, 51, "--manager", "m3"), "the creator stays"
    assert create(url, 51, m1).status_code == 403, "the same token, refused at once"
    again = create(url, 51, mint("--sub", "m3"))
    assert (again.status_code, again.json()["id"]) == (201, 2), "seeding again kept section_seq"
    listed = requests.get(f"{url}/api/v2/course/51/section/", headers={"Authorization": f"Bearer {m1}"}, timeout=30)
    assert listed.status_code == 403


def test_a_missing_course_is_the_same_403_for_a_manager_elsewhere_and_404_for_the_admin(api):
    url, dynamodb = api.url, api.dynamodb
    seed(dynamodb, 52, "--manager", "m1")
    manager_elsewhere = create(url, 99, mint("--sub", "m1"))
    assert (manager_elsewhere.status_code, manager_elsewhere.json()["type"]) == (
        403,
        "urn:course-api:problem:forbidden",
    )
    admin = create(url, 99, mint("--sub", "root", "--group", "admins"))
    assert (admin.status_code, admin.json()["type"]) == (404, "urn:course-api:problem:course-not-found")


def test_lessons_and_the_outline_follow_the_course_items_staff(api):
    """Every lesson operation and the outline, over HTTP, with roles from the table: the staff's manager works,
    a subject not on it is refused with nothing written, and the table holds what the answers say."""
    url, dynamodb = api.url, api.dynamodb
    seed(dynamodb, 53, "--manager", "m1")
    manager, stranger = mint("--sub", "m1"), mint("--sub", "m2", "--group", "course:53:manager")
    section = create(url, 53, manager).json()["id"]
    lessons = f"{url}/api/v2/course/53/section/{section}/lesson/"

    def send(method: str, path: str, token: str, body: Any = None, **options: Any) -> requests.Response:
        return requests.request(
            method, path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30, **options
        )

    created = send("POST", lessons, manager, {"name": "Intro", "type": "lesson", "text": "<p>Hi<script>x</script></p>"})
    assert created.status_code == 201 and created.headers["Location"].endswith(f"/lesson/{created.json()['id']}/")
    lesson = f"{lessons}{created.json()['id']}/"
    assert created.json()["html"] == "<p>Hi</p>"
    assert send("PATCH", lesson, manager, {"status": "published"}).json()["status"] == "published"
    replaced = send("PUT", lesson, manager, {"name": "Intro, again", "type": "lesson", "medias": [3]})
    assert (replaced.status_code, replaced.json()["medias"], replaced.json()["status"]) == (200, [3], "draft")
    assert [item["name"] for item in send("GET", lessons, manager).json()] == ["Intro, again"]
    outline = send("GET", f"{url}/api/v2/course/53/", manager, params={"view": "edit"}).json()
    assert outline["num_lessons"] == 1 and outline["sections"][0]["lessons"][0]["name"] == "Intro, again"

    stored = dynamodb_client(dynamodb).scan(TableName=COURSES_TABLE)["Items"]
    for method, path, body in [
        ("POST", lessons, {"name": "No", "type": "lesson"}),
        ("GET", lessons, None),
        ("GET", lesson, None),
        ("PATCH", lesson, {"status": "published"}),
        ("DELETE", lesson, None),
        ("GET", f"{url}/api/v2/course/53/?view=edit", None),
    ]:
        refused = send(method, path, stranger, body)
        assert (refused.status_code, refused.json()["type"]) == (403, "urn:course-api:problem:forbidden"), method
    assert dynamodb_client(dynamodb).scan(TableName=COURSES_TABLE)["Items"] == stored, "a refusal wrote"

    assert send("DELETE", lesson, manager).status_code == 204
    assert send("GET", lesson, manager).status_code == 404
